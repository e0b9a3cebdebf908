package gitsecrets

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/logical"
)

// A holder who rotates its leased token again as soon as it has a new one
// is always a step ahead of revocation's list-then-revoke rounds: each
// list finds a successor that is already rotated away by the time it is
// deleted. Vault retries a failed revocation a few times and then gives the
// lease up as irrevocable, and the holder's last successor lives on for up
// to a year. The engine must keep the duty (as it does for a rate limit),
// and end the successor once the holder stops.
func TestGitLabHolderRotatingFasterThanRevocationKeepsNoToken(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	gl := startGitLab(t)
	var mu sync.Mutex
	holder, rotating := "", true
	rotate := func() {
		mu.Lock()
		defer mu.Unlock()
		if !rotating {
			return
		}
		body := strings.NewReader(`{"expires_at":"` + time.Now().UTC().AddDate(0, 0, 364).Format(time.DateOnly) + `"}`)
		req, _ := http.NewRequest(http.MethodPost, gl.URL()+"/api/v4/projects/acme%2Fapp/access_tokens/self/rotate", body)
		req.Header.Set("PRIVATE-TOKEN", holder)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		var out struct {
			Token string `json:"token"`
		}
		if resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&out) == nil && out.Token != "" {
			holder = out.Token
		}
	}
	// The holder sees each listing's answer go out and rotates before the
	// engine's next call: the race a tight rotation loop wins.
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		list := r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/access_tokens")
		gl.Handler().ServeHTTP(w, r)
		if list {
			rotate()
		}
	}))
	t.Cleanup(front.Close)
	e.ok(logical.CreateOperation, "config/gl", map[string]any{"provider": "gitlab", "token": adminToken(t, gl), "base_url": front.URL})
	e.ok(logical.CreateOperation, "roles/holder", map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "api", "ttl": "1h"})
	resp := e.ok(logical.ReadOperation, "creds/holder", nil)
	holder = resp.Data["token"].(string)
	issued, _ := gl.Lookup(holder)
	rotate()

	// Vault's attempts before it gives the lease up (revocation_queue.go).
	handedOver := false
	for attempt := 1; attempt <= queueAfterAttempts+1 && !handedOver; attempt++ {
		handedOver = e.revoke(resp) == nil
	}
	mu.Lock()
	rotating = false
	mu.Unlock()
	if !handedOver {
		t.Fatalf("every revocation attempt failed while the holder rotated: Vault gives the lease up and the holder's successor (live: %v) outlives it",
			gitlabStatus(t, gl, holder) == http.StatusOK)
	}
	if err := e.b.drainRevocations(context.Background(), e.storage, drainBudget); err != nil {
		t.Fatal(err)
	}
	for _, live := range gl.LiveTokens() {
		if live.Name == issued.Name {
			t.Errorf("token %d named %q is still active after the lease ended", live.ID, live.Name)
		}
	}
	if got := gitlabStatus(t, gl, holder); got != http.StatusUnauthorized {
		t.Fatalf("the holder's token answered %d after the lease ended, want 401", got)
	}
}
