package fakegithub

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// testLimits are the secondary limits the HTTP tests use: 25 points in 2 s,
// so five writes or 25 reads per endpoint and identity.
var testLimits = SecondaryLimits{PointsPerWindow: 25, Window: 2 * time.Second}

// mintFor mints a token over installation id and fails the test unless
// GitHub would answer 201.
func (f *fixture) mintFor(id int64) string {
	f.t.Helper()
	resp := f.do(request{method: http.MethodPost, path: "/app/installations/" + itoa(id) + "/access_tokens", auth: "Bearer " + f.jwt()})
	wantStatus(f.t, resp, http.StatusCreated)
	var tok accessTokenJSON
	resp.decode(f.t, &tok)
	return tok.Token
}

// wantSecondaryRefusal checks that resp is GitHub's secondary-limit answer
// with the given status and Retry-After.
func wantSecondaryRefusal(t *testing.T, resp response, status int, retryAfter string) {
	t.Helper()
	wantStatus(t, resp, status)
	var body errorBody
	resp.decode(t, &body)
	if body.Message != secondaryLimitMessage || body.DocumentationURL != docsSecondaryRateLimit {
		t.Errorf("body %s, want the secondary-limit message and documentation URL", resp.body)
	}
	if got := resp.Header.Get("Retry-After"); got != retryAfter {
		t.Errorf("Retry-After %q, want %q", got, retryAfter)
	}
	if got := resp.Header.Get("X-RateLimit-Remaining"); got == "0" || got == "" {
		// go-github would take a 403 with none remaining for the primary limit.
		t.Errorf("X-RateLimit-Remaining %q on a secondary refusal", got)
	}
}

func TestSecondaryLimitsOffByDefault(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	for range 30 {
		tok := f.mint("")
		resp := f.do(request{method: http.MethodDelete, path: "/installation/token", auth: "token " + tok.Token})
		wantStatus(t, resp, http.StatusNoContent)
		if resp.Header.Get("Retry-After") != "" {
			t.Fatal("Retry-After sent without secondary limits")
		}
	}
	if n := f.SecondaryLimited(); n != 0 {
		t.Fatalf("SecondaryLimited = %d without limits", n)
	}
}

// TestSecondaryLimitPerEndpoint spends one endpoint's points, checks the
// refusal and that it did not act, then moves the clock on a window.
func TestSecondaryLimitPerEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		route   string
		method  string
		allowed int // within 25 points
		ok      int
		// call makes the i-th request; tokens are six live tokens.
		call func(f *fixture, tokens []string, i int) response
	}{
		{"GET with a JWT costs 1", RouteApp, http.MethodGet, 25, http.StatusOK,
			func(f *fixture, _ []string, _ int) response {
				return f.do(request{path: "/app", auth: "Bearer " + f.jwt()})
			}},
		{"GET with a token costs 1", RouteInstallationRepos, http.MethodGet, 25, http.StatusOK,
			func(f *fixture, tokens []string, _ int) response {
				return f.do(request{path: "/installation/repositories", auth: "token " + tokens[0]})
			}},
		{"POST costs 5", RouteAccessTokens, http.MethodPost, 5, http.StatusCreated,
			func(f *fixture, _ []string, _ int) response {
				return f.do(request{method: http.MethodPost, path: "/app/installations/" + itoa(f.instID) + "/access_tokens", auth: "Bearer " + f.jwt()})
			}},
		{"DELETE costs 5", RouteInstallationToken, http.MethodDelete, 5, http.StatusNoContent,
			func(f *fixture, tokens []string, i int) response {
				return f.do(request{method: http.MethodDelete, path: "/installation/token", auth: "token " + tokens[i]})
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, Options{})
			f.AllowLiveTokens()
			var tokens []string
			for range 6 {
				tokens = append(tokens, f.mintFor(f.instID))
			}
			limits := testLimits
			f.SetSecondaryLimits(&limits)

			for i := range tc.allowed {
				wantStatus(t, tc.call(f, tokens, i), tc.ok)
			}
			f.clock.Advance(500 * time.Millisecond)
			live := len(f.LiveTokens())
			wantSecondaryRefusal(t, tc.call(f, tokens, tc.allowed), http.StatusForbidden, "2")
			if got := len(f.LiveTokens()); got != live {
				t.Fatalf("the refused request acted: %d live tokens, want %d", got, live)
			}
			if tc.method == http.MethodDelete {
				if _, ok := f.Lookup(tokens[tc.allowed]); !ok {
					t.Fatal("a refused DELETE revoked its token")
				}
			}
			if f.SecondaryLimited() != 1 || f.SecondaryLimitedCalls(tc.method, tc.route) != 1 {
				t.Fatalf("SecondaryLimited = %d, on the route %d; want 1", f.SecondaryLimited(), f.SecondaryLimitedCalls(tc.method, tc.route))
			}

			f.clock.Advance(1500 * time.Millisecond) // a window after the first request
			wantStatus(t, tc.call(f, tokens, tc.allowed), tc.ok)
		})
	}
}

// TestSecondaryLimitPerIdentity: the tokens of one installation share its
// points; another installation has its own.
func TestSecondaryLimitPerIdentity(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	other := f.AddInstallation(Installation{AppID: testAppID, Account: "globex", AllRepos: []string{"site"},
		Permissions: map[string]string{"contents": "read"}})
	var mine, theirs []string
	for range 6 {
		mine = append(mine, f.mintFor(f.instID))
		theirs = append(theirs, f.mintFor(other))
	}
	limits := testLimits
	f.SetSecondaryLimits(&limits)

	for _, tok := range mine[:5] {
		if got := f.revoke(tok); got != http.StatusNoContent {
			t.Fatalf("revoke within the limit: %d", got)
		}
	}
	resp := f.do(request{method: http.MethodDelete, path: "/installation/token", auth: "token " + mine[5]})
	wantSecondaryRefusal(t, resp, http.StatusForbidden, "2")
	for _, tok := range theirs[:5] {
		if got := f.revoke(tok); got != http.StatusNoContent {
			t.Fatalf("another installation's revoke: %d, want 204", got)
		}
	}
	// The App is an identity of its own.
	wantStatus(t, f.do(request{path: "/app", auth: "Bearer " + f.jwt()}), http.StatusOK)

	f.clock.Advance(limits.Window)
	for _, tok := range []string{mine[5], theirs[5]} {
		if got := f.revoke(tok); got != http.StatusNoContent {
			t.Fatalf("revoke a window later: %d", got)
		}
	}
}

func TestSecondaryLimitStatus429(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{SecondaryLimits: &SecondaryLimits{PointsPerWindow: 1, Window: 90 * time.Second, Status: http.StatusTooManyRequests}})
	wantStatus(t, f.do(request{path: "/app", auth: "Bearer " + f.jwt()}), http.StatusOK)
	f.clock.Advance(29500 * time.Millisecond)
	wantSecondaryRefusal(t, f.do(request{path: "/app", auth: "Bearer " + f.jwt()}), http.StatusTooManyRequests, "61")
}

// TestSecondaryLimitWindowSlides drives the limiter by hand: 25 points in
// a 10 s window, DELETE 5 and GET 1.
func TestSecondaryLimitWindowSlides(t *testing.T) {
	t.Parallel()
	t0 := newClock().Now()
	type step struct {
		at       time.Duration
		identity string
		method   string
		route    string
		wantOK   bool
		wantWait time.Duration // for a refusal
	}
	del := func(at time.Duration, ok bool, wait time.Duration) step {
		return step{at, "installation ID 1", http.MethodDelete, RouteInstallationToken, ok, wait}
	}
	steps := []step{
		del(0, true, 0), del(0, true, 0), del(0, true, 0), // 15 points at 0 s
		del(6*time.Second, true, 0), del(6*time.Second, true, 0), // 25 at 6 s
		del(7*time.Second, false, 3*time.Second), // room when the 0 s charges expire
		del(9999*time.Millisecond, false, 1*time.Millisecond),
		// Another endpoint, another identity: their own buckets.
		{7 * time.Second, "installation ID 1", http.MethodGet, RouteInstallationRepos, true, 0},
		{7 * time.Second, "installation ID 2", http.MethodDelete, RouteInstallationToken, true, 0},
		// At 10 s the first 15 points have gone: three more fit, not four.
		del(10*time.Second, true, 0), del(10*time.Second, true, 0), del(10*time.Second, true, 0),
		del(10*time.Second, false, 6*time.Second), // the 6 s charges go at 16 s
	}
	var l secondaryLimiter
	l.set(&SecondaryLimits{PointsPerWindow: 25, Window: 10 * time.Second})
	for i, st := range steps {
		ok, wait, status := l.admit(st.identity, st.method, st.route, t0.Add(st.at), false)
		if ok != st.wantOK || wait != st.wantWait {
			t.Fatalf("step %d (%s %s at %v): ok %v, wait %v; want %v, %v", i, st.method, st.identity, st.at, ok, wait, st.wantOK, st.wantWait)
		}
		if !ok && status != http.StatusForbidden {
			t.Fatalf("step %d: status %d, want 403", i, status)
		}
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	t.Parallel()
	for wait, want := range map[time.Duration]int{
		0: 1, time.Millisecond: 1, time.Second: 1, 1001 * time.Millisecond: 2, time.Minute: 60,
	} {
		if got := retryAfterSeconds(wait); got != want {
			t.Errorf("retryAfterSeconds(%v) = %d, want %d", wait, got, want)
		}
	}
}

func TestSecondaryLimitsValidation(t *testing.T) {
	t.Parallel()
	for name, limits := range map[string]*SecondaryLimits{
		"negative window": {PointsPerWindow: 5, Window: -time.Second},
		"status 500":      {PointsPerWindow: 5, Status: 500},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				if recover() == nil {
					t.Fatal("invalid limits accepted")
				}
			}()
			New(Options{SecondaryLimits: limits})
		})
	}
	if l := GitHubSecondaryLimits(); l.PointsPerWindow != 900 || l.Window != time.Minute || l.MaxConcurrent != 100 || l.Status != 0 {
		t.Errorf("GitHubSecondaryLimits = %+v", l)
	}
}

func TestClaimedIdentity(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	tok := f.mint("")
	revoked := f.mint("")
	f.revoke(revoked.Token)
	defer f.revoke(tok.Token)
	for _, tc := range []struct{ name, auth, want string }{
		{"none", "", anonymousBucket},
		{"App JWT", "Bearer " + f.jwt(), appIdentity(testAppID)},
		{"installation token", "token " + tok.Token, installationIdentity(f.instID)},
		{"revoked token", "token " + revoked.Token, installationIdentity(f.instID)},
		{"unknown token", "token ghs_unknown", anonymousBucket},
		{"garbage JWT", "Bearer a.b.c", anonymousBucket},
		{"unknown issuer", "Bearer " + signJWT(f.key, "RS256", map[string]any{"iss": 1}), anonymousBucket},
	} {
		r, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "/", nil)
		if tc.auth != "" {
			r.Header.Set("Authorization", tc.auth)
		}
		if got := f.claimedIdentity(r); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
