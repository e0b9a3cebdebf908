package fakegithub

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMintFullAccessWithoutBody(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	tok := f.mint("")
	defer f.revoke(tok.Token)

	if !regexp.MustCompile(`^ghs_[A-Za-z0-9]{36}$`).MatchString(tok.Token) {
		t.Errorf("classic token has the wrong shape (length %d)", len(tok.Token))
	}
	if want := f.clock.Now().Add(time.Hour).Format("2006-01-02T15:04:05Z"); tok.ExpiresAt != want {
		t.Errorf("expires_at %q, want %q", tok.ExpiresAt, want)
	}
	if tok.RepositorySelection != "all" || tok.Repositories != nil {
		t.Errorf("selection %q with %d repositories, want all with none listed", tok.RepositorySelection, len(tok.Repositories))
	}
	if tok.Permissions["contents"] != "write" || len(tok.Permissions) != 3 {
		t.Errorf("permissions %v, want the installation's", tok.Permissions)
	}
	issued, live := f.Lookup(tok.Token)
	if !live || issued.InstallationID != f.instID || issued.Repositories != nil {
		t.Errorf("Lookup: %+v live=%v", issued, live)
	}
	if got := reachableRepos(t, f, tok.Token); !slices.Equal(got, []string{"api", "infra", "web"}) {
		t.Errorf("token reaches %v", got)
	}
}

func TestMintNarrowed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	webID := f.RepositoryID("Acme/Web")
	tests := []struct {
		name      string
		body      string
		wantRepos []string
		wantPerms map[string]string
	}{
		{"by name, case-insensitive", `{"repositories":["API"]}`, []string{"api"}, nil},
		{"by id", fmt.Sprintf(`{"repository_ids":[%d]}`, webID), []string{"web"}, nil},
		{"names and ids together", fmt.Sprintf(`{"repositories":["api"],"repository_ids":[%d]}`, webID), []string{"api", "web"}, nil},
		{"permissions lowered", `{"permissions":{"contents":"read"}}`, nil, map[string]string{"contents": "read"}},
		{"both", `{"repositories":["infra"],"permissions":{"metadata":"read","pull_requests":"read"}}`,
			[]string{"infra"}, map[string]string{"metadata": "read", "pull_requests": "read"}},
		{"empty lists mean everything", `{"repositories":[],"permissions":{}}`, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := f.mint(tc.body)
			defer f.revoke(tok.Token)
			var names []string
			for _, r := range tok.Repositories {
				names = append(names, r.Name)
				if r.FullName != "acme/"+r.Name || r.Owner.Login != "acme" || r.ID == 0 || !r.Private {
					t.Errorf("repository object %+v", r)
				}
			}
			if !slices.Equal(names, tc.wantRepos) {
				t.Errorf("repositories %v, want %v", names, tc.wantRepos)
			}
			wantSelection := "all"
			if tc.wantRepos != nil {
				wantSelection = "selected"
			}
			if tok.RepositorySelection != wantSelection {
				t.Errorf("repository_selection %q, want %q", tok.RepositorySelection, wantSelection)
			}
			wantPerms := tc.wantPerms
			if wantPerms == nil {
				wantPerms = map[string]string{"contents": "write", "metadata": "read", "pull_requests": "read"}
			}
			if fmt.Sprint(tok.Permissions) != fmt.Sprint(wantPerms) {
				t.Errorf("permissions %v, want %v", tok.Permissions, wantPerms)
			}
			// The scope is real: /installation/repositories shows it.
			wantReach := tc.wantRepos
			if wantReach == nil {
				wantReach = []string{"api", "infra", "web"}
			}
			if got := reachableRepos(t, f, tok.Token); !slices.Equal(got, wantReach) {
				t.Errorf("token reaches %v, want %v", got, wantReach)
			}
		})
	}
}

func TestMintSelectedInstallation(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	id := f.AddInstallation(Installation{AppID: testAppID, Account: "initech", Repositories: []string{"tps"},
		AllRepos: []string{"tps", "payroll"}, Permissions: map[string]string{"contents": "read"}})
	resp := f.do(request{method: http.MethodPost, path: "/app/installations/" + itoa(id) + "/access_tokens", auth: "Bearer " + f.jwt()})
	wantStatus(t, resp, http.StatusCreated)
	var tok accessTokenJSON
	resp.decode(t, &tok)
	defer f.revoke(tok.Token)
	if tok.RepositorySelection != "selected" || len(tok.Repositories) != 1 || tok.Repositories[0].FullName != "initech/tps" {
		t.Errorf("selection %q, repositories %+v", tok.RepositorySelection, tok.Repositories)
	}
	resp = f.do(request{method: http.MethodPost, path: "/app/installations/" + itoa(id) + "/access_tokens",
		auth: "Bearer " + f.jwt(), body: `{"repositories":["payroll"]}`})
	wantStatus(t, resp, http.StatusUnprocessableEntity)
}

func TestMintRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	f.AddInstallation(Installation{AppID: testAppID, Account: "other", AllRepos: []string{"theirs"}})
	tooMany := `{"repositories":["api"` + strings.Repeat(`,"api"`, 500) + `]}`
	tests := []struct {
		name        string
		id          string
		body        string
		wantStatus  int
		wantMessage string
	}{
		{"unknown repository", itoa(f.instID), `{"repositories":["nope"]}`, 422, repositoriesNotAccessible},
		{"another account's repository", itoa(f.instID), `{"repositories":["theirs"]}`, 422, repositoriesNotAccessible},
		{"full name instead of name", itoa(f.instID), `{"repositories":["acme/api"]}`, 422, repositoriesNotAccessible},
		{"unknown repository id", itoa(f.instID), `{"repository_ids":[1]}`, 422, repositoriesNotAccessible},
		{"over 500 repositories", itoa(f.instID), tooMany, 422, tooManyRepositories},
		{"another account's repository id", itoa(f.instID), fmt.Sprintf(`{"repository_ids":[%d]}`, f.RepositoryID("other/theirs")), 422, repositoriesNotAccessible},
		{"over 500 names and ids together", itoa(f.instID), `{"repositories":["api"],"repository_ids":[1` + strings.Repeat(`,1`, 499) + `]}`, 422, tooManyRepositories},
		{"level above the grant", itoa(f.instID), `{"permissions":{"pull_requests":"write"}}`, 422, permissionsNotGranted},
		{"permission not granted", itoa(f.instID), `{"permissions":{"issues":"read"}}`, 422, permissionsNotGranted},
		{"unknown permission", itoa(f.instID), `{"permissions":{"pull-requests":"read"}}`, 422, permissionsNotGranted},
		{"unknown level", itoa(f.instID), `{"permissions":{"contents":"admin"}}`, 422, permissionsNotGranted},
		{"malformed JSON", itoa(f.instID), `{"repositories":`, 400, "Problems parsing JSON"},
		{"wrong type", itoa(f.instID), `{"repositories":"api"}`, 422, ""},
		{"unknown installation", "99999999", "", 404, "Not Found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := f.do(request{method: http.MethodPost, path: "/app/installations/" + tc.id + "/access_tokens",
				auth: "Bearer " + f.jwt(), body: tc.body})
			wantStatus(t, resp, tc.wantStatus)
			if tc.wantMessage != "" && resp.message(t) != tc.wantMessage {
				t.Errorf("message %q, want %q", resp.message(t), tc.wantMessage)
			}
			var e errorBody
			resp.decode(t, &e)
			if e.DocumentationURL == "" || e.Status != fmt.Sprint(tc.wantStatus) {
				t.Errorf("error body %+v lacks GitHub's fields", e)
			}
		})
	}
	if n := len(f.LiveTokens()); n != 0 {
		t.Fatalf("refused requests minted %d token(s)", n)
	}
}

func TestPermissionLevelsPerKind(t *testing.T) {
	t.Parallel()
	granted := map[string]string{"workflows": "write", "organization_plan": "read", "repository_projects": "admin", "contents": "write"}
	tests := []struct {
		name, level string
		want        bool
	}{
		{"workflows", "write", true},
		{"workflows", "read", false}, // write-only
		{"organization_plan", "read", true},
		{"organization_plan", "write", false}, // read-only
		{"repository_projects", "admin", true},
		{"contents", "read", true},
		{"contents", "admin", false},
		{"contents", "", false},
		{"issues", "read", false}, // not granted
	}
	for _, tc := range tests {
		if got := permissionAllowed(granted, tc.name, tc.level); got != tc.want {
			t.Errorf("%s:%s allowed=%v, want %v", tc.name, tc.level, got, tc.want)
		}
	}
}

func TestRevokeThen401(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	tok := f.mint("")
	if got := f.revoke(tok.Token); got != http.StatusNoContent {
		t.Fatalf("first revoke: %d, want 204", got)
	}
	if got := f.revoke(tok.Token); got != http.StatusUnauthorized {
		t.Errorf("second revoke: %d, want 401", got)
	}
	wantStatus(t, f.do(request{path: "/installation/repositories", auth: "token " + tok.Token}), http.StatusUnauthorized)
	if _, live := f.Lookup(tok.Token); live {
		t.Error("revoked token is live")
	}
	// Bearer works as well as token for installation tokens.
	other := f.mint("")
	resp := f.do(request{method: http.MethodDelete, path: "/installation/token", auth: "Bearer " + other.Token})
	wantStatus(t, resp, http.StatusNoContent)
	if resp.body != "" {
		t.Errorf("204 with body %q", resp.body)
	}
	if got := f.revoke("ghs_" + strings.Repeat("x", 36)); got != http.StatusUnauthorized {
		t.Errorf("revoking an unknown token: %d, want 401", got)
	}
}

func TestTokenExpiresByInjectedClock(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	tok := f.mint("")
	f.clock.Advance(59 * time.Minute)
	if _, live := f.Lookup(tok.Token); !live {
		t.Fatal("token died before its hour")
	}
	wantStatus(t, f.do(request{path: "/installation/repositories", auth: "token " + tok.Token}), http.StatusOK)
	f.clock.Advance(time.Minute)
	if _, live := f.Lookup(tok.Token); live {
		t.Fatal("token outlived its hour")
	}
	if n := len(f.LiveTokens()); n != 0 {
		t.Errorf("%d live tokens after expiry", n)
	}
	if got := f.revoke(tok.Token); got != http.StatusUnauthorized {
		t.Errorf("revoking an expired token: %d, want 401", got)
	}
}

func TestLongTokenRoundTrip(t *testing.T) {
	t.Parallel()
	shape := regexp.MustCompile(`^ghs_4242_[A-Za-z0-9_]+\.[A-Za-z0-9_]+\.[A-Za-z0-9_]+$`)
	tests := []struct {
		name   string
		opts   Options
		header string // X-GitHub-Stateless-S2S-Token
		long   bool
	}{
		{"option", Options{LongTokens: true}, "", true},
		{"header enables", Options{}, "enabled", true},
		{"header disables", Options{LongTokens: true}, "disabled", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tc.opts)
			resp := f.do(request{method: http.MethodPost, path: "/app/installations/" + itoa(f.instID) + "/access_tokens",
				auth: "Bearer " + f.jwt(), header: map[string]string{"X-GitHub-Stateless-S2S-Token": tc.header}})
			wantStatus(t, resp, http.StatusCreated)
			var tok accessTokenJSON
			resp.decode(t, &tok)
			if !tc.long {
				if len(tok.Token) != 40 {
					t.Errorf("classic token of length %d", len(tok.Token))
				}
				f.revoke(tok.Token)
				return
			}
			if !shape.MatchString(tok.Token) || len(tok.Token) < 480 || len(tok.Token) > 560 {
				t.Errorf("stateless token has the wrong shape (length %d)", len(tok.Token))
			}
			wantStatus(t, f.do(request{path: "/installation/repositories", auth: "token " + tok.Token}), http.StatusOK)
			if got := f.revoke(tok.Token); got != http.StatusNoContent {
				t.Errorf("revoke: %d", got)
			}
			// A truncated token (a column too short for 520 characters) is not the token.
			if got := f.revoke(tok.Token[:255]); got != http.StatusUnauthorized {
				t.Errorf("truncated token accepted: %d", got)
			}
		})
	}
}

// reachableRepos lists, through the API, the repositories token reaches.
func reachableRepos(t *testing.T, f *fixture, token string) []string {
	t.Helper()
	resp := f.do(request{path: "/installation/repositories", auth: "token " + token})
	wantStatus(t, resp, http.StatusOK)
	var body tokenRepositoriesJSON
	resp.decode(t, &body)
	if body.TotalCount != len(body.Repositories) {
		t.Fatalf("total_count %d for %d repositories", body.TotalCount, len(body.Repositories))
	}
	names := []string{}
	for _, r := range body.Repositories {
		names = append(names, r.Name)
	}
	return names
}
