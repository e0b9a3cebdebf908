package gitea

import (
	"context"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitea"
)

// TestRevokeAfterBotRename: the bot account is renamed at the server and
// the connection written with the new name (the same user id, so the
// backend lets it through with leases live). The leases' handles still
// name the old one. Gitea tokens never expire, so a revocation refused for
// the name alone would leave them live for good once Vault gives up: the
// client finds the token among its own and deletes it. A token not among
// its own (another user's) is still refused, never counted as gone.
func TestRevokeAfterBotRename(t *testing.T) {
	f := newFixture(t, fakegitea.Options{}, false)
	tok := f.issue(t, "vault-ci-rename", []string{"read:repository"})
	f.srv.RenameUser(bot, "svc-vault")
	renamed, err := NewClient(Connection{BaseURL: f.srv.URL(), Username: "svc-vault", Password: botPassword}, provider.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := renamed.Status(context.Background(), tok.Handle)
	if err != nil || !st.Active {
		t.Fatalf("Status after the rename = %+v, %v; want active", st, err)
	}
	if err := renamed.Revoke(context.Background(), tok.Handle); err != nil {
		t.Fatalf("Revoke after the rename: %v", err)
	}
	if got := f.status(t, "GET", "/api/v1/repos/acme/app", tok.Token); got != 401 {
		t.Fatalf("the token reads with status %d after its revocation, want 401", got)
	}

	// A token not among the bot's (another user's) is refused, not taken
	// for gone.
	h := provider.Handle{TokenType: TokenTypeAccess, ID: 1 << 40, Parent: "users/alice"}
	if err := renamed.Revoke(context.Background(), h); err == nil {
		t.Fatal("Revoke of a handle of another user's, not listed among the bot's, succeeded")
	}
}
