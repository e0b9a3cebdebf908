package gitsecrets

import (
	"testing"

	"github.com/hashicorp/vault/sdk/logical"
)

// TestConfigDeleteDuringStaticRoleWriteOrphansNothing: a static role write
// reads its connection, then (before it makes the role's first token) the
// operator deletes the connection: no static role uses it yet and no token
// is live, so nothing refuses the delete. The write then makes a token with
// the connection it read and stores a role whose connection is gone: the
// token can never be revoked (deleting the role fails, or gives the token
// up), and lives at GitLab until its expiry. The delete must wait for the
// write and then see the role (onceBeforeClientOrAfter), or the write must
// fail and leave no token.
func TestConfigDeleteDuringStaticRoleWriteOrphansNothing(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	deleted := onceBeforeClientOrAfter(e.b, "gl", func() {
		_, _ = e.request(logical.DeleteOperation, "config/gl", nil)
	})
	resp, err := e.request(logical.CreateOperation, "static-roles/cd", map[string]any{
		"config": "gl", "token_type": "deploy", "path": "acme/app", "scopes": "read_registry", "rotation_period": "24h",
	})
	deleted()
	if err != nil || resp.IsError() {
		return // refused: the fake's leak check says whether a token was left
	}
	if resp, err := e.request(logical.DeleteOperation, "static-roles/cd", nil); err != nil || resp.IsError() {
		t.Fatalf("deleting the static role, which revokes its token: %v %v", err, resp.Error())
	}
	for _, tok := range e.gl.LiveTokens() {
		if tok.Kind != "personal" {
			t.Fatalf("a %s token of the static role is still live at GitLab after the role was deleted", tok.Kind)
		}
	}
}
