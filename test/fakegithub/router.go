package fakegithub

import (
	"net/http"
	"strings"
)

// ghesPrefix is where GitHub Enterprise Server serves the REST API.
const ghesPrefix = "/api/v3"

// Route patterns, as Calls and Fault.Route name them. The same pattern
// counts requests at the root and under /api/v3.
const (
	RouteApp               = "/app"
	RouteAppInstallations  = "/app/installations"
	RouteAppInstallation   = "/app/installations/{id}"
	RouteAccessTokens      = "/app/installations/{id}/access_tokens"
	RouteOrgInstallation   = "/orgs/{org}/installation"
	RouteUserInstallation  = "/users/{user}/installation"
	RouteRepoInstallation  = "/repos/{owner}/{repo}/installation"
	RouteInstallationToken = "/installation/token"
	RouteInstallationRepos = "/installation/repositories"
	RouteRepo              = "/repos/{owner}/{repo}"
	RouteRepoKeys          = "/repos/{owner}/{repo}/keys"
)

// credential is what a route must be called with.
type credential int

const (
	appJWT credential = iota + 1
	installationToken
)

type route struct {
	method  string
	pattern string
	needs   credential
	handle  func(*exchange)
}

// routeTable lists every endpoint the fake serves.
func routeTable() []route {
	return []route{
		{http.MethodGet, RouteApp, appJWT, getApp},
		{http.MethodGet, RouteAppInstallations, appJWT, listInstallations},
		{http.MethodGet, RouteAppInstallation, appJWT, getInstallation},
		{http.MethodPost, RouteAccessTokens, appJWT, createAccessToken},
		{http.MethodGet, RouteOrgInstallation, appJWT, findOrgInstallation},
		{http.MethodGet, RouteUserInstallation, appJWT, findUserInstallation},
		{http.MethodGet, RouteRepoInstallation, appJWT, findRepoInstallation},
		{http.MethodDelete, RouteInstallationToken, installationToken, revokeInstallationToken},
		{http.MethodGet, RouteInstallationRepos, installationToken, listInstallationRepos},
		{http.MethodGet, RouteRepo, installationToken, getRepo},
		{http.MethodPost, RouteRepoKeys, installationToken, createDeployKey},
	}
}

// splitPrefix separates the optional GHES prefix from the API path. Any
// other prefix is left in place, so it matches no route and answers 404.
func splitPrefix(path string) (prefix, rest string) {
	if strings.HasPrefix(path, ghesPrefix+"/") {
		return ghesPrefix, path[len(ghesPrefix):]
	}
	return "", path
}

// matchRoute finds the route for method and path (without prefix) and the
// values of its placeholders. Paths that are not clean (empty, "." or ".."
// segments, a trailing slash) match nothing: GitHub answers them with 404,
// and a client that builds such a path has a bug the tests should see.
func matchRoute(routes []route, method, path string) (*route, map[string]string) {
	if !strings.HasPrefix(path, "/") {
		return nil, nil
	}
	segments := strings.Split(path[1:], "/")
	for _, seg := range segments {
		if seg == "" || seg == "." || seg == ".." {
			return nil, nil
		}
	}
	for i := range routes {
		rt := &routes[i]
		if rt.method != method {
			continue
		}
		if params, ok := matchPattern(rt.pattern, segments); ok {
			return rt, params
		}
	}
	return nil, nil
}

func matchPattern(pattern string, segments []string) (map[string]string, bool) {
	parts := strings.Split(pattern[1:], "/")
	if len(parts) != len(segments) {
		return nil, false
	}
	params := map[string]string{}
	for i, part := range parts {
		if strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}") {
			params[part[1:len(part)-1]] = segments[i]
			continue
		}
		if part != segments[i] {
			return nil, false
		}
	}
	return params, true
}

// serveHTTP is the request pipeline: count the call (and, under secondary
// limits, the request in flight), act out an injected fault, then enforce
// GitHub's rules and run the endpoint.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	x := s.newExchange(w, r)
	rt, params := matchRoute(s.routes, r.Method, x.path)
	x.params = params
	pattern := ""
	if rt != nil {
		pattern = rt.pattern
	}
	x.requestID = s.calls.Record(r.Method, pattern)
	leave := s.enterSecondary(x)
	defer leave()
	s.faults.Serve(w, r, pattern, s.faultAnswer(x, rt))
}
