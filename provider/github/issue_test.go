package github

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
)

func TestIssue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		scope        Scope
		wantRepos    []string
		wantPerms    map[string]string
		wantRegistry bool
	}{
		{
			name:         "the installation's full access",
			scope:        Scope{Owner: "acme"},
			wantRepos:    []string{"api", "Infra", "web"},
			wantPerms:    map[string]string{"contents": "write", "metadata": "read", "packages": "read", "issues": "write"},
			wantRegistry: true,
		},
		{
			name:      "narrowed",
			scope:     Scope{Owner: "acme", Repositories: []string{"infra"}, Permissions: map[string]string{"contents": "read"}},
			wantRepos: []string{"Infra"},
			wantPerms: map[string]string{"contents": "read"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			c := f.client(t)
			tok, err := c.Issue(context.Background(), issueReq(tt.scope))
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			defer revoke(t, c, tok)
			var ids []string
			for _, name := range tt.wantRepos {
				ids = append(ids, strconv.FormatInt(f.fake.RepositoryID("Acme/"+name), 10))
			}
			slices.Sort(ids) // same length, so sorted as numbers
			want := Scope{Owner: "acme", InstallationID: f.install, Repositories: tt.wantRepos, RepositoryIDs: ids, Permissions: tt.wantPerms}
			if !reflect.DeepEqual(scopeIn(tok), want) {
				t.Errorf("Scope = %+v, want %+v", scopeIn(tok), want)
			}
			if tok.Username != "x-access-token" || tok.Registry != tt.wantRegistry {
				t.Errorf("Username = %q, Registry = %v", tok.Username, tok.Registry)
			}
			if want := f.clock.Now().Add(time.Hour); !tok.ExpiresAt.Equal(want) {
				t.Errorf("ExpiresAt = %v, want %v", tok.ExpiresAt, want)
			}
			if tok.Handle != (provider.Handle{TokenType: "installation", Secret: tok.Token}) {
				t.Errorf("Handle = %+v", tok.Handle)
			}
			issued, live := f.fake.Lookup(tok.Token)
			if !live || issued.InstallationID != f.install {
				t.Fatalf("fake does not hold the token as live: %+v %v", issued, live)
			}
		})
	}
}

func TestIssueSteadyStateIsOneCall(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client(t)
	ctx := context.Background()
	first, err := c.Issue(ctx, issueReq(Scope{Owner: "ACME"}))
	if err != nil {
		t.Fatal(err)
	}
	revoke(t, c, first)
	if got := f.fake.Calls(http.MethodGet, fakegithub.RouteUserInstallation); got != 1 {
		t.Fatalf("installation lookups = %d, want 1", got)
	}
	f.fake.ResetCalls()
	for range 3 {
		tok, err := c.Issue(ctx, issueReq(Scope{Owner: "acme"}))
		if err != nil {
			t.Fatal(err)
		}
		if got := f.fake.TotalCalls(); got != 1 {
			t.Fatalf("calls for one Issue = %d, want 1", got)
		}
		f.fake.ResetCalls()
		revoke(t, c, tok)
		if got := f.fake.TotalCalls(); got != 1 {
			t.Fatalf("calls for one Revoke = %d, want 1", got)
		}
		f.fake.ResetCalls()
	}
}

func TestIssueReusesTheJWTAndResignsAfterAClockJump(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client(t)
	issue := func() {
		t.Helper()
		tok, err := c.Issue(context.Background(), issueReq(Scope{InstallationID: f.install}))
		if err != nil {
			t.Fatalf("Issue: %v", err)
		}
		revoke(t, c, tok)
	}
	jwt := func() string {
		c.jwtMu.Lock()
		defer c.jwtMu.Unlock()
		return c.jwt.token
	}

	issue()
	first := jwt()
	f.clock.Advance(7 * time.Minute)
	issue()
	if jwt() != first {
		t.Fatal("JWT re-signed while it had minutes left")
	}
	f.clock.Advance(time.Minute) // within a minute of exp
	issue()
	second := jwt()
	if second == first {
		t.Fatal("JWT reused within a minute of its expiry")
	}
	f.clock.Advance(2 * time.Hour) // far past exp: the fake refuses a stale JWT
	issue()
	if jwt() == second {
		t.Fatal("JWT reused after a clock jump past its expiry")
	}
	third := jwt()
	f.clock.Advance(-30 * time.Minute) // clock went back before iat
	issue()
	if jwt() == third {
		t.Fatal("JWT reused after the clock went back before its iat")
	}
}

func TestIssueDropsAStaleInstallationID(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client(t)
	ctx := context.Background()
	tok, err := c.Issue(ctx, issueReq(Scope{Owner: "acme"}))
	if err != nil {
		t.Fatal(err)
	}
	revoke(t, c, tok)

	// The App is reinstalled: same owner, new id.
	f.fake.RemoveInstallation(f.install)
	reinstalled := f.fake.AddInstallation(fakegithub.Installation{AppID: testAppID, Account: "acme", AllRepos: []string{"api"}, Permissions: map[string]string{"contents": "read"}})
	f.fake.ResetCalls()
	tok, err = c.Issue(ctx, issueReq(Scope{Owner: "acme"}))
	if err != nil {
		t.Fatalf("Issue after reinstall: %v", err)
	}
	defer revoke(t, c, tok)
	if scopeIn(tok).InstallationID != reinstalled {
		t.Fatalf("InstallationID = %d, want %d", scopeIn(tok).InstallationID, reinstalled)
	}
	if posts, gets := f.fake.Calls(http.MethodPost, fakegithub.RouteAccessTokens), f.fake.Calls(http.MethodGet, fakegithub.RouteUserInstallation); posts != 2 || gets != 1 {
		t.Fatalf("POSTs = %d, lookups = %d; want 2 and 1", posts, gets)
	}
}

func TestIssueNotInstalledIsCachedBriefly(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client(t)
	ctx := context.Background()
	for i, wantCalls := range []int{1, 0} {
		f.fake.ResetCalls()
		_, err := c.Issue(ctx, issueReq(Scope{Owner: "nobody"}))
		if !errors.Is(err, provider.ErrNotFound) || !strings.Contains(err.Error(), `not installed on "nobody"`) {
			t.Fatalf("attempt %d: error = %v, want ErrNotFound naming the owner", i, err)
		}
		if got := f.fake.TotalCalls(); got != wantCalls {
			t.Fatalf("attempt %d: calls = %d, want %d", i, got, wantCalls)
		}
	}
	// Installed meanwhile, and seen once the negative entry ends.
	f.fake.AddInstallation(fakegithub.Installation{AppID: testAppID, Account: "nobody", AllRepos: []string{"x"}, Permissions: map[string]string{"contents": "read"}})
	f.clock.Advance(notInstalledTTL)
	tok, err := c.Issue(ctx, issueReq(Scope{Owner: "nobody"}))
	if err != nil {
		t.Fatalf("Issue after install: %v", err)
	}
	revoke(t, c, tok)
}

func TestIssueWithInstallationIDSkipsTheLookup(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client(t)
	tok, err := c.Issue(context.Background(), issueReq(Scope{InstallationID: f.install}))
	if err != nil {
		t.Fatal(err)
	}
	revoke(t, c, tok)
	if got := f.fake.Calls(http.MethodGet, fakegithub.RouteUserInstallation); got != 0 {
		t.Fatalf("lookups = %d, want 0", got)
	}

	f.fake.ResetCalls()
	_, err = c.Issue(context.Background(), issueReq(Scope{InstallationID: 987654}))
	if !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("error = %v, want ErrNotFound", err)
	}
	if got := f.fake.TotalCalls(); got != 1 {
		t.Fatalf("calls = %d, want 1 (an explicit id is not looked up again)", got)
	}
}

func TestIssueRefusedByGitHub(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		scope   Scope
		wantMsg string
	}{
		{name: "unknown repository", scope: Scope{Owner: "acme", Repositories: []string{"secret"}}, wantMsg: "There is at least one repository that does not exist"},
		{name: "permission beyond the grant", scope: Scope{Owner: "acme", Permissions: map[string]string{"administration": "write"}}, wantMsg: "The permissions requested are not granted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			_, err := f.client(t).Issue(context.Background(), issueReq(tt.scope))
			var pe *provider.Error
			if !errors.As(err, &pe) || !errors.Is(err, provider.ErrInvalidRequest) || pe.Status != http.StatusUnprocessableEntity {
				t.Fatalf("error = %#v, want a 422 ErrInvalidRequest", err)
			}
			if !strings.Contains(pe.Message, tt.wantMsg) {
				t.Fatalf("message %q does not contain GitHub's %q", pe.Message, tt.wantMsg)
			}
			if got := f.fake.Calls(http.MethodPost, fakegithub.RouteAccessTokens); got != 1 {
				t.Fatalf("POSTs = %d, want 1", got)
			}
		})
	}
}

func TestIssueRefusesLocally(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, req := range []provider.IssueRequest{
		{TokenType: "project", Scope: provider.Encode(Scope{Owner: "acme"})},
		{TokenType: "installation"}, // neither owner nor installation id
	} {
		_, err := f.client(t).Issue(context.Background(), req)
		if err == nil || f.fake.TotalCalls() != 0 {
			t.Fatalf("Issue(%+v) error = %v after %d calls, want a local refusal", req, err, f.fake.TotalCalls())
		}
	}
}

func TestIssueSendsOnlyTheFieldsTheScopeSets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		scope Scope
		want  map[string]any
	}{
		{name: "empty scope", scope: Scope{Owner: "acme"}, want: map[string]any{}},
		{name: "repositories", scope: Scope{Owner: "acme", Repositories: []string{"api"}}, want: map[string]any{"repositories": []any{"api"}}},
		{
			name:  "both",
			scope: Scope{Owner: "acme", Repositories: []string{"api", "web"}, Permissions: map[string]string{"contents": "read"}},
			want:  map[string]any{"repositories": []any{"api", "web"}, "permissions": map[string]any{"contents": "read"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			rec := &headerRecorder{}
			conn := f.conn
			conn.BaseURL = f.frontDoor(t, func(h http.Handler) http.Handler { rec.next = h; return rec })
			c := f.clientFor(t, conn, provider.Options{})
			tok, err := c.Issue(context.Background(), issueReq(tt.scope))
			if err != nil {
				t.Fatal(err)
			}
			revoke(t, c, tok)
			for _, r := range rec.requests() {
				if r.method != http.MethodPost {
					continue
				}
				var got map[string]any
				if err := json.Unmarshal([]byte(r.body), &got); err != nil {
					t.Fatalf("body %q: %v", r.body, err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("body = %v, want %v", got, tt.want)
				}
				return
			}
			t.Fatal("no POST seen")
		})
	}
}

func TestIssueLongTokens(t *testing.T) {
	t.Parallel()
	f := newFixture(t, longTokens)
	c := f.client(t)
	tok, err := c.Issue(context.Background(), issueReq(Scope{Owner: "acme"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(tok.Token) < 500 || !strings.Contains(tok.Token, ".") || tok.Handle.Secret != tok.Token {
		t.Fatalf("token of %d chars does not look stateless or did not round-trip", len(tok.Token))
	}
	// Through the lease's JSON and back.
	b, err := json.Marshal(tok.Handle)
	if err != nil {
		t.Fatal(err)
	}
	var h provider.Handle
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	if err := c.Revoke(context.Background(), h); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if _, live := f.fake.Lookup(tok.Token); live {
		t.Fatal("long token still live after revoke")
	}
}

func TestIssueRateLimited(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		fault     func(now time.Time) fakegithub.Fault
		wantWaits []time.Duration
	}{
		{
			name:      "429 with Retry-After",
			fault:     func(time.Time) fakegithub.Fault { return fakegithub.Fault{Status: 429, RetryAfter: "3"} },
			wantWaits: []time.Duration{3 * time.Second},
		},
		{
			name: "429 with only x-ratelimit-reset",
			fault: func(now time.Time) fakegithub.Fault {
				return fakegithub.Fault{Status: 429, RateLimitReset: now.Add(5 * time.Second)}
			},
			wantWaits: []time.Duration{5 * time.Second},
		},
		{
			name: "403 with an exhausted quota",
			fault: func(now time.Time) fakegithub.Fault {
				return fakegithub.Fault{Status: 403, RateLimitReset: now.Add(7 * time.Second)}
			},
			wantWaits: []time.Duration{7 * time.Second},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			c := f.client(t)
			fault := tt.fault(f.clock.Now())
			fault.Method, fault.Route, fault.Times = http.MethodPost, fakegithub.RouteAccessTokens, 1
			f.fake.InjectFault(fault)
			tok, err := c.Issue(context.Background(), issueReq(Scope{InstallationID: f.install}))
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			revoke(t, c, tok)
			if got := f.recordedWaits(); !reflect.DeepEqual(got, tt.wantWaits) {
				t.Fatalf("waits = %v, want %v", got, tt.wantWaits)
			}
			if got := f.fake.Calls(http.MethodPost, fakegithub.RouteAccessTokens); got != 2 {
				t.Fatalf("POSTs = %d, want 2", got)
			}
		})
	}
}

func TestIssueRateLimitBeyondTheWaitIsPassedBack(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.fake.InjectFault(fakegithub.Fault{Method: http.MethodPost, Route: fakegithub.RouteAccessTokens, Status: 429, RetryAfter: "600"})
	_, err := f.client(t).Issue(context.Background(), issueReq(Scope{InstallationID: f.install}))
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Status != http.StatusTooManyRequests || pe.Kind != provider.ErrRateLimited || pe.RetryAfter != 600*time.Second {
		t.Fatalf("error = %#v, want a 429 marked rate limited, naming the 600 s wait", err)
	}
	if got := f.fake.Calls(http.MethodPost, fakegithub.RouteAccessTokens); got != 1 {
		t.Fatalf("POSTs = %d, want 1", got)
	}
}

func TestIssueDroppedAfterCommitIsNotRetried(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client(t)
	f.fake.InjectFault(fakegithub.Fault{Method: http.MethodPost, Route: fakegithub.RouteAccessTokens, DropAfterCommit: true, Times: 1})
	_, err := c.Issue(context.Background(), issueReq(Scope{InstallationID: f.install}))
	if err == nil {
		t.Fatal("Issue succeeded over a dropped connection")
	}
	if got := f.fake.Calls(http.MethodPost, fakegithub.RouteAccessTokens); got != 1 {
		t.Fatalf("POSTs = %d, want exactly 1", got)
	}
	// The token GitHub minted is the caller's write-ahead log's to revoke;
	// here the test does it.
	live := f.fake.LiveTokens()
	if len(live) != 1 {
		t.Fatalf("live tokens = %d, want the 1 minted before the drop", len(live))
	}
	if err := c.Revoke(context.Background(), provider.Handle{TokenType: "installation", Secret: live[0].Token}); err != nil {
		t.Fatal(err)
	}
}

// TestIssueRevokesAnUnusableAnswer rewrites GitHub's answer so that it
// holds a live token but no usable expiry: the token must be revoked, not
// returned unleased.
func TestIssueRevokesAnUnusableAnswer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		rewrite func(body map[string]any, now time.Time)
		wantMsg string
	}{
		{name: "missing expires_at", rewrite: func(b map[string]any, _ time.Time) { delete(b, "expires_at") }, wantMsg: "no usable expires_at"},
		{name: "unparsable expires_at", rewrite: func(b map[string]any, _ time.Time) { b["expires_at"] = "in an hour" }, wantMsg: "no usable expires_at"},
		{name: "expiry passed", rewrite: func(b map[string]any, now time.Time) { b["expires_at"] = now.Add(-time.Second).Format(time.RFC3339) }, wantMsg: "which has passed"},
		{name: "permissions of the wrong type", rewrite: func(b map[string]any, _ time.Time) { b["permissions"] = []int{1} }, wantMsg: "not readable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			conn := f.conn
			conn.BaseURL = f.frontDoor(t, func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Method != http.MethodPost {
						next.ServeHTTP(w, r)
						return
					}
					rec := httptest.NewRecorder()
					next.ServeHTTP(rec, r)
					var body map[string]any
					if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
						t.Errorf("fake answer: %v", err)
					}
					tt.rewrite(body, f.clock.Now())
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(rec.Code)
					_ = json.NewEncoder(w).Encode(body)
				})
			})
			c := f.clientFor(t, conn, provider.Options{})
			tok, err := c.Issue(context.Background(), issueReq(Scope{InstallationID: f.install}))
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("Issue = %v, %v; want an error containing %q", tok, err, tt.wantMsg)
			}
			if live := f.fake.LiveTokens(); len(live) != 0 {
				t.Fatalf("%d token(s) left live", len(live))
			}
			if got := f.fake.Calls(http.MethodDelete, fakegithub.RouteInstallationToken); got != 1 {
				t.Fatalf("DELETEs = %d, want 1", got)
			}
		})
	}
}

func TestIssueConcurrently(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client(t)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for range 8 {
		wg.Go(func() {
			for range 5 {
				tok, err := c.Issue(context.Background(), issueReq(Scope{Owner: "acme", Repositories: []string{"api"}}))
				if err != nil {
					errs <- err
					return
				}
				if err := c.Revoke(context.Background(), tok.Handle); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func revoke(t testing.TB, c *client, tok *provider.Token) {
	t.Helper()
	if err := c.Revoke(context.Background(), tok.Handle); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
}
