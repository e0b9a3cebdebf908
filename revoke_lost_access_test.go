package gitsecrets

import (
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
)

// TestRevokeAfterConnectionLostAccessIsNotReportedRevoked: a GitLab
// connection acting as a (non-admin) maintainer of acme/app issues a
// project token; then an administrator removes that user from the project.
// GitLab answers 404 for a private project the caller cannot see, exactly
// as for a deleted one, so the revocation's DELETE is a 404, which the
// engine counts as "already revoked" (SPEC: GitLab 404 = revoked): the
// lease ends, the inventory forgets the token, and the token lives on at
// GitLab until its backstop expiry with nothing in Vault showing it. Once
// the membership is restored nothing would revoke it.
//
// Telling the two apart costs one GET of the parent (/projects/:id) on a
// 404: visible parent, the token is gone; invisible parent, the engine
// cannot know, and should fail the revocation (Vault retries, then keeps
// the lease as irrevocable, which an operator sees) rather than report
// success. That trades noise on deleted projects for never hiding a live
// token, against the SPEC's wording, so it is left to the lead.
func TestRevokeAfterConnectionLostAccessIsNotReportedRevoked(t *testing.T) {
	t.Skip("review finding: a 404 from lost access (project no longer visible to the connection) counts as revoked; the token stays live at GitLab and leaves the inventory")
	t.Parallel()
	e := newTestEnv(t)
	gl := startGitLab(t)
	bot := gl.AddUser("vault-bot", false)
	gl.AddMember("acme/app", bot, 40)
	token, _ := gl.AddPersonalToken(bot, "vault", []string{"api"}, time.Now().AddDate(0, 6, 0))
	e.ok(logical.CreateOperation, "config/gl", map[string]any{"provider": "gitlab", "token": token, "base_url": gl.URL()})
	e.ok(logical.CreateOperation, "roles/app", map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api", "access_level": "developer"})
	lease := e.ok(logical.ReadOperation, "creds/app", nil)

	gl.AddMember("acme/app", bot, 0) // removed from the project
	err := e.revoke(lease)
	var live []fakegitlab.Token
	for _, tok := range gl.LiveTokens() {
		if tok.Kind != fakegitlab.KindPersonal {
			live = append(live, tok)
		}
	}
	gl.AddMember("acme/app", bot, 40) // restored, so the fake's leak check can be satisfied
	if err == nil && len(live) > 0 {
		t.Errorf("the revocation reported success while %d project token(s) are still live at GitLab", len(live))
	}
	if err := e.revoke(lease); err != nil {
		t.Fatalf("revoking once access is restored: %v", err)
	}
}
