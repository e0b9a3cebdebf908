package gitsecrets

import (
	"errors"
	"net/http"
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
	var coded logical.HTTPCodedError
	if errors.As(err, &coded) && coded.Code() == http.StatusForbidden {
		return // refused, like any fill that would name something else
	}
	if err != nil || resp == nil || resp.IsError() {
		t.Fatalf("creds: %v, %v", resp, err)
	}
	defer e.revoke(resp)
	h := resp.Secret.InternalData["handle"].(map[string]any)
	if h["parent"] != "groups/"+strconv.FormatInt(own, 10) {
		t.Fatalf("a job of group %q got a token on %v (acme is groups/%d)", strconv.FormatInt(victim, 10), h["parent"], victim)
	}
}
