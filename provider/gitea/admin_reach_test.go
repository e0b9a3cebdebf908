package gitea

import (
	"context"
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitea"
)

// TestAdminBotTokenReachesEveryRepository: a site administrator reads every
// repository on Gitea (its permission check makes an admin the owner of
// all), and token scopes are categories, so a read:repository token of a
// site-admin bot (which rotation needs) reads private repositories the bot
// was never given. The docs said an administrator's tokens were no wider
// than their scopes; the config read now says what they reach.
func TestAdminBotTokenReachesEveryRepository(t *testing.T) {
	f := newFixture(t, fakegitea.Options{}, true)
	tok := f.issue(t, "vault-ci-admin", []string{"read:repository"})
	defer f.revoke(t, tok)
	if got := f.status(t, "GET", "/api/v1/repos/alice/secret", tok.Token); got != 200 {
		t.Fatalf("admin bot's token on alice/secret = %d; the fake no longer models a site admin's reach", got)
	}
	info, err := f.client.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := info["rotation"].(string); !strings.Contains(r, "every repository") {
		t.Fatalf("config read's rotation = %q; it must say an administrator bot's tokens reach every repository", r)
	}
}
