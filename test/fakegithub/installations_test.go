package fakegithub

import (
	"net/http"
	"testing"
)

func TestInstallationLookups(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	userID := f.AddInstallation(Installation{AppID: testAppID, Account: "Octocat", AccountType: "User",
		Repositories: []string{"dotfiles"}, AllRepos: []string{"dotfiles", "secret-diary"},
		Permissions: map[string]string{"contents": "read"}})
	otherKey := GenerateKey(t)
	f.AddApp(App{ID: 777}, &otherKey.PublicKey)
	otherID := f.AddInstallation(Installation{AppID: 777, Account: "globex", AllRepos: []string{"x"}})

	tests := []struct {
		path   string
		wantID int64 // 0: want 404
	}{
		{"/app/installations/" + itoa(f.instID), f.instID},
		{"/app/installations/" + itoa(otherID), 0}, // another App's
		{"/app/installations/123456789", 0},
		{"/app/installations/abc", 0},
		{"/orgs/acme/installation", f.instID},
		{"/orgs/ACME/installation", f.instID},
		{"/orgs/octocat/installation", 0}, // a user is not an org
		{"/orgs/globex/installation", 0},  // another App's
		{"/users/octocat/installation", userID},
		{"/users/Acme/installation", f.instID}, // works for orgs too
		{"/users/nobody/installation", 0},
		{"/repos/acme/api/installation", f.instID},
		{"/repos/Acme/API/installation", f.instID},
		{"/repos/acme/missing/installation", 0},
		{"/repos/octocat/dotfiles/installation", userID},
		{"/repos/octocat/secret-diary/installation", 0}, // owned but not selected
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp := f.do(request{path: tc.path, auth: "Bearer " + f.jwt()})
			if tc.wantID == 0 {
				wantStatus(t, resp, http.StatusNotFound)
				return
			}
			wantStatus(t, resp, http.StatusOK)
			var in installationJSON
			resp.decode(t, &in)
			if in.ID != tc.wantID || in.AppID != testAppID {
				t.Errorf("got installation %d of App %d, want %d of %d", in.ID, in.AppID, tc.wantID, testAppID)
			}
		})
	}
}

func TestInstallationJSON(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	resp := f.do(request{path: "/orgs/acme/installation", auth: "Bearer " + f.jwt()})
	wantStatus(t, resp, http.StatusOK)
	var in installationJSON
	resp.decode(t, &in)
	if in.Account.Login != "acme" || in.Account.Type != "Organization" || in.TargetType != "Organization" {
		t.Errorf("account %+v, target type %q", in.Account, in.TargetType)
	}
	if in.RepositorySelection != "all" {
		t.Errorf("repository_selection %q, want all", in.RepositorySelection)
	}
	if want := f.URL() + "/app/installations/" + itoa(f.instID) + "/access_tokens"; in.AccessTokensURL != want {
		t.Errorf("access_tokens_url %q, want %q", in.AccessTokensURL, want)
	}
	if in.Permissions["contents"] != "write" || in.AppSlug != "vault-git" || in.ClientID != testClientID {
		t.Errorf("permissions %v, app_slug %q, client_id %q", in.Permissions, in.AppSlug, in.ClientID)
	}
}

func TestGetApp(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	resp := f.do(request{path: "/app", auth: "Bearer " + f.jwt()})
	wantStatus(t, resp, http.StatusOK)
	var app appJSON
	resp.decode(t, &app)
	if app.ID != testAppID || app.Slug != "vault-git" || app.ClientID != testClientID || app.Name != "Vault Git" {
		t.Errorf("app %+v", app)
	}
	if app.Owner.Login == "" || app.Permissions["contents"] != "write" || app.InstallationsCount != 1 {
		t.Errorf("owner %q, permissions %v, installations_count %d", app.Owner.Login, app.Permissions, app.InstallationsCount)
	}
}

func TestRemoveInstallation(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	tok := f.mint("")
	f.RemoveInstallation(f.instID)

	wantStatus(t, f.do(request{path: "/orgs/acme/installation", auth: "Bearer " + f.jwt()}), http.StatusNotFound)
	wantStatus(t, f.do(request{path: "/installation/repositories", auth: "token " + tok.Token}), http.StatusUnauthorized)
	wantStatus(t, f.do(request{method: http.MethodPost, path: "/app/installations/" + itoa(f.instID) + "/access_tokens",
		auth: "Bearer " + f.jwt()}), http.StatusNotFound)
	if _, live := f.Lookup(tok.Token); live {
		t.Error("token of a removed installation is still live")
	}
	// A revoke after uninstall is the 401 clients treat as done.
	if got := f.revoke(tok.Token); got != http.StatusUnauthorized {
		t.Errorf("revoke after uninstall: %d, want 401", got)
	}
}
