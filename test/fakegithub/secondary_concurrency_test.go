package fakegithub

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"
)

// inFlight is how many requests of identity the secondary limiter counts.
func (f *fixture) inFlight(identity string) int {
	f.secondary.mu.Lock()
	defer f.secondary.mu.Unlock()
	return f.secondary.inFlight[identity]
}

// waitInFlight polls until identity has n requests in flight. It asserts
// nothing about time: the deadline only stops a broken test from hanging.
func (f *fixture) waitInFlight(identity string, n int) {
	f.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for f.inFlight(identity) != n {
		if time.Now().After(deadline) {
			f.t.Fatalf("%s: %d requests in flight, waited for %d", identity, f.inFlight(identity), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestSecondaryLimitConcurrency holds two of the App's requests in flight
// on injected latency, with MaxConcurrent 2: a third of the App's requests,
// on any endpoint, is refused without acting, an installation's is not, and
// once the two are gone the App is served again.
func TestSecondaryLimitConcurrency(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{SecondaryLimits: &SecondaryLimits{MaxConcurrent: 2}})
	tok := f.mint("")
	defer f.revoke(tok.Token)
	app := appIdentity(testAppID)

	f.InjectFault(Fault{Method: http.MethodGet, Route: RouteApp, Latency: time.Hour, Times: 2})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var held sync.WaitGroup
	for range 2 {
		held.Go(func() {
			r, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL()+"/app", nil)
			if err != nil {
				t.Error(err)
				return
			}
			r.Header.Set("User-Agent", testUA)
			r.Header.Set("Authorization", "Bearer "+f.jwt())
			if resp, err := f.client.Do(r); err == nil {
				resp.Body.Close()
			}
		})
	}
	f.waitInFlight(app, 2)

	live := len(f.LiveTokens())
	resp := f.do(request{method: http.MethodPost, path: "/app/installations/" + itoa(f.instID) + "/access_tokens", auth: "Bearer " + f.jwt()})
	wantSecondaryRefusal(t, resp, http.StatusForbidden, "1")
	if got := len(f.LiveTokens()); got != live {
		t.Fatalf("a refused mint issued a token: %d live, want %d", got, live)
	}
	if f.SecondaryLimitedCalls(http.MethodPost, RouteAccessTokens) != 1 {
		t.Fatalf("refusal not counted")
	}
	wantStatus(t, f.do(request{path: "/installation/repositories", auth: "token " + tok.Token}), http.StatusOK)

	cancel()
	held.Wait()
	f.waitInFlight(app, 0)
	wantStatus(t, f.do(request{path: "/app", auth: "Bearer " + f.jwt()}), http.StatusOK)
}
