package gitlab

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/apiclient"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
)

// TestIssueAndRevoke covers every token type end to end: what Issue returns
// matches what the fake holds, the Handle's parent is numeric, the right
// DELETE revokes it, and revoking again (a 404) is still success.
func TestIssueAndRevoke(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	appID := e.fake.AddProject("acme/tools/ci")
	groupID := e.fake.AddGroup("acme/tools")
	deployerID := e.fake.AddUser("svc-deployer", false)
	tests := []struct {
		name        string
		tokenType   string
		path        string
		scopes      []string
		level       string
		wantParent  string
		createRoute string
		revokeRoute string
		registry    bool
	}{
		{"project by path", "project", "acme/tools/ci", []string{"read_repository", "read_registry"}, "developer",
			fmt.Sprintf("projects/%d", appID), "/projects/{id}/access_tokens", "/projects/{id}/access_tokens/{token_id}", true},
		{"project by id", "project", strconv.FormatInt(appID, 10), []string{"read_api"}, "",
			fmt.Sprintf("projects/%d", appID), "/projects/{id}/access_tokens", "/projects/{id}/access_tokens/{token_id}", false},
		{"group by path", "group", "acme/tools", []string{"api"}, "owner",
			fmt.Sprintf("groups/%d", groupID), "/groups/{id}/access_tokens", "/groups/{id}/access_tokens/{token_id}", true},
		{"group by id", "group", strconv.FormatInt(groupID, 10), []string{"write_registry"}, "reporter",
			fmt.Sprintf("groups/%d", groupID), "/groups/{id}/access_tokens", "/groups/{id}/access_tokens/{token_id}", false},
		{"project deploy", "deploy", "acme/tools/ci", []string{"read_registry", "read_repository"}, "",
			fmt.Sprintf("projects/%d", appID), "/projects/{id}/deploy_tokens", "/projects/{id}/deploy_tokens/{token_id}", true},
		{"group deploy", "deploy", "acme/tools", []string{"read_package_registry"}, "",
			fmt.Sprintf("groups/%d", groupID), "/groups/{id}/deploy_tokens", "/groups/{id}/deploy_tokens/{token_id}", false},
		{"group deploy by id", "deploy", strconv.FormatInt(groupID, 10), []string{"read_repository"}, "",
			fmt.Sprintf("groups/%d", groupID), "/groups/{id}/deploy_tokens", "/groups/{id}/deploy_tokens/{token_id}", false},
		{"personal", "personal", "svc-deployer", []string{"read_api", "read_registry"}, "",
			fmt.Sprintf("users/%d", deployerID), "/users/{user_id}/personal_access_tokens", "/personal_access_tokens/{token_id}", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Subtests share one fake and its call counters: not parallel.
			req := e.request(tc.tokenType, tc.path, 2*time.Hour, tc.scopes...)
			editScope(&req.Scope, func(s *Scope) { s.AccessLevel = tc.level })
			e.fake.ResetCalls()
			tok, err := e.client.Issue(context.Background(), req)
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			if n := e.fake.Calls("POST", tc.createRoute); n != 1 {
				t.Errorf("%d POSTs to %s, want 1", n, tc.createRoute)
			}
			held, live := e.fake.Lookup(tok.Token)
			if !live {
				t.Fatalf("the fake does not know the issued token as live")
			}
			// A token that can rotate itself carries its name, so that
			// revocation also finds the successors its holder made.
			wantHandle := provider.Handle{TokenType: tc.tokenType, ID: held.ID, Parent: tc.wantParent}
			canRotate := slices.Contains(tc.scopes, "api")
			if canRotate {
				wantHandle.Name = req.Name
			}
			if tok.Handle != wantHandle || held.Parent != tc.wantParent {
				t.Errorf("handle %+v, fake parent %q; want id %d under %s", tok.Handle, held.Parent, held.ID, tc.wantParent)
			}
			if held.Kind != tc.tokenType {
				t.Errorf("fake holds a %s token", held.Kind)
			}
			if !slices.Equal(scopeIn(tok).Scopes, held.Scopes) || !slices.Equal(held.Scopes, sortedCopy(tc.scopes)) {
				t.Errorf("scopes %v, fake %v, asked %v", scopeIn(tok).Scopes, held.Scopes, tc.scopes)
			}
			if scopeIn(tok).Path != tc.path {
				t.Errorf("scope path %q, want %q", scopeIn(tok).Path, tc.path)
			}
			wantLevel := tc.level
			if takesAccessLevel(tc.tokenType) && wantLevel == "" {
				wantLevel = "maintainer"
			}
			if scopeIn(tok).AccessLevel != wantLevel || (wantLevel != "" && accessLevelName(held.AccessLevel) != wantLevel) {
				t.Errorf("access level %q (fake %d), want %q", scopeIn(tok).AccessLevel, held.AccessLevel, wantLevel)
			}
			if !tok.ExpiresAt.Equal(held.ExpiresAt) {
				t.Errorf("ExpiresAt %v, fake %v", tok.ExpiresAt, held.ExpiresAt)
			}
			wantName := req.Name
			if tc.tokenType == "deploy" {
				// Deploy tokens have no description; it joins the name.
				wantName = req.Name + " (" + req.Description + ")"
			} else if held.Description != req.Description {
				t.Errorf("description at GitLab %q, want %q", held.Description, req.Description)
			}
			if held.Name != wantName {
				t.Errorf("name at GitLab %q, want %q", held.Name, wantName)
			}
			if tok.Registry != tc.registry {
				t.Errorf("Registry = %v, want %v", tok.Registry, tc.registry)
			}
			switch tc.tokenType {
			case "deploy":
				if tok.Username != held.Username || tok.Username == "" {
					t.Errorf("deploy username %q, GitLab's %q", tok.Username, held.Username)
				}
			case "personal":
				if tok.Username != tc.path {
					t.Errorf("personal username %q, want %q", tok.Username, tc.path)
				}
			default:
				if tok.Username != accessTokenUsername {
					t.Errorf("access token username %q", tok.Username)
				}
			}

			e.fake.ResetCalls()
			e.revoke(tok.Handle)
			wantCalls := 1
			if canRotate {
				wantCalls = 2 // and one list, which finds no successor
			}
			if n := e.fake.Calls("DELETE", tc.revokeRoute); n != 1 || e.fake.TotalCalls() != wantCalls {
				t.Errorf("revoke made %d DELETEs to %s and %d calls in all, want 1 and %d", n, tc.revokeRoute, e.fake.TotalCalls(), wantCalls)
			}
			if _, live := e.fake.Lookup(tok.Token); live {
				t.Fatal("the token still works after Revoke")
			}
			// Idempotent: GitLab answers 404 for a token it no longer has.
			if err := e.client.Revoke(context.Background(), tok.Handle); err != nil {
				t.Errorf("second Revoke: %v", err)
			}
		})
	}
}

// TestIssueOneCallSteadyState: once a path is resolved, an Issue is exactly
// one HTTP call, whatever the type.
func TestIssueOneCallSteadyState(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct{ tokenType, path, scope string }{
		{"project", "acme/app", "read_repository"},
		{"group", "acme/platform", "read_api"},
		{"deploy", "acme/app", "read_registry"},
		{"deploy", "acme/platform", "read_registry"},
		{"personal", "deployer", "read_api"},
	}
	for _, tc := range tests {
		t.Run(tc.tokenType+" "+tc.path, func(t *testing.T) {
			first := e.issue(e.request(tc.tokenType, tc.path, time.Hour, tc.scope))
			e.revoke(first.Handle)
			e.fake.ResetCalls()
			for i := 0; i < 3; i++ {
				tok := e.issue(e.request(tc.tokenType, tc.path, time.Hour, tc.scope))
				e.revoke(tok.Handle)
			}
			if n := e.fake.TotalCalls(); n != 6 {
				t.Errorf("3 × (Issue + Revoke) made %d calls, want 6", n)
			}
		})
	}
}

// TestIssueLabels: names and descriptions are cut to GitLab's 255
// characters (counted as bytes, to be safe), whole characters only, and a
// missing name gets a default (GitLab requires one).
func TestIssueLabels(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	long := strings.Repeat("é", 300)
	for _, tc := range []struct{ tokenType, path, name, description, wantName string }{
		{"project", "acme/app", long, long, strings.Repeat("é", 127)},
		{"personal", "deployer", "", "", defaultName},
		{"deploy", "acme/app", "role-x", long, apiclient.Truncate("role-x ("+long, 255)},
	} {
		req := e.request(tc.tokenType, tc.path, time.Hour, "read_repository")
		req.Name, req.Description = tc.name, tc.description
		tok := e.issue(req)
		held, _ := e.fake.Lookup(tok.Token)
		if held.Name != tc.wantName {
			t.Errorf("%s: name %q (%d runes), want %d runes", tc.tokenType, held.Name, len([]rune(held.Name)), len([]rune(tc.wantName)))
		}
		if tc.tokenType != "deploy" && held.Description != apiclient.Truncate(tc.description, 255) {
			t.Errorf("%s: description has %d runes", tc.tokenType, len([]rune(held.Description)))
		}
		e.revoke(tok.Handle)
	}
}

// TestIssueCacheExpires: a resolved path is looked up again after an hour,
// so a renamed path is followed.
func TestIssueCacheExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.revoke(e.issue(e.request("project", "acme/app", time.Hour, "read_api")).Handle)
	e.clock.Set(e.clock.Now().Add(61 * time.Minute))
	e.fake.ResetCalls()
	e.revoke(e.issue(e.request("project", "acme/app", time.Hour, "read_api")).Handle)
	if n := e.fake.Calls("GET", "/projects/{id}"); n != 1 {
		t.Errorf("%d project look-ups after the cache expired, want 1", n)
	}
}

func TestIssueUsernameWorksForGit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tokenType := range []string{"project", "deploy"} {
		tok := e.issue(e.request(tokenType, "acme/app", time.Hour, "read_repository"))
		if err := e.fake.CheckBasicAuth(basicAuthRequest(tok.Username, tok.Token), "acme/app", "read_repository"); err != nil {
			t.Errorf("%s token with username %q does not authenticate Git: %v", tokenType, tok.Username, err)
		}
		e.revoke(tok.Handle)
	}
}

// TestIssueExpiryGrid issues tokens at times around UTC midnight with TTLs
// from an hour to 366 days. Those that fit GitLab's cap get the first
// midnight after the lease end, as GitLab stores it; longer ones are refused
// before any call.
func TestIssueExpiryGrid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	day := 24 * time.Hour
	for _, now := range issueTimes(t) {
		for _, ttl := range []time.Duration{time.Hour, 23 * time.Hour, day, 25 * time.Hour, 30 * day, 364 * day, 365 * day, 366 * day} {
			for _, tokenType := range []string{"project", "personal"} {
				name := fmt.Sprintf("%s %s+%s", tokenType, now.Format(time.RFC3339Nano), ttl)
				e.clock.Set(now)
				path := "acme/app"
				if tokenType == "personal" {
					path = "deployer"
				}
				req := e.request(tokenType, path, ttl, "read_api")
				e.fake.ResetCalls()
				tok, err := e.client.Issue(context.Background(), req)
				if ttl >= 365*day {
					if err == nil {
						e.revoke(tok.Handle)
						t.Errorf("%s: a token was issued past GitLab's cap", name)
						continue
					}
					if !errors.Is(err, provider.ErrInvalidRequest) || e.fake.TotalCalls() != 0 {
						t.Errorf("%s: err %v after %d calls; want a local invalid-request error", name, err, e.fake.TotalCalls())
					}
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				want := utcDate(req.NotAfter).AddDate(0, 0, 1)
				if !tok.ExpiresAt.Equal(want) || !tok.ExpiresAt.After(req.NotAfter) {
					t.Errorf("%s: expiry %v, want %v (after %v)", name, tok.ExpiresAt, want, req.NotAfter)
				}
				e.revoke(tok.Handle)
			}
		}
	}
}

// TestIssueDeployExpiry: deploy tokens get the lease end itself.
func TestIssueDeployExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, ttl := range []time.Duration{time.Hour, 90 * time.Minute, 400 * 24 * time.Hour} {
		req := e.request("deploy", "acme/app", ttl, "read_registry")
		tok := e.issue(req)
		held, _ := e.fake.Lookup(tok.Token)
		if !tok.ExpiresAt.Equal(req.NotAfter) || !held.ExpiresAt.Equal(req.NotAfter) {
			t.Errorf("ttl %s: expiry %v (fake %v), want %v", ttl, tok.ExpiresAt, held.ExpiresAt, req.NotAfter)
		}
		e.revoke(tok.Handle)
	}
}

// TestIssueRefusedLocally: every invalid request is refused as the
// caller's mistake before any HTTP call.
func TestIssueRefusedLocally(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	now := e.clock.Now()
	tests := []struct {
		name string
		req  provider.IssueRequest
	}{
		{"bad path", provider.IssueRequest{TokenType: "project", Scope: provider.Encode(Scope{Path: "acme/../x", Scopes: []string{"api"}}), NotAfter: now.Add(time.Hour)}},
		{"deploy api", provider.IssueRequest{TokenType: "deploy", Scope: provider.Encode(Scope{Path: "acme/app", Scopes: []string{"api"}}), NotAfter: now.Add(time.Hour)}},
		{"no scopes", provider.IssueRequest{TokenType: "group", Scope: provider.Encode(Scope{Path: "acme"}), NotAfter: now.Add(time.Hour)}},
		{"unknown type", provider.IssueRequest{TokenType: "trigger", Scope: provider.Encode(Scope{Path: "acme/app", Scopes: []string{"api"}}), NotAfter: now.Add(time.Hour)}},
		{"no end", provider.IssueRequest{TokenType: "project", Scope: provider.Encode(Scope{Path: "acme/app", Scopes: []string{"api"}})}},
		{"end in the past", provider.IssueRequest{TokenType: "deploy", Scope: provider.Encode(Scope{Path: "acme/app", Scopes: []string{"read_registry"}}), NotAfter: now.Add(-time.Second)}},
		{"366 days", provider.IssueRequest{TokenType: "personal", Scope: provider.Encode(Scope{Path: "deployer", Scopes: []string{"api"}}), NotAfter: now.Add(366 * 24 * time.Hour)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.fake.ResetCalls()
			_, err := e.client.Issue(context.Background(), tc.req)
			if !errors.Is(err, provider.ErrInvalidRequest) {
				t.Fatalf("error %v, want ErrInvalidRequest", err)
			}
			if n := e.fake.TotalCalls(); n != 0 {
				t.Errorf("%d HTTP calls for a request refused locally", n)
			}
		})
	}
}

// TestIssueGitLabRefusals maps GitLab's answers to provider error kinds.
func TestIssueGitLabRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	devID := e.fake.AddUser("dev", false)
	e.fake.AddMember("acme/app", devID, 30)
	devToken, _ := e.fake.AddPersonalToken(devID, "dev token", []string{"api"}, time.Time{})
	dev := e.newClient(devToken)

	_, err := e.client.Issue(context.Background(), e.request("project", "acme/missing", time.Hour, "api"))
	if !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("unknown project: %v, want ErrNotFound", err)
	}
	_, err = e.client.Issue(context.Background(), e.request("personal", "nobody", time.Hour, "api"))
	if !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("unknown user: %v, want ErrNotFound", err)
	}
	_, err = e.client.Issue(context.Background(), e.request("deploy", "acme/nothing", time.Hour, "read_registry"))
	if !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("unknown deploy path: %v, want ErrNotFound", err)
	}
	// A developer cannot make a maintainer token.
	_, err = dev.Issue(context.Background(), e.request("project", "acme/app", time.Hour, "read_api"))
	var perr *provider.Error
	if !errors.As(err, &perr) || (perr.Kind != provider.ErrInvalidRequest && perr.Kind != provider.ErrUnauthorized) {
		t.Errorf("developer asking for a maintainer token: %v", err)
	}
	requireNoSecret(t, err, devToken, e.token)
	if live := e.fake.LiveTokens(); len(live) != 2 {
		t.Errorf("%d live tokens after refusals, want the 2 seeded", len(live))
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	info, err := e.client.Verify(context.Background())
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	held, _ := e.fake.Lookup(e.token)
	if info["token_id"] != held.ID || info["token_name"] != "vault connection" || info["user_id"] != e.admin ||
		info["active"] != true || info["gitlab_version"] != "18.5.1" {
		t.Errorf("info = %v", info)
	}
	if scopes, _ := info["scopes"].([]string); !slices.Equal(scopes, []string{"api"}) {
		t.Errorf("scopes = %v", info["scopes"])
	}
	if exp, _ := info["expires_at"].(time.Time); !exp.Equal(held.ExpiresAt) {
		t.Errorf("expires_at = %v, want %v", info["expires_at"], held.ExpiresAt)
	}
	if strings.Contains(fmt.Sprint(info), e.token) {
		t.Fatal("CredentialInfo contains the token")
	}

	bad := e.newClient("glpat-not-a-real-token-000")
	_, err = bad.Verify(context.Background())
	var perr *provider.Error
	if !errors.As(err, &perr) || !errors.Is(err, provider.ErrUnauthorized) || perr.Status != 401 {
		t.Fatalf("bad token: %v, want ErrUnauthorized with 401", err)
	}
	requireNoSecret(t, err, "glpat-not-a-real-token-000")
}

// TestConfigIsolation: a client for one GitLab never calls another.
func TestConfigIsolation(t *testing.T) {
	t.Parallel()
	a := newEnv(t)
	b := newEnv(t)
	for _, tokenType := range []string{"project", "deploy"} {
		tok := a.issue(a.request(tokenType, "acme/app", time.Hour, "read_registry"))
		if _, err := a.client.Status(context.Background(), tok.Handle); err != nil {
			t.Fatal(err)
		}
		a.revoke(tok.Handle)
	}
	if _, err := a.client.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	if a.fake.TotalCalls() == 0 || b.fake.TotalCalls() != 0 {
		t.Errorf("A got %d calls, B %d; want some and none", a.fake.TotalCalls(), b.fake.TotalCalls())
	}
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

var _ = fakegitlab.KindDeploy
