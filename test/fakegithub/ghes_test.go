package fakegithub

import (
	"net/http"
	"strings"
	"testing"
)

func TestGHESPrefixServesEveryRoute(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	addInstallations(f, 3)

	resp := f.do(request{path: "/api/v3/app", auth: "Bearer " + f.jwt()})
	wantStatus(t, resp, http.StatusOK)
	resp = f.do(request{path: "/api/v3/app/installations?per_page=2", auth: "Bearer " + f.jwt()})
	wantStatus(t, resp, http.StatusOK)
	if next := links(t, resp.Header.Get("Link"))["next"]; !strings.HasPrefix(next, f.GHESURL()+"/app/installations?") {
		t.Errorf("next link %q does not keep the /api/v3 prefix", next)
	}
	for _, path := range []string{
		"/api/v3/app/installations/" + itoa(f.instID),
		"/api/v3/orgs/acme/installation",
		"/api/v3/users/acme/installation",
		"/api/v3/repos/acme/api/installation",
	} {
		resp := f.do(request{path: path, auth: "Bearer " + f.jwt()})
		wantStatus(t, resp, http.StatusOK)
		var in installationJSON
		resp.decode(t, &in)
		if !strings.HasPrefix(in.AccessTokensURL, f.GHESURL()+"/") {
			t.Errorf("%s: access_tokens_url %q is not under the GHES root", path, in.AccessTokensURL)
		}
	}

	resp = f.do(request{method: http.MethodPost, path: "/api/v3/app/installations/" + itoa(f.instID) + "/access_tokens",
		auth: "Bearer " + f.jwt(), body: `{"repositories":["api"]}`})
	wantStatus(t, resp, http.StatusCreated)
	var tok accessTokenJSON
	resp.decode(t, &tok)
	wantStatus(t, f.do(request{path: "/api/v3/installation/repositories", auth: "token " + tok.Token}), http.StatusOK)
	wantStatus(t, f.do(request{method: http.MethodDelete, path: "/api/v3/installation/token", auth: "token " + tok.Token}), http.StatusNoContent)

	// Both prefixes count under one route.
	f.mint("")
	if got := f.Calls(http.MethodPost, RouteAccessTokens); got != 2 {
		t.Errorf("Calls(POST access_tokens) = %d, want 2 (one per prefix)", got)
	}
	f.AllowLiveTokens()
}

// TestMalformedPathsAre404 covers the paths a client with a base-URL bug
// builds, such as the GHES trailing-slash bug that drops "v3".
func TestMalformedPathsAre404(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	for _, path := range []string{
		"/api/app/installations",
		"/v3/app/installations",
		"/api/v3/api/v3/app/installations",
		"/api/v3//app/installations",
		"//app/installations",
		"/app/installations/",
		"/api/v3",
		"/api/v3/",
		"/app/./installations",
		"/app/installations/" + itoa(f.instID) + "/access_tokens/",
	} {
		t.Run(path, func(t *testing.T) {
			resp := f.do(request{path: path, auth: "Bearer " + f.jwt()})
			wantStatus(t, resp, http.StatusNotFound)
			if got := resp.message(t); got != "Not Found" {
				t.Errorf("message %q", got)
			}
		})
	}
	// Wrong methods are 404 too, as on GitHub, not 405.
	wantStatus(t, f.do(request{method: http.MethodPut, path: "/app", auth: "Bearer " + f.jwt()}), http.StatusNotFound)
	wantStatus(t, f.do(request{method: http.MethodGet, path: "/app/installations/" + itoa(f.instID) + "/access_tokens",
		auth: "Bearer " + f.jwt()}), http.StatusNotFound)
	if f.TotalCalls() != 12 {
		t.Errorf("TotalCalls %d, want 12", f.TotalCalls())
	}
}
