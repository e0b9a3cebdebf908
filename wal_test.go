package gitsecrets

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	glp "github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider/gitlab"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
)

// walKeys lists the write-ahead log.
func walKeys(t testing.TB, s logical.Storage) []string {
	t.Helper()
	keys, err := s.List(context.Background(), framework.WALPrefix)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// TestCredsForUnknownUserLeavesNoWAL: a personal role naming a user that
// does not exist is refused with an error that says so, and the refusal,
// which proves nothing was created, leaves no WAL entry behind to be rolled
// back every minute.
func TestCredsForUnknownUserLeavesNoWAL(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	e.ok(logical.CreateOperation, "roles/ghost", map[string]any{"config": "gl", "token_type": "personal", "path": "no-such-user", "scopes": "read_api"})
	if msg := e.bad(logical.ReadOperation, "creds/ghost", nil); !strings.Contains(msg, `"no-such-user"`) || !strings.Contains(msg, "no such user") {
		t.Fatalf("refusal does not say the user does not exist: %s", msg)
	}
	if keys := walKeys(t, e.storage); len(keys) != 0 {
		t.Fatalf("WAL entries left by a refused request: %v", keys)
	}
}

// TestRollbackUnderDeletedProjectCompletes: a lost creation whose project
// is deleted before the rollback leaves nothing alive (the project's tokens
// went with it), so the rollback completes and clears its entry instead of
// failing on the 404 every minute.
func TestRollbackUnderDeletedProjectCompletes(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	e.ok(logical.CreateOperation, "roles/app", map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api"})
	e.gl.InjectFault(fakegitlab.Fault{Method: "POST", Route: "/projects/{id}/access_tokens", DropAfterCommit: true, Times: 1})
	if resp, err := e.request(logical.ReadOperation, "creds/app", nil); err == nil && !resp.IsError() {
		t.Fatal("creds succeeded over a dropped connection")
	}
	if len(walKeys(t, e.storage)) != 1 {
		t.Fatal("no WAL entry for the lost creation")
	}
	e.gl.DeleteProject("acme/app")
	e.rollback()
	if keys := walKeys(t, e.storage); len(keys) != 0 {
		t.Fatalf("WAL entries left: %v", keys)
	}
}

// TestRollbackOfGoneParentCompletes: WAL entries whose parent cannot be
// found at all (written by a release that kept them for a user that never
// existed, or for a project deleted and forgotten by the engine since) roll
// back cleanly: nothing can be alive under a parent that does not exist.
func TestRollbackOfGoneParentCompletes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ tokenType, path string }{
		{"personal", "no-such-user"},
		{"project", "acme/gone"},
		{"group", "gone-group"},
		{"deploy", "acme/gone"},
	} {
		t.Run(tc.tokenType, func(t *testing.T) {
			t.Parallel()
			e := newGitLabEnv(t)
			ref := uuid.NewString()
			w := walToken{
				Ref: ref, Config: "gl", Provider: "gitlab", BaseURL: e.gl.URL(), TokenType: tc.tokenType,
				Name: providerTokenName("r", "token-alice", ref), Scope: provider.Encode(glp.Scope{Path: tc.path, Scopes: []string{"read_api"}}),
			}
			if _, err := framework.PutWAL(context.Background(), e.storage, walKindToken, w); err != nil {
				t.Fatal(err)
			}
			e.rollback()
			if keys := walKeys(t, e.storage); len(keys) != 0 {
				t.Fatalf("WAL entries left: %v", keys)
			}
		})
	}
}
