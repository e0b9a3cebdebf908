package fakegithub

import (
	"net/http"
	"strings"
)

// authorization splits the Authorization header into scheme and credential.
func authorization(r *http.Request) (scheme, credential string) {
	scheme, credential, _ = strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	return scheme, strings.TrimSpace(credential)
}

// isInstallationTokenFormat tells an installation token (classic or
// stateless, which also has dots) from a JWT.
func isInstallationTokenFormat(credential string) bool {
	return strings.HasPrefix(credential, "ghs_")
}

// authenticateApp requires an App JWT sent as a Bearer credential; on
// failure it answers 401 and returns false. (Assumed: GitHub's answer to an
// installation token or a missing credential here is the same "could not
// be decoded" 401 it gives a bad JWT.)
func (s *Server) authenticateApp(x *exchange) bool {
	scheme, credential := authorization(x.r)
	if !strings.EqualFold(scheme, "Bearer") || credential == "" || isInstallationTokenFormat(credential) {
		x.writeError(http.StatusUnauthorized, jwtUndecodable)
		return false
	}
	app, msg := s.verifyAppJWT(credential, x.now)
	if msg != "" {
		x.writeError(http.StatusUnauthorized, msg)
		return false
	}
	x.app = app
	return true
}

// authenticateToken requires a live installation token, sent with the
// "token" or "Bearer" scheme; on failure it answers 401 and returns false.
// An unknown, revoked or expired token is "Bad credentials", as on GitHub;
// a JWT here is treated the same (assumed).
func (s *Server) authenticateToken(x *exchange) bool {
	scheme, credential := authorization(x.r)
	if credential == "" {
		x.writeError(http.StatusUnauthorized, "Requires authentication")
		return false
	}
	if !strings.EqualFold(scheme, "token") && !strings.EqualFold(scheme, "Bearer") {
		x.writeError(http.StatusUnauthorized, "Bad credentials")
		return false
	}
	s.mu.Lock()
	tok := s.state.tokens[credential]
	live := tok != nil && tok.live(x.now)
	s.mu.Unlock()
	if !live {
		x.writeError(http.StatusUnauthorized, "Bad credentials")
		return false
	}
	x.token = tok
	return true
}
