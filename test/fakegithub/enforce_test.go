package fakegithub

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestUserAgentRequired(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	resp := f.do(request{path: "/app", auth: "Bearer " + f.jwt(), header: map[string]string{"User-Agent": ""}})
	wantStatus(t, resp, http.StatusForbidden)
	if !strings.Contains(resp.body, "User-Agent header") {
		t.Errorf("body %q does not ask for a User-Agent", resp.body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q, want text/html like GitHub's front end", ct)
	}
	// Refused before authentication: nothing is minted without a UA.
	mint := f.do(request{method: http.MethodPost, path: "/app/installations/" + itoa(f.instID) + "/access_tokens",
		auth: "Bearer " + f.jwt(), header: map[string]string{"User-Agent": ""}})
	wantStatus(t, mint, http.StatusForbidden)
	if n := len(f.LiveTokens()); n != 0 {
		t.Fatalf("%d tokens minted without a User-Agent", n)
	}
}

func TestAPIVersionHeader(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	tests := []struct {
		version    string // "" sends none
		wantStatus int
	}{
		{"", http.StatusOK},
		{"2022-11-28", http.StatusOK},
		{"2026-03-10", http.StatusOK},
		{"v3", http.StatusBadRequest},
		{"2025-10-01", http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run("version "+tc.version, func(t *testing.T) {
			resp := f.do(request{path: "/app", auth: "Bearer " + f.jwt(), header: map[string]string{apiVersionHeader: tc.version}})
			wantStatus(t, resp, tc.wantStatus)
			if tc.wantStatus == http.StatusBadRequest && !strings.Contains(resp.message(t), "is not a supported version") {
				t.Errorf("message %q", resp.message(t))
			}
		})
	}
}

func TestRateLimitHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	tok := f.mint("")
	tests := []struct {
		name string
		req  request
		want int
	}{
		{"success", request{path: "/app", auth: "Bearer " + f.jwt()}, http.StatusOK},
		{"unauthenticated", request{path: "/app"}, http.StatusUnauthorized},
		{"unknown route", request{path: "/nope"}, http.StatusNotFound},
		{"no user agent", request{path: "/app", header: map[string]string{"User-Agent": ""}}, http.StatusForbidden},
		{"bad version", request{path: "/app", header: map[string]string{apiVersionHeader: "v3"}}, http.StatusBadRequest},
		{"token route", request{path: "/installation/repositories", auth: "token " + tok.Token}, http.StatusOK},
		{"revoke", request{method: http.MethodDelete, path: "/installation/token", auth: "token " + tok.Token}, http.StatusNoContent},
	}
	for _, tc := range tests {
		resp := f.do(tc.req)
		wantStatus(t, resp, tc.want)
		for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Used", "X-RateLimit-Reset", "X-RateLimit-Resource"} {
			if resp.Header.Get(h) == "" {
				t.Errorf("%s: no %s header", tc.name, h)
			}
		}
	}
}

func TestRateLimitEnforcedPerCredential(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{RateLimit: 3})
	for i := 1; i <= 3; i++ {
		resp := f.do(request{path: "/app", auth: "Bearer " + f.jwt()})
		wantStatus(t, resp, http.StatusOK)
		if got, want := resp.Header.Get("X-RateLimit-Remaining"), strconv.Itoa(3-i); got != want {
			t.Errorf("request %d: remaining %s, want %s", i, got, want)
		}
	}
	resp := f.do(request{method: http.MethodPost, path: "/app/installations/" + itoa(f.instID) + "/access_tokens", auth: "Bearer " + f.jwt()})
	wantStatus(t, resp, http.StatusForbidden)
	if !strings.HasPrefix(resp.message(t), "API rate limit exceeded") {
		t.Errorf("message %q", resp.message(t))
	}
	if resp.Header.Get("X-RateLimit-Remaining") != "0" {
		t.Errorf("remaining %q, want 0", resp.Header.Get("X-RateLimit-Remaining"))
	}
	reset, _ := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64)
	if want := f.clock.Now().Add(time.Hour).Unix(); reset != want {
		t.Errorf("reset %d, want %d", reset, want)
	}
	if n := len(f.LiveTokens()); n != 0 {
		t.Fatalf("a rate-limited request minted %d token(s)", n)
	}

	// After the reset, the quota is back.
	f.clock.Advance(time.Hour)
	wantStatus(t, f.do(request{path: "/app", auth: "Bearer " + f.jwt()}), http.StatusOK)
}
