package fakegitlab

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestAuthHeaders(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tests := []struct {
		name   string
		header string
		value  string
		status int
	}{
		{"private token", "PRIVATE-TOKEN", w.alice, http.StatusOK},
		{"bearer", "Authorization", "Bearer " + w.alice, http.StatusOK},
		{"bearer lower-case scheme", "Authorization", "bearer " + w.alice, http.StatusOK},
		{"basic scheme is not a token", "Authorization", "Basic " + w.alice, http.StatusUnauthorized},
		{"unknown token", "PRIVATE-TOKEN", "glpat-unknown", http.StatusUnauthorized},
		{"no token", "", "", http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", w.s.URL()+"/api/v4/user", nil)
			if tc.header != "" {
				req.Header.Set(tc.header, tc.value)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
		})
	}
}

func TestAuthUnknownTokenBody(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.call("GET", "/personal_access_tokens/self", "glpat-nope", nil).expect(t, http.StatusUnauthorized)
	if string(r.body) != `{"message":"401 Unauthorized"}` {
		t.Fatalf("body %s", r.body)
	}
}

func TestAuthRevokedAndExpired(t *testing.T) {
	t.Parallel()
	w := newWorld(t)

	// Revoked: GitLab's bearer error, not the plain 401 message.
	w.call("DELETE", "/personal_access_tokens/self", w.bob, nil).expect(t, http.StatusNoContent)
	r := w.call("GET", "/user", w.bob, nil).expect(t, http.StatusUnauthorized)
	if got := r.fields(t)["error_description"]; got != revokedDescription {
		t.Fatalf("revoked: %s", r.body)
	}
	if r.header.Get("WWW-Authenticate") == "" {
		t.Fatal("revoked: no WWW-Authenticate")
	}

	// Expired: carol's token dies at 00:00 UTC on its expiry date.
	w.clock.Set(time.Date(2026, 5, 31, 23, 59, 59, 0, time.UTC))
	w.call("GET", "/user", w.carol, nil).expect(t, http.StatusOK)
	w.clock.Set(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	r = w.call("GET", "/user", w.carol, nil).expect(t, http.StatusUnauthorized)
	if got := r.fields(t)["error_description"]; got != expiredDescription {
		t.Fatalf("expired: %s", r.body)
	}
}

func TestAuthScopes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	expires := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	token := func(scopes ...string) string {
		tok, _ := w.s.AddPersonalToken(w.aliceID, "scoped", scopes, expires)
		return tok
	}
	readAPI := token("read_api")
	readUser := token("read_user")
	repoOnly := token("read_repository")
	selfRotate := token("self_rotate")

	tests := []struct {
		name, method, path, token string
		status                    int
	}{
		{"read_api reads", "GET", "/projects/acme%2Fapp", readAPI, http.StatusOK},
		{"read_api cannot write", "POST", "/projects/acme%2Fapp/access_tokens", readAPI, http.StatusForbidden},
		{"read_user reads the user", "GET", "/user", readUser, http.StatusOK},
		{"read_user reads metadata", "GET", "/metadata", readUser, http.StatusOK},
		{"read_user cannot read projects", "GET", "/projects/acme%2Fapp", readUser, http.StatusForbidden},
		{"read_repository has no API", "GET", "/projects/acme%2Fapp", repoOnly, http.StatusForbidden},
		{"read_repository has no /user", "GET", "/user", repoOnly, http.StatusForbidden},
		{"any scope reads itself", "GET", "/personal_access_tokens/self", repoOnly, http.StatusOK},
		{"self_rotate cannot read projects", "GET", "/projects/acme%2Fapp", selfRotate, http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := w.call(tc.method, tc.path, tc.token, map[string]any{}).expect(t, tc.status)
			if tc.status == http.StatusForbidden && r.fields(t)["error"] != "insufficient_scope" {
				t.Fatalf("body %s", r.body)
			}
		})
	}

	// A self_rotate token may rotate itself, and nothing else. The rotation
	// leaves a live successor of a seeded token, which is not a leak.
	r := w.call("POST", "/personal_access_tokens/self/rotate", selfRotate, nil).expect(t, http.StatusOK)
	if str(t, r.fields(t), "token") == selfRotate {
		t.Fatal("rotation returned the same token")
	}
}

func TestAuthDeployTokenIsNotAnAPIToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	d := w.call("POST", "/projects/acme%2Fapp/deploy_tokens", w.alice,
		map[string]any{"name": "pull", "scopes": []string{"read_registry"}}).expect(t, http.StatusCreated).fields(t)
	w.call("GET", "/projects/acme%2Fapp", str(t, d, "token"), nil).expect(t, http.StatusUnauthorized)
	w.call("DELETE", "/projects/acme%2Fapp/deploy_tokens/"+strconv.FormatInt(id(t, d, "id"), 10), w.alice, nil).
		expect(t, http.StatusNoContent)
}

func TestAuthRecordsLastUse(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tok, ok := w.s.Lookup(w.alice)
	if !ok || tok.LastUsedAt != nil {
		t.Fatalf("fresh token: live %v, last used %v", ok, tok.LastUsedAt)
	}
	w.clock.Advance(time.Hour)
	w.call("GET", "/user", w.alice, nil).expect(t, http.StatusOK)
	tok, _ = w.s.Lookup(w.alice)
	if tok.LastUsedAt == nil || !tok.LastUsedAt.Equal(start.Add(time.Hour)) {
		t.Fatalf("last used %v", tok.LastUsedAt)
	}
	self := w.call("GET", "/personal_access_tokens/self", w.alice, nil).expect(t, http.StatusOK).fields(t)
	if self["last_used_at"] != "2025-06-10T13:00:00.000Z" {
		t.Fatalf("last_used_at %v", self["last_used_at"])
	}
	// A call that authenticates is a use even when it then fails; one that
	// fails authentication (here, on scope) is not.
	w.clock.Advance(time.Hour)
	w.call("GET", "/projects/other%2Fsecret", w.alice, nil).expect(t, http.StatusNotFound)
	tok, _ = w.s.Lookup(w.alice)
	if !tok.LastUsedAt.Equal(start.Add(2 * time.Hour)) {
		t.Fatalf("after a 404: last used %v", tok.LastUsedAt)
	}
	repoOnly, _ := w.s.AddPersonalToken(w.aliceID, "repo", []string{"read_repository"}, time.Time{})
	w.call("GET", "/user", repoOnly, nil).expect(t, http.StatusForbidden)
	if tok, _ := w.s.Lookup(repoOnly); tok.LastUsedAt != nil {
		t.Fatalf("after a scope failure: last used %v", tok.LastUsedAt)
	}
}

func TestRateLimitHeadersOnEveryAnswer(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	answers := map[string]response{
		"ok":           w.call("GET", "/user", w.alice, nil),
		"unauthorized": w.call("GET", "/user", "", nil),
		"unknown path": w.call("GET", "/nothing/here", w.alice, nil),
	}
	reset := strconv.FormatInt(start.Truncate(time.Minute).Add(time.Minute).Unix(), 10)
	for name, r := range answers {
		for _, h := range []string{"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Observed"} {
			if r.header.Get(h) == "" {
				t.Errorf("%s: no %s", name, h)
			}
		}
		if got := r.header.Get("RateLimit-Reset"); got != reset {
			t.Errorf("%s: RateLimit-Reset %q, want %q", name, got, reset)
		}
	}
	if r := answers["unknown path"]; r.status != http.StatusNotFound || string(r.body) != `{"error":"404 Not Found"}` {
		t.Fatalf("unknown path: %d %s", r.status, r.body)
	}
}
