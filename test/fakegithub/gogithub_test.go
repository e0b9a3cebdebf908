package fakegithub

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-github/v75/github"
)

// These tests drive the fake with go-github, the client the plugin uses, to
// prove the JSON shapes and headers decode as GitHub's do.

type appJWTTransport struct{ f *fixture }

func (a appJWTTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+a.f.jwt())
	return http.DefaultTransport.RoundTrip(r)
}

func goGitHubClient(t *testing.T, f *fixture, rt http.RoundTripper, ghes bool) *github.Client {
	t.Helper()
	c := github.NewClient(&http.Client{Transport: rt})
	if ghes {
		var err error
		// go-github adds the missing "/api/v3/" itself.
		if c, err = c.WithEnterpriseURLs(f.URL(), f.URL()); err != nil {
			t.Fatal(err)
		}
		return c
	}
	base, err := url.Parse(f.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	c.BaseURL = base
	return c
}

func TestGoGitHubCompatibility(t *testing.T) {
	t.Parallel()
	for _, ghes := range []bool{false, true} {
		name := "github.com"
		if ghes {
			name = "GHES"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, Options{LongTokens: true})
			addInstallations(f, 4)
			ctx := context.Background()
			app := goGitHubClient(t, f, appJWTTransport{f}, ghes)

			me, _, err := app.Apps.Get(ctx, "")
			if err != nil || me.GetID() != testAppID || me.GetSlug() != "vault-git" {
				t.Fatalf("Apps.Get: %+v, %v", me, err)
			}

			var all []*github.Installation
			opts := &github.ListOptions{PerPage: 2}
			for {
				page, resp, err := app.Apps.ListInstallations(ctx, opts)
				if err != nil {
					t.Fatalf("ListInstallations: %v", err)
				}
				all = append(all, page...)
				if resp.NextPage == 0 {
					break
				}
				opts.Page = resp.NextPage
			}
			if len(all) != 5 {
				t.Fatalf("listed %d installations over pages, want 5", len(all))
			}

			in, _, err := app.Apps.FindOrganizationInstallation(ctx, "ACME")
			if err != nil || in.GetID() != f.instID || in.GetAccount().GetLogin() != "acme" || in.GetPermissions().GetContents() != "write" {
				t.Fatalf("FindOrganizationInstallation: %+v, %v", in, err)
			}
			if in, _, err = app.Apps.FindRepositoryInstallation(ctx, "acme", "web"); err != nil || in.GetID() != f.instID {
				t.Fatalf("FindRepositoryInstallation: %v", err)
			}
			_, resp, err := app.Apps.FindUserInstallation(ctx, "nobody")
			if resp == nil || resp.StatusCode != http.StatusNotFound || err == nil {
				t.Fatalf("FindUserInstallation(nobody): %v", err)
			}

			tok, _, err := app.Apps.CreateInstallationToken(ctx, f.instID, &github.InstallationTokenOptions{
				Repositories: []string{"api"},
				Permissions:  &github.InstallationPermissions{Contents: github.Ptr("read")},
			})
			if err != nil {
				t.Fatalf("CreateInstallationToken: %v", err)
			}
			if len(tok.GetToken()) < 480 || !tok.GetExpiresAt().Time.Equal(f.clock.Now().Add(time.Hour)) ||
				tok.GetPermissions().GetContents() != "read" || len(tok.Repositories) != 1 || tok.Repositories[0].GetFullName() != "acme/api" {
				t.Fatalf("token: expires %v, permissions %+v, repositories %v", tok.GetExpiresAt(), tok.GetPermissions(), tok.Repositories)
			}

			_, _, err = app.Apps.CreateInstallationToken(ctx, f.instID, &github.InstallationTokenOptions{Repositories: []string{"nope"}})
			var ghErr *github.ErrorResponse
			if !errors.As(err, &ghErr) || ghErr.Response.StatusCode != http.StatusUnprocessableEntity || ghErr.Message != repositoriesNotAccessible {
				t.Fatalf("422 not decoded: %v", err)
			}

			inst := goGitHubClient(t, f, http.DefaultTransport, ghes).WithAuthToken(tok.GetToken())
			repos, _, err := inst.Apps.ListRepos(ctx, nil)
			if err != nil || repos.GetTotalCount() != 1 || repos.Repositories[0].GetName() != "api" {
				t.Fatalf("ListRepos: %+v, %v", repos, err)
			}
			if resp, err := inst.Apps.RevokeInstallationToken(ctx); err != nil || resp.StatusCode != http.StatusNoContent {
				t.Fatalf("RevokeInstallationToken: %v", err)
			}
			_, err = inst.Apps.RevokeInstallationToken(ctx)
			if !errors.As(err, &ghErr) || ghErr.Response.StatusCode != http.StatusUnauthorized {
				t.Fatalf("second revoke: %v, want 401", err)
			}
		})
	}
}

func TestGoGitHubRateLimitErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	ctx := context.Background()
	app := goGitHubClient(t, f, appJWTTransport{f}, false)
	app.DisableRateLimitCheck = true // the fake's clock is not the wall clock

	f.InjectFault(Fault{Route: RouteApp, Status: 403, RateLimitReset: f.clock.Now().Add(time.Minute), Times: 1})
	_, _, err := app.Apps.Get(ctx, "")
	var primary *github.RateLimitError
	if !errors.As(err, &primary) || !primary.Rate.Reset.Time.Equal(f.clock.Now().Add(time.Minute)) {
		t.Fatalf("primary limit: %v", err)
	}

	f.InjectFault(Fault{Route: RouteApp, Status: 403, RetryAfter: "30", Times: 1})
	_, _, err = app.Apps.Get(ctx, "")
	var secondary *github.AbuseRateLimitError
	if !errors.As(err, &secondary) || secondary.GetRetryAfter() != 30*time.Second {
		t.Fatalf("secondary limit: %v", err)
	}
}

// TestGoGitHubSecondaryLimit shows what go-github makes of the fake's
// secondary-limit refusal: a 403 is an *AbuseRateLimitError with its
// RetryAfter; a 429 is only an *ErrorResponse (go-github v75 checks the
// status before the documentation URL), the Retry-After header left for
// the caller to read.
func TestGoGitHubSecondaryLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
	}{
		{"403", 0},
		{"429", http.StatusTooManyRequests},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, Options{SecondaryLimits: &SecondaryLimits{PointsPerWindow: 3, Window: 30 * time.Second, Status: tc.status}})
			ctx := context.Background()
			app := goGitHubClient(t, f, appJWTTransport{f}, false)
			app.DisableRateLimitCheck = true // as provider/github does; the fake's clock is not the wall clock

			for range 3 {
				if _, _, err := app.Apps.Get(ctx, ""); err != nil {
					t.Fatalf("Apps.Get within the limit: %v", err)
				}
			}
			_, resp, err := app.Apps.Get(ctx, "")
			var abuse *github.AbuseRateLimitError
			var ghErr *github.ErrorResponse
			switch tc.status {
			case 0:
				if !errors.As(err, &abuse) || abuse.RetryAfter == nil || abuse.GetRetryAfter() != 30*time.Second {
					t.Fatalf("want an AbuseRateLimitError with RetryAfter 30s, got %T: %v", err, err)
				}
				if abuse.Message != secondaryLimitMessage {
					t.Errorf("message %q", abuse.Message)
				}
			default:
				if errors.As(err, &abuse) {
					t.Fatalf("go-github now reports a 429 as an AbuseRateLimitError; update provider/github and this test")
				}
				if !errors.As(err, &ghErr) || ghErr.Response.StatusCode != http.StatusTooManyRequests ||
					ghErr.DocumentationURL != docsSecondaryRateLimit || resp.Header.Get("Retry-After") != "30" {
					t.Fatalf("want an ErrorResponse 429 with Retry-After 30, got %T: %v", err, err)
				}
			}
			if f.SecondaryLimited() != 1 {
				t.Errorf("SecondaryLimited = %d, want 1", f.SecondaryLimited())
			}
		})
	}
}
