package fakegithub

import (
	"net/http"
	"testing"
)

func TestMatchRoute(t *testing.T) {
	t.Parallel()
	routes := routeTable()
	tests := []struct {
		method, path string
		wantRoute    string // "" for no match
		wantParams   map[string]string
	}{
		{http.MethodGet, "/app", RouteApp, nil},
		{http.MethodPost, "/app/installations/12/access_tokens", RouteAccessTokens, map[string]string{"id": "12"}},
		{http.MethodGet, "/repos/acme/api/installation", RouteRepoInstallation, map[string]string{"owner": "acme", "repo": "api"}},
		{http.MethodGet, "/app/installations/", "", nil},         // would otherwise match {id} = ""
		{http.MethodGet, "/users/./installation", "", nil},       // dot segment
		{http.MethodGet, "/repos/acme/../installation", "", nil}, // dot-dot segment
		{http.MethodGet, "/users//installation", "", nil},        // empty segment
		{http.MethodGet, "app", "", nil},                         // not absolute
		{http.MethodPost, "/app", "", nil},                       // wrong method
	}
	for _, tc := range tests {
		rt, params := matchRoute(routes, tc.method, tc.path)
		got := ""
		if rt != nil {
			got = rt.pattern
		}
		if got != tc.wantRoute {
			t.Errorf("%s %s: route %q, want %q", tc.method, tc.path, got, tc.wantRoute)
			continue
		}
		for k, v := range tc.wantParams {
			if params[k] != v {
				t.Errorf("%s %s: %s=%q, want %q", tc.method, tc.path, k, params[k], v)
			}
		}
	}
}

func TestSplitPrefix(t *testing.T) {
	t.Parallel()
	tests := []struct{ path, prefix, rest string }{
		{"/app", "", "/app"},
		{"/api/v3/app", "/api/v3", "/app"},
		{"/api/v3", "", "/api/v3"},
		{"/api/v3x/app", "", "/api/v3x/app"},
		{"/api/app", "", "/api/app"},
	}
	for _, tc := range tests {
		if prefix, rest := splitPrefix(tc.path); prefix != tc.prefix || rest != tc.rest {
			t.Errorf("splitPrefix(%q) = %q, %q; want %q, %q", tc.path, prefix, rest, tc.prefix, tc.rest)
		}
	}
}
