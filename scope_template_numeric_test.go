package gitsecrets

import (
	"strconv"
	"testing"

	"github.com/hashicorp/vault/sdk/logical"
)

// GitLab reads an all-digit :id as a numeric id, never as a path. A group
// whose path is all digits is allowed (GitLab's path rules accept it), so
// a job in a top-level group named after another group's id, filling a
// role path={{...namespace_path}}, would get a token for that other group.
func TestScopeTemplateGitLabAllDigitFillIsNotAnID(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	victim := e.gl.AddGroup("acme")
	own := e.gl.AddGroup(strconv.FormatInt(victim, 10))
	e.ok(logical.CreateOperation, "roles/ns", map[string]any{
		"config": "gl", "token_type": "group", "scopes": "read_repository", "scope_template": true,
		"path": "{{identity.entity.aliases." + testJWTAccessor + ".metadata.namespace_path}}",
	})
	e.ciJob(map[string]string{"namespace_path": strconv.FormatInt(victim, 10)})
	resp, err := e.request(logical.ReadOperation, "creds/ns", nil)
	if err != nil || resp == nil || resp.IsError() {
		return // refused: fine
	}
	defer e.revoke(resp)
	h := resp.Secret.InternalData["handle"].(map[string]any)
	if h["parent"] != "groups/"+strconv.FormatInt(own, 10) {
		t.Fatalf("a job of group %q got a token on %v (acme is groups/%d)", strconv.FormatInt(victim, 10), h["parent"], victim)
	}
}
