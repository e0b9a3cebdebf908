package gitlab

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
)

// selfRotate rotates token at GitLab with the token itself, as its holder
// may, and returns the successor.
func (e *env) selfRotate(rotatePath, token string) string {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.url+"/api/v4"+rotatePath, nil)
	req.Header.Set("PRIVATE-TOKEN", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&out) != nil || out.Token == "" {
		e.t.Fatalf("self-rotation: HTTP %d", resp.StatusCode)
	}
	return out.Token
}

// TestRevokeEndsSelfRotatedSuccessors: revoking a token with the api scope
// also revokes the successors its holder made; a failed search is an error,
// so Vault tries again, and the next attempt finishes the job.
func TestRevokeEndsSelfRotatedSuccessors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tokenType, path, rotate, listRoute string
	}{
		{"personal", "deployer", "/personal_access_tokens/self/rotate", "/personal_access_tokens"},
		{"project", "acme/app", "/projects/acme%2Fapp/access_tokens/self/rotate", "/projects/{id}/access_tokens"},
		{"group", "acme/platform", "/groups/acme%2Fplatform/access_tokens/self/rotate", "/groups/{id}/access_tokens"},
	}
	for _, tc := range tests {
		t.Run(tc.tokenType, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			req := e.request(tc.tokenType, tc.path, time.Hour, "api")
			tok := e.issue(req)
			successor := e.selfRotate(tc.rotate, tok.Token)

			e.fake.InjectFault(fakegitlab.Fault{Method: "GET", Route: tc.listRoute, Status: http.StatusInternalServerError})
			if err := e.client.Revoke(context.Background(), tok.Handle); err == nil {
				t.Fatal("Revoke succeeded although the search for successors failed")
			}
			if _, live := e.fake.Lookup(successor); !live {
				t.Fatal("the successor died without being found")
			}
			e.fake.ClearFaults()
			e.revoke(tok.Handle)
			for _, live := range e.fake.LiveTokens() {
				if live.Name == req.Name {
					t.Fatalf("%s token %d named %q is live after Revoke", live.Kind, live.ID, live.Name)
				}
			}
		})
	}
}

// TestRevokeGivesUpOnSuccessorsThatKeepComing: a holder who rotates as fast
// as revocation revokes makes Revoke fail after a bounded number of rounds,
// so Vault tries again later rather than the engine looping.
func TestRevokeGivesUpOnSuccessorsThatKeepComing(t *testing.T) {
	t.Parallel()
	// Every list of acme/app's tokens shows one more live token named
	// vault-role-ci, which GitLab no longer has by the time it is deleted.
	e := newTamperEnv(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/access_tokens") {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`[{"id": 999999, "name": "vault-role-ci", "active": true, "revoked": false, "scopes": ["api"]}]`))
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	tok := e.issue(e.request("project", "acme/app", time.Hour, "api"))
	e.fake.ResetCalls()
	err := e.client.Revoke(context.Background(), tok.Handle)
	if err == nil || !strings.Contains(err.Error(), "still being replaced") {
		t.Fatalf("Revoke: %v, want an error saying the holder keeps replacing the token", err)
	}
	if n := e.fake.Calls("DELETE", "/projects/{id}/access_tokens/{token_id}"); n != 1+successorRounds {
		t.Fatalf("%d DELETEs, want the token's and one per round (%d)", n, successorRounds)
	}
	if _, live := e.fake.Lookup(tok.Token); live {
		t.Fatal("the token itself is still live")
	}
}
