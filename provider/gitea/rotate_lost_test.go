package gitea

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

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

// TestRotateLostAnswerProbeFails: the PATCH's answer is lost and the
// sign-in that would tell whether it took cannot reach the server either.
// Whether the server applied the change (DropAfterCommit) or never saw it
// (Drop), the rotated connection must still sign in once the server is
// reachable again: it keeps both passwords, and a client from it finds the
// one that works. Before the fix the new password was forgotten, so an
// applied change locked the engine out ("never leaves the engine without a
// working credential after a failed rotation").
func TestRotateLostAnswerProbeFails(t *testing.T) {
	for _, applied := range []bool{true, false} {
		t.Run(map[bool]string{true: "change applied", false: "change not applied"}[applied], func(t *testing.T) {
			f := newFixture(t, fakegitea.Options{}, true)
			k := Kind{}
			c := &provider.Connection{Name: "gitea", BaseURL: f.srv.URL(), Settings: provider.Encode(Settings{Username: bot, Password: botPassword})}
			probe := &probeDown{}
			newClient := func(c *provider.Connection) (provider.Client, error) {
				return k.NewClient(c, provider.Options{HTTPClient: &http.Client{Transport: probe}})
			}
			f.srv.InjectFault(fakegitea.Fault{Method: "PATCH", Route: "/admin/users/{username}", Drop: !applied, DropAfterCommit: applied, Times: 1})
			rot, err := k.RotateCredential(context.Background(), c, nil, time.Time{}, newClient)
			if err != nil {
				t.Fatalf("RotateCredential: %v", err)
			}
			if changed := f.srv.Password(bot) != botPassword; changed != applied {
				t.Fatalf("the server's password changed: %v, want %v", changed, applied)
			}
			if rot.Info["password_confirmed"] != false {
				t.Errorf("info = %v, want password_confirmed false", rot.Info)
			}
			// The server is reachable again: a client from the stored
			// connection signs in and issues.
			client, err := k.NewClient(rot.Connection, provider.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := client.Verify(context.Background()); err != nil {
				t.Fatalf("Verify with the rotated connection: %v; no password the engine holds signs in", err)
			}
			tok, err := client.Issue(context.Background(), provider.IssueRequest{TokenType: TokenTypeAccess, Name: "after-rotation", Scope: provider.Encode(Scope{Scopes: []string{"read:repository"}})})
			if err != nil {
				t.Fatalf("Issue with the rotated connection: %v", err)
			}
			if err := client.Revoke(context.Background(), tok.Handle); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestRotateConfirmedDropsPreviousPassword: a rotation the server confirmed
// keeps no previous password, even when the connection held one from an
// earlier unconfirmed rotation.
func TestRotateConfirmedDropsPreviousPassword(t *testing.T) {
	f := newFixture(t, fakegitea.Options{}, true)
	k := Kind{}
	c := &provider.Connection{Name: "gitea", BaseURL: f.srv.URL(), Settings: provider.Encode(Settings{Username: bot, Password: "wrong-new", PreviousPassword: botPassword})}
	newClient := func(c *provider.Connection) (provider.Client, error) { return k.NewClient(c, provider.Options{}) }
	rot, err := k.RotateCredential(context.Background(), c, nil, time.Time{}, newClient)
	if err != nil {
		t.Fatalf("RotateCredential from the previous password: %v", err)
	}
	s, _ := settingsOf(rot.Connection)
	if s.PreviousPassword != "" || s.Password != f.srv.Password(bot) {
		t.Fatalf("after a confirmed rotation: previous kept %v, password held %v", s.PreviousPassword != "", s.Password == f.srv.Password(bot))
	}
}
