package fakegithub

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestFaultStatuses(t *testing.T) {
	t.Parallel()
	reset := time.Date(2026, 5, 4, 10, 30, 0, 0, time.UTC)
	tests := []struct {
		name          string
		fault         Fault
		wantStatus    int
		wantMessage   string
		wantRetry     string
		wantRemaining string // "" skips the check
	}{
		{"server error", Fault{Status: 500}, 500, "Internal Server Error", "", ""},
		{"bad gateway", Fault{Status: 502}, 502, "Bad Gateway", "", ""},
		{"unavailable", Fault{Status: 503, RetryAfter: "7"}, 503, "Service Unavailable", "7", ""},
		{"secondary limit 429", Fault{Status: 429, RetryAfter: "30"}, 429,
			"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", "30", ""},
		{"secondary limit 403", Fault{Status: 403, RetryAfter: "60"}, 403,
			"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", "60", ""},
		{"primary limit 403", Fault{Status: 403, RateLimitReset: reset}, 403,
			"API rate limit exceeded. Check out the documentation for more information.", "", "0"},
		{"primary limit 429", Fault{Status: 429, RateLimitReset: reset}, 429,
			"API rate limit exceeded. Check out the documentation for more information.", "", "0"},
		{"plain forbidden", Fault{Status: 403}, 403, "Resource not accessible by integration", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, Options{})
			tc.fault.Method, tc.fault.Route, tc.fault.Times = http.MethodPost, RouteAccessTokens, 1
			f.InjectFault(tc.fault)

			resp := f.do(request{method: http.MethodPost, path: "/app/installations/" + itoa(f.instID) + "/access_tokens", auth: "Bearer " + f.jwt()})
			wantStatus(t, resp, tc.wantStatus)
			if got := resp.message(t); got != tc.wantMessage {
				t.Errorf("message %q, want %q", got, tc.wantMessage)
			}
			if got := resp.Header.Get("Retry-After"); got != tc.wantRetry {
				t.Errorf("Retry-After %q, want %q", got, tc.wantRetry)
			}
			if tc.wantRemaining != "" {
				if got := resp.Header.Get("X-RateLimit-Remaining"); got != tc.wantRemaining {
					t.Errorf("remaining %q, want %q", got, tc.wantRemaining)
				}
				if got := resp.Header.Get("X-RateLimit-Reset"); got != strconv.FormatInt(reset.Unix(), 10) {
					t.Errorf("reset %q, want %d", got, reset.Unix())
				}
			}
			if n := len(f.LiveTokens()); n != 0 {
				t.Fatalf("a faulted request minted %d token(s)", n)
			}
			// Times: 1 — the next request is served.
			tok := f.mint("")
			f.revoke(tok.Token)
		})
	}
}

func TestFaultMatching(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	f.InjectFault(Fault{Method: http.MethodPost, Route: RouteAccessTokens, Status: 500})
	f.InjectFault(Fault{Route: RouteApp, Status: 502, Times: 2})

	// Another route is untouched by the first fault.
	wantStatus(t, f.do(request{path: "/orgs/acme/installation", auth: "Bearer " + f.jwt()}), http.StatusOK)
	// Times: 2 applies twice, then stops.
	for range 2 {
		wantStatus(t, f.do(request{path: "/app", auth: "Bearer " + f.jwt()}), http.StatusBadGateway)
	}
	wantStatus(t, f.do(request{path: "/app", auth: "Bearer " + f.jwt()}), http.StatusOK)
	// Times: 0 lasts until cleared, under either prefix.
	for _, path := range []string{"/app/installations/" + itoa(f.instID) + "/access_tokens", "/api/v3/app/installations/" + itoa(f.instID) + "/access_tokens"} {
		wantStatus(t, f.do(request{method: http.MethodPost, path: path, auth: "Bearer " + f.jwt()}), http.StatusInternalServerError)
	}
	f.ClearFaults()
	tok := f.mint("")
	f.revoke(tok.Token)

	// Faults are counted as calls.
	if got := f.Calls(http.MethodPost, RouteAccessTokens); got != 3 {
		t.Errorf("Calls(POST access_tokens) = %d, want 3", got)
	}
	// An empty fault matches everything, unknown paths included.
	f.InjectFault(Fault{Status: 503, Times: 1})
	wantStatus(t, f.do(request{path: "/nowhere"}), http.StatusServiceUnavailable)
}

func TestFaultRateLimitResetOnSuccess(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	reset := f.clock.Now().Add(10 * time.Minute)
	f.InjectFault(Fault{Route: RouteApp, RateLimitReset: reset, Times: 1})
	resp := f.do(request{path: "/app", auth: "Bearer " + f.jwt()})
	wantStatus(t, resp, http.StatusOK)
	if resp.Header.Get("X-RateLimit-Remaining") != "0" || resp.Header.Get("X-RateLimit-Reset") != strconv.FormatInt(reset.Unix(), 10) {
		t.Errorf("headers remaining=%q reset=%q", resp.Header.Get("X-RateLimit-Remaining"), resp.Header.Get("X-RateLimit-Reset"))
	}
}

func TestFaultDropBeforeActing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	f.InjectFault(Fault{Method: http.MethodPost, Route: RouteAccessTokens, Drop: true, Times: 1})
	_, err := f.send(request{method: http.MethodPost, path: "/app/installations/" + itoa(f.instID) + "/access_tokens", auth: "Bearer " + f.jwt()})
	if err == nil {
		t.Fatal("dropped request got an answer")
	}
	if n := len(f.LiveTokens()); n != 0 {
		t.Fatalf("dropped-before-acting request minted %d token(s)", n)
	}
}

func TestFaultDropAfterCommit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	f.InjectFault(Fault{Method: http.MethodPost, Route: RouteAccessTokens, DropAfterCommit: true, Times: 1})
	_, err := f.send(request{method: http.MethodPost, path: "/app/installations/" + itoa(f.instID) + "/access_tokens",
		auth: "Bearer " + f.jwt(), body: `{"repositories":["web"]}`})
	if err == nil {
		t.Fatal("dropped request got an answer")
	}
	live := f.LiveTokens()
	if len(live) != 1 || live[0].Repositories[0] != "web" {
		t.Fatalf("want the one minted token live, got %d", len(live))
	}
	// The client never saw the token; the test (standing in for a
	// write-ahead log) cleans up through the fake.
	f.revoke(live[0].Token)

	// A revoke dropped after commit leaves the token revoked.
	tok := f.mint("")
	f.InjectFault(Fault{Method: http.MethodDelete, Route: RouteInstallationToken, DropAfterCommit: true, Times: 1})
	if _, err := f.send(request{method: http.MethodDelete, path: "/installation/token", auth: "token " + tok.Token}); err == nil {
		t.Fatal("dropped revoke got an answer")
	}
	if _, isLive := f.Lookup(tok.Token); isLive {
		t.Fatal("revoke dropped after commit did not revoke")
	}
}

func TestFaultLatency(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})

	// A short delay, then the request is served.
	f.InjectFault(Fault{Route: RouteApp, Latency: 5 * time.Millisecond, Times: 1})
	wantStatus(t, f.do(request{path: "/app", auth: "Bearer " + f.jwt()}), http.StatusOK)

	// A long delay the client gives up on: the request is not acted on.
	f.InjectFault(Fault{Route: RouteAccessTokens, Latency: time.Hour, Times: 1})
	ctx, cancel := context.WithCancel(context.Background())
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, f.URL()+"/app/installations/"+itoa(f.instID)+"/access_tokens", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("User-Agent", testUA)
	r.Header.Set("Authorization", "Bearer "+f.jwt())
	errc := make(chan error, 1)
	go func() {
		resp, err := f.client.Do(r)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	// Cancel once the request is waiting in the fake.
	for f.Calls(http.MethodPost, RouteAccessTokens) == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if n := len(f.LiveTokens()); n != 0 {
		t.Fatalf("a cancelled request minted %d token(s)", n)
	}
}

func TestCloseAbandonsLatency(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	f.InjectFault(Fault{Latency: time.Hour})
	errc := make(chan error, 1)
	go func() {
		_, err := f.send(request{path: "/app", auth: "Bearer " + f.jwt()})
		errc <- err
	}()
	for f.TotalCalls() == 0 {
		time.Sleep(time.Millisecond)
	}
	f.Close() // must not wait an hour
	if err := <-errc; err == nil {
		t.Fatal("request answered after Close")
	}
}
