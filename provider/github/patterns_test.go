package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
)

func TestValidateScopeRepositoryPatterns(t *testing.T) {
	t.Parallel()
	s := Scope{Owner: "acme", Repositories: []string{"SVC-*", "acme/team-?-api", "web"}}
	if err := validateScope(TokenTypeInstallation, &s); err != nil {
		t.Fatal(err)
	}
	if want := []string{"svc-*", "team-?-api", "web"}; !reflect.DeepEqual(s.Repositories, want) {
		t.Fatalf("Repositories = %q, want %q", s.Repositories, want)
	}
	for _, bad := range []string{"svc-[ab]", `svc-\*`, "svc/*", "svc-{a,b}"} {
		s := Scope{Owner: "acme", Repositories: []string{bad}}
		if err := validateScope(TokenTypeInstallation, &s); err == nil {
			t.Errorf("%q: no error, want one (only * and ? are patterns)", bad)
		}
	}
}

func TestNarrowRepositoryPatterns(t *testing.T) {
	t.Parallel()
	ceiling := Scope{Owner: "acme", Repositories: []string{"svc-*", "team-?-api"}}
	for _, tc := range []struct {
		want    []string
		out     []string
		wantErr string
	}{
		{want: nil, out: []string{"svc-*", "team-?-api"}},
		{want: []string{"SVC-billing", "team-a-api"}, out: []string{"svc-billing", "team-a-api"}},
		{want: []string{"acme/svc-x"}, out: []string{"svc-x"}},
		{want: []string{"web"}, wantErr: `repositories not allowed by the role: "web"`},
		{want: []string{"team-ab-api"}, wantErr: `repositories not allowed by the role: "team-ab-api"`},
		// A request names concrete repositories; a pattern of its own,
		// even one inside the role's, is refused.
		{want: []string{"svc-*"}, wantErr: "a creds request names repositories, not patterns"},
		{want: []string{"svc-a?"}, wantErr: "a creds request names repositories, not patterns"},
	} {
		out, err := narrow(TokenTypeInstallation, ceiling, Scope{Repositories: tc.want})
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: error = %v, want %q", tc.want, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(out.Repositories, tc.out) {
			t.Errorf("%q: Narrow = %q, %v; want %q", tc.want, out.Repositories, err, tc.out)
		}
	}
	// An open role takes no patterns from a request either.
	if _, err := narrow(TokenTypeInstallation, Scope{Owner: "acme"}, Scope{Repositories: []string{"*"}}); err == nil {
		t.Error("a pattern against an open role: no error")
	}
}

// patternFixture has an installation on "shop" with repositories that
// patterns pick from.
func patternFixture(t testing.TB, repos ...string) *fixture {
	f := newFixture(t, func(o *fakegithub.Options, _ *testConn) { o.RateLimit = -1 })
	f.fake.AddInstallation(fakegithub.Installation{
		AppID:        testAppID,
		Account:      "shop",
		Repositories: repos,
		Permissions:  map[string]string{"contents": "read", "metadata": "read"},
	})
	return f
}

func TestIssueRepositoryPatterns(t *testing.T) {
	t.Parallel()
	f := patternFixture(t, "svc-billing", "SVC-Orders", "team-a-api", "team-ab-api", "web")
	c := f.client(t)
	ctx := context.Background()
	tok, err := c.Issue(ctx, issueReq(Scope{Owner: "shop", Repositories: []string{"svc-*", "team-?-api"}}))
	if err != nil {
		t.Fatal(err)
	}
	revoke(t, c, tok)
	issued, _ := f.fake.Lookup(tok.Token)
	if want := []string{"svc-billing", "SVC-Orders", "team-a-api"}; !reflect.DeepEqual(issued.Repositories, want) {
		t.Fatalf("the token reaches %q, want %q", issued.Repositories, want)
	}
	if !reflect.DeepEqual(scopeIn(tok).Repositories, []string{"svc-billing", "SVC-Orders", "team-a-api"}) {
		t.Fatalf("Scope.Repositories = %q", scopeIn(tok).Repositories)
	}
	if n := len(f.fake.LiveTokens()); n != 0 {
		t.Fatalf("%d tokens live: the listing token was not revoked", n)
	}

	// Within the minute the list is not fetched again: one call a token.
	f.fake.ResetCalls()
	tok, err = c.Issue(ctx, issueReq(Scope{Owner: "shop", Repositories: []string{"web", "svc-*"}}))
	if err != nil {
		t.Fatal(err)
	}
	revoke(t, c, tok)
	if n := f.fake.TotalCalls(); n != 2 {
		t.Fatalf("%d calls for one issue and one revoke with a warm list, want 2", n)
	}

	// A pattern matching nothing: a 400-kind refusal, no call at all.
	f.fake.ResetCalls()
	_, err = c.Issue(ctx, issueReq(Scope{Owner: "shop", Repositories: []string{"legacy-*"}}))
	var pe *provider.Error
	if !errors.As(err, &pe) || !errors.Is(err, provider.ErrInvalidRequest) || pe.Status != 0 || !strings.Contains(err.Error(), `"legacy-*" match no repository`) {
		t.Fatalf("no match: error = %#v", err)
	}
	if n := f.fake.TotalCalls(); n != 0 {
		t.Fatalf("%d calls for a pattern that matches nothing", n)
	}

	// After the minute the list is fetched afresh.
	f.clock.Advance(repoListTTL + time.Second)
	f.fake.ResetCalls()
	tok, err = c.Issue(ctx, issueReq(Scope{Owner: "shop", Repositories: []string{"web*"}}))
	if err != nil {
		t.Fatal(err)
	}
	revoke(t, c, tok)
	if n := f.fake.Calls(http.MethodGet, fakegithub.RouteInstallationRepos); n != 1 {
		t.Fatalf("%d list calls after the cache expired, want 1", n)
	}
}

func TestIssueRepositoryPatternsOverGitHubsLimit(t *testing.T) {
	t.Parallel()
	repos := make([]string, maxRepositories+1)
	for i := range repos {
		repos[i] = fmt.Sprintf("svc-%03d", i)
	}
	f := patternFixture(t, repos...)
	c := f.client(t)
	_, err := c.Issue(context.Background(), issueReq(Scope{Owner: "shop", Repositories: []string{"svc-*"}}))
	if !errors.Is(err, provider.ErrInvalidRequest) || !strings.Contains(err.Error(), "GitHub allows at most 500") {
		t.Fatalf("501 matches: error = %v", err)
	}
	// Only the listing token was minted, and it is revoked.
	if n := f.fake.Calls(http.MethodPost, fakegithub.RouteAccessTokens); n != 1 {
		t.Fatalf("%d token requests, want only the listing one", n)
	}
	if n := len(f.fake.LiveTokens()); n != 0 {
		t.Fatalf("%d tokens live", n)
	}
	// At the limit it is issued.
	tok, err := c.Issue(context.Background(), issueReq(Scope{Owner: "shop", Repositories: []string{"svc-0*", "svc-1*", "svc-2*", "svc-3*", "svc-4*"}}))
	if err != nil {
		t.Fatal(err)
	}
	revoke(t, c, tok)
	if len(scopeIn(tok).Repositories) != maxRepositories {
		t.Fatalf("%d repositories, want %d", len(scopeIn(tok).Repositories), maxRepositories)
	}
}

// TestIssueRepositoryPatternsConcurrentlyListOnce: requests of a pattern
// role arriving together on a cold cache share one listing.
func TestIssueRepositoryPatternsConcurrentlyListOnce(t *testing.T) {
	t.Parallel()
	f := patternFixture(t, "svc-a", "svc-b")
	c := f.client(t)
	// Warm the installation id and the JWT, not the list.
	warm, err := c.Issue(context.Background(), issueReq(Scope{Owner: "shop"}))
	if err != nil {
		t.Fatal(err)
	}
	revoke(t, c, warm)
	f.fake.ResetCalls()

	const n = 8
	errs := make(chan error, n)
	toks := make(chan *provider.Token, n)
	release := make(chan struct{})
	for range n {
		go func() {
			<-release
			tok, err := c.Issue(context.Background(), issueReq(Scope{Owner: "shop", Repositories: []string{"svc-*"}}))
			errs <- err
			toks <- tok
		}()
	}
	close(release)
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		revoke(t, c, <-toks)
	}
	if got := f.fake.Calls(http.MethodGet, fakegithub.RouteInstallationRepos); got != 1 {
		t.Fatalf("%d listings for %d requests on a cold cache, want 1", got, n)
	}
}
