package fakegithub

import (
	"net/http"
	"testing"
)

// A token's holder reaches only the repositories the token was issued for.
func TestGetRepoOnlyWithinTheToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	narrow := f.mint(`{"repositories":["api"]}`)
	full := f.mint("")
	for _, tc := range []struct {
		name, path, auth string
		want             int
	}{
		{"its repository", "/repos/acme/api", "token " + narrow.Token, http.StatusOK},
		{"its repository, other case", "/repos/ACME/Api", "token " + narrow.Token, http.StatusOK},
		{"another repository of the installation", "/repos/acme/web", "token " + narrow.Token, http.StatusNotFound},
		{"another account", "/repos/other/api", "token " + narrow.Token, http.StatusNotFound},
		{"a full token reaches the installation's", "/repos/acme/web", "token " + full.Token, http.StatusOK},
		{"a full token does not reach beyond it", "/repos/acme/secret", "token " + full.Token, http.StatusNotFound},
		{"an App JWT is not a token", "/repos/acme/api", "Bearer " + f.jwt(), http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantStatus(t, f.do(request{path: tc.path, auth: tc.auth}), tc.want)
		})
	}
	f.revoke(narrow.Token)
	f.revoke(full.Token)
	wantStatus(t, f.do(request{path: "/repos/acme/api", auth: "token " + narrow.Token}), http.StatusUnauthorized)
}

// A deploy key needs administration=write, and it outlives the token that
// added it: it belongs to the repository.
func TestDeployKeyNeedsAdministrationWriteAndOutlivesTheToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	id := f.AddInstallation(Installation{
		AppID:       testAppID,
		Account:     "beta",
		AllRepos:    []string{"site"},
		Permissions: map[string]string{"administration": "write", "contents": "read", "metadata": "read"},
	})
	addKey := func(token, repo string) response {
		return f.do(request{method: http.MethodPost, path: "/repos/" + repo + "/keys", auth: "token " + token,
			body: `{"title":"holder","key":"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHolderKey","read_only":false}`})
	}

	readOnly := f.mintBody(id, `{"permissions":{"contents":"read"}}`)
	defer f.revoke(readOnly)
	resp := addKey(readOnly, "beta/site")
	wantStatus(t, resp, http.StatusForbidden)
	if got := resp.message(t); got != "Resource not accessible by integration" {
		t.Errorf("message %q", got)
	}
	admin := f.mintBody(id, `{"permissions":{"administration":"write"}}`)
	wantStatus(t, addKey(admin, "acme/api"), http.StatusNotFound)
	wantStatus(t, addKey(admin, "beta/site"), http.StatusCreated)

	f.revoke(admin)
	wantStatus(t, addKey(admin, "beta/site"), http.StatusUnauthorized)
	if keys := f.DeployKeys(); len(keys) != 1 || keys[0].Repo != "beta/site" {
		t.Fatalf("deploy keys after the token ended: %+v, want the one it added", keys)
	}
}

// mintBody mints a token of installation id with body.
func (f *fixture) mintBody(id int64, body string) string {
	f.t.Helper()
	resp := f.do(request{method: http.MethodPost, path: "/app/installations/" + itoa(id) + "/access_tokens", auth: "Bearer " + f.jwt(), body: body})
	wantStatus(f.t, resp, http.StatusCreated)
	var tok accessTokenJSON
	resp.decode(f.t, &tok)
	return tok.Token
}
