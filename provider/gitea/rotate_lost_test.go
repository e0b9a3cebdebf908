package gitea

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitea"
)

// probeDown fails every GET /api/v1/user once a PATCH has gone out: the
// server applied the password change, dropped the answer and is then
// unreachable for the probe (a restart, a proxy timing out).
type probeDown struct{ patched atomic.Bool }

func (p *probeDown) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPatch {
		p.patched.Store(true)
	}
	if p.patched.Load() && r.Method == http.MethodGet && r.URL.Path == "/api/v1/user" {
		return nil, errors.New("connection refused")
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestRotateLostAnswerProbeFails: the PATCH is applied, its answer lost,
// and the probe with the new password cannot reach the server. RotateSelf
// fails and forgets the new password, so the engine keeps the old one,
// which no longer signs in: the connection is dead until an operator
// resets the bot's password by hand. ("never leaves the engine without a
// working credential after a failed rotation".)
func TestRotateLostAnswerProbeFails(t *testing.T) {
	t.Skip("finding: a rotate-root whose PATCH answer is lost and whose probe fails leaves the engine with the old, dead password; the new one exists only in the failed call. Fix: keep the candidate (e.g. a seal-wrapped pending password in the connection, tried on 401) before the PATCH")
	f := newFixture(t, fakegitea.Options{}, true)
	c, err := NewClient(Connection{BaseURL: f.srv.URL(), Username: bot, Password: botPassword},
		provider.Options{HTTPClient: &http.Client{Transport: &probeDown{}}})
	if err != nil {
		t.Fatal(err)
	}
	f.srv.InjectFault(fakegitea.Fault{Method: "PATCH", Route: "/admin/users/{username}", DropAfterCommit: true, Times: 1})
	newPassword, _, err := c.RotateSelf(context.Background(), c.now())
	if err == nil {
		if f.srv.Password(bot) != newPassword {
			t.Fatal("RotateSelf returned a password the server does not hold")
		}
		return
	}
	if f.srv.Password(bot) != botPassword {
		t.Fatalf("RotateSelf failed (%v), the engine keeps the old password, but the server changed it: no password the engine holds signs in", err)
	}
}
