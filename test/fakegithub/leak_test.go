package fakegithub

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

func TestLeakCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		settle   func(f *fixture, token string)
		wantLeak bool
	}{
		{"live token fails the test", func(*fixture, string) {}, true},
		{"revoked token passes", func(f *fixture, token string) { f.revoke(token) }, false},
		{"expired token passes", func(f *fixture, _ string) { f.clock.Advance(time.Hour) }, false},
		{"AllowLiveTokens passes", func(f *fixture, _ string) { f.AllowLiveTokens() }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &fakeserver.RecordingTB{TB: t}
			c := newClock()
			s := Start(rec, Options{Now: c.Now})
			s.AddApp(App{ID: testAppID}, &sharedKey().PublicKey)
			id := s.AddInstallation(Installation{AppID: testAppID, Account: "acme", AllRepos: []string{"api"},
				Permissions: map[string]string{"contents": "read"}})
			f := &fixture{Server: s, t: t, clock: c, key: sharedKey(), instID: id, client: &http.Client{}}
			tok := f.mint("")
			tc.settle(f, tok.Token)

			rec.RunCleanups()
			if got := len(rec.Errors) > 0; got != tc.wantLeak {
				t.Fatalf("leak reported: %v, want %v (%q)", got, tc.wantLeak, rec.Errors)
			}
			for _, e := range rec.Errors {
				if strings.Contains(e, tok.Token) {
					t.Error("the leak report contains the token itself")
				}
				if !strings.Contains(e, HashToken(tok.Token)) {
					t.Errorf("the leak report %q does not name the token by hash", e)
				}
			}
			// Cleanup closed the server.
			if _, err := f.send(request{path: "/app"}); err == nil {
				t.Error("server still answering after cleanup")
			}
		})
	}
}
