package fakegitlab

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// leakWorld starts a fake under a RecordingTB with alice, a maintainer of
// acme/app, and her seeded token.
func leakWorld(t *testing.T) (*fakeserver.RecordingTB, *world) {
	rec := &fakeserver.RecordingTB{TB: t}
	clock := fakeserver.NewClock(start)
	s := Start(rec, Options{Now: clock.Now})
	w := &world{t: t, s: s, clock: clock}
	w.aliceID = s.AddUser("alice", false)
	s.AddProject("acme/app")
	s.AddMember("acme/app", w.aliceID, levelMaintainer)
	w.alice, _ = s.AddPersonalToken(w.aliceID, "alice", []string{"api"}, start.AddDate(0, 6, 0))
	return rec, w
}

func TestLeakCheckReportsLiveTokens(t *testing.T) {
	t.Parallel()
	rec, w := leakWorld(t)
	created := w.createProjectToken(nil)
	w.call("POST", "/projects/acme%2Fapp/deploy_tokens", w.alice,
		map[string]any{"name": "d", "scopes": []string{"read_registry"}}).expect(t, http.StatusCreated)
	// A seeded token that rotated itself is the engine's credential, not a
	// leak.
	w.call("POST", "/personal_access_tokens/self/rotate", w.alice, nil).expect(t, http.StatusOK)

	rec.RunCleanups()
	if len(rec.Errors) != 2 {
		t.Fatalf("reported %d leaks, want the project and deploy tokens: %q", len(rec.Errors), rec.Errors)
	}
	if !strings.Contains(rec.Errors[0], "project token") || !strings.Contains(rec.Errors[1], "deploy token") {
		t.Fatalf("reports: %q", rec.Errors)
	}
	for _, e := range rec.Errors {
		if strings.Contains(e, str(t, created, "token")) || strings.Contains(e, "glpat-") || strings.Contains(e, "gldt-") {
			t.Fatalf("a report shows a token: %q", e)
		}
	}
}

func TestLeakCheckQuietWhenClean(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, w *world)
	}{
		{"revoked", func(t *testing.T, w *world) {
			created := w.createProjectToken(nil)
			w.call("DELETE", tokenPath("/projects/acme%2Fapp/access_tokens", created, t), w.alice, nil).expect(t, http.StatusNoContent)
		}},
		{"expired", func(t *testing.T, w *world) {
			w.createProjectToken(map[string]any{"expires_at": "2025-06-11"})
			w.clock.Advance(24 * time.Hour)
		}},
		{"allowed", func(t *testing.T, w *world) {
			w.createProjectToken(nil)
			w.s.AllowLiveTokens()
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec, w := leakWorld(t)
			tc.setup(t, w)
			rec.RunCleanups()
			if len(rec.Errors) != 0 {
				t.Fatalf("reported: %q", rec.Errors)
			}
		})
	}
}
