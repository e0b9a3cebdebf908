package fakegithub

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// enterSecondary counts x's request in flight, when the secondary limits
// bound concurrency, and returns the function that ends the count. It runs
// when the request arrives, before injected faults, so the caller is not
// yet authenticated: the request is counted for the identity its
// credential claims.
func (s *Server) enterSecondary(x *exchange) (leave func()) {
	if !s.secondary.limitsConcurrency() {
		return func() {}
	}
	within, leave := s.secondary.arrive(s.claimedIdentity(x.r))
	x.tooConcurrent = !within
	return leave
}

// claimedIdentity is whom r's credential names, unverified: an installation
// token its installation (even revoked or expired), a JWT the App its `iss`
// names; anything else is anonymous. When authentication later succeeds it
// confirms this identity; when it fails the request is refused with 401
// whatever it was counted as.
func (s *Server) claimedIdentity(r *http.Request) string {
	_, credential := authorization(r)
	if credential == "" {
		return anonymousBucket
	}
	if isInstallationTokenFormat(credential) {
		s.mu.Lock()
		tok := s.state.tokens[credential]
		s.mu.Unlock()
		if tok == nil {
			return anonymousBucket
		}
		return installationIdentity(tok.InstallationID)
	}
	parts := strings.Split(credential, ".")
	var claims struct {
		Issuer json.RawMessage `json:"iss"`
	}
	if len(parts) != 3 || !decodeSegment(parts[1], &claims) {
		return anonymousBucket
	}
	app, _, msg := s.issuer(claims.Issuer)
	if msg != "" {
		return anonymousBucket
	}
	return appIdentity(app.ID)
}

// withinSecondaryLimits applies the secondary limits to x's request,
// authenticated as identity, to rt. Over a limit it answers as GitHub does
// and returns false; the request must then not be acted on.
func (s *Server) withinSecondaryLimits(x *exchange, rt *route, identity string) bool {
	ok, wait, status := s.secondary.admit(identity, rt.method, rt.pattern, x.now, x.tooConcurrent)
	if ok {
		return true
	}
	s.secondary.refused.Record(rt.method, rt.pattern)
	x.w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(wait)))
	x.writeErrorDoc(status, secondaryLimitMessage, docsSecondaryRateLimit)
	return false
}
