package gitea

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitea"
)

// TestRotateAdminBot: a site-admin bot gets a new password; the old one
// stops working, the new one signs in, and tokens issued before still work.
func TestRotateAdminBot(t *testing.T) {
	f := newFixture(t, fakegitea.Options{}, true)
	tok := f.issue(t, "vault-ci-r1", []string{"read:repository"})
	defer f.revoke(t, tok)
	newPassword, info, err := f.client.RotateSelf(context.Background(), f.client.now())
	if err != nil {
		t.Fatalf("RotateSelf: %v", err)
	}
	if newPassword == botPassword || f.srv.Password(bot) != newPassword {
		t.Fatal("the server does not hold the new password")
	}
	if strings.Contains(fmt.Sprint(info), newPassword) {
		t.Fatal("the credential info holds the password")
	}
	if _, err := f.client.Verify(context.Background()); !errors.Is(err, provider.ErrUnauthorized) {
		t.Fatalf("old password: Verify = %v, want unauthorized", err)
	}
	f.client = f.clientWith(t, newPassword)
	if _, err := f.client.Verify(context.Background()); err != nil {
		t.Fatalf("new password: Verify = %v", err)
	}
	if got := f.status(t, "GET", "/api/v1/repos/acme/app", tok.Token); got != 200 {
		t.Fatalf("token after rotation = %d, want 200", got)
	}
}

// TestRotateNonAdminRefused: a bot that is not a site admin cannot change
// its password through the API; the refusal says so and nothing changes.
func TestRotateNonAdminRefused(t *testing.T) {
	f := newFixture(t, fakegitea.Options{}, false)
	_, _, err := f.client.RotateSelf(context.Background(), f.client.now())
	if !errors.Is(err, provider.ErrInvalidRequest) || !strings.Contains(err.Error(), "site administrator") {
		t.Fatalf("RotateSelf = %v, want the site-admin refusal", err)
	}
	if f.srv.Calls("PATCH", "/admin/users/{username}") != 0 || f.srv.Password(bot) != botPassword {
		t.Fatal("the password was changed")
	}
}

// TestRotateLostAnswerKeepsNewPassword: the server changes the password
// but the answer is lost; the client finds the new password signs in and
// returns it, so the engine is not left holding a dead one.
func TestRotateLostAnswerKeepsNewPassword(t *testing.T) {
	f := newFixture(t, fakegitea.Options{}, true)
	f.srv.InjectFault(fakegitea.Fault{Method: "PATCH", Route: "/admin/users/{username}", DropAfterCommit: true, Times: 1})
	newPassword, _, err := f.client.RotateSelf(context.Background(), f.client.now())
	if err != nil {
		t.Fatalf("RotateSelf: %v", err)
	}
	if f.srv.Password(bot) != newPassword {
		t.Fatal("the returned password is not the server's")
	}
}

// TestRotateRefusedKeepsOldPassword: a 5xx the server did not act on
// leaves the old password, and the error says the change failed; the PATCH
// is not retried.
func TestRotateRefusedKeepsOldPassword(t *testing.T) {
	f := newFixture(t, fakegitea.Options{}, true)
	f.srv.InjectFault(fakegitea.Fault{Method: "PATCH", Route: "/admin/users/{username}", Status: 502, Times: 1})
	if _, _, err := f.client.RotateSelf(context.Background(), f.client.now()); err == nil {
		t.Fatal("RotateSelf succeeded through a 502")
	}
	if f.srv.Password(bot) != botPassword {
		t.Fatal("the password changed")
	}
	if n := f.srv.Calls("PATCH", "/admin/users/{username}"); n != 1 {
		t.Fatalf("%d PATCH calls, want 1", n)
	}
}

// TestRotationWarningsForNonAdminBot: a rotation schedule on a bot account
// that is not a site administrator is warned about at config write, since
// every scheduled rotation would fail with the site-admin refusal.
func TestRotationWarningsForNonAdminBot(t *testing.T) {
	k := Kind{}
	if w := k.RotationWarnings(nil, provider.CredentialInfo{"is_admin": false}); len(w) != 1 || !strings.Contains(w[0], "site administrator") {
		t.Fatalf("non-admin bot: warnings %q, want one naming the site administrator", w)
	}
	if w := k.RotationWarnings(nil, provider.CredentialInfo{"is_admin": true}); len(w) != 0 {
		t.Fatalf("admin bot: warnings %q, want none", w)
	}
}
