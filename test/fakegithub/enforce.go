package fakegithub

import (
	"fmt"
	"net/http"
)

const (
	apiVersionHeader  = "X-GitHub-Api-Version"
	defaultAPIVersion = "2022-11-28"
)

// isSupportedAPIVersion reports whether GitHub accepts v in the
// X-GitHub-Api-Version header.
func isSupportedAPIVersion(v string) bool {
	return v == "2022-11-28" || v == "2026-03-10"
}

// userAgentMessage is what GitHub's front end answers, as plain text, to a
// request without a User-Agent.
const userAgentMessage = "Request forbidden by administrative rules. Please make sure your request has a " +
	"User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). " +
	"Check https://developer.github.com for other possible causes.\n"

// serveEndpoint checks the request the way GitHub does, in GitHub's order
// (front end, routing, authentication, primary then secondary rate
// limits), then runs the route.
func (s *Server) serveEndpoint(x *exchange, rt *route) {
	if x.r.Header.Get("User-Agent") == "" {
		x.writeHead(http.StatusForbidden, "text/html; charset=utf-8")
		_, _ = x.w.Write([]byte(userAgentMessage))
		return
	}
	if v := x.r.Header.Get(apiVersionHeader); v != "" && !isSupportedAPIVersion(v) {
		x.writeError(http.StatusBadRequest, fmt.Sprintf(
			"The version you specified in the %q request header, %q, is not a supported version. "+
				"The following versions are currently supported: \"2026-03-10\" (most recent), \"2022-11-28\".",
			apiVersionHeader, v))
		return
	}
	if rt == nil {
		x.writeError(http.StatusNotFound, "Not Found")
		return
	}

	var bucket string
	switch rt.needs {
	case appJWT:
		if !s.authenticateApp(x) {
			return
		}
		bucket = appIdentity(x.app.ID)
	case installationToken:
		if !s.authenticateToken(x) {
			return
		}
		bucket = installationIdentity(x.token.InstallationID)
	}
	if !x.charge(bucket) {
		x.writeErrorDoc(http.StatusForbidden, fmt.Sprintf("API rate limit exceeded for %s.", bucket), docsPrimaryRateLimit)
		return
	}
	if !s.withinSecondaryLimits(x, rt, bucket) {
		return
	}
	rt.handle(x)
}
