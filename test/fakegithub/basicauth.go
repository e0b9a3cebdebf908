package fakegithub

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// CheckBasicAuth checks the credentials Git over HTTPS and container
// registries receive: basic auth x-access-token:<token>, where the token is
// live, reaches repo ("owner/name") and holds permission at level or above.
// Errors never contain the token.
func (s *Server) CheckBasicAuth(r *http.Request, repo string, permission string, level string) error {
	user, token, ok := r.BasicAuth()
	if !ok {
		return errors.New("fakegithub: no basic auth credentials")
	}
	if user != "x-access-token" {
		return fmt.Errorf("fakegithub: basic auth user is %q, want x-access-token", user)
	}
	owner, name, ok := strings.Cut(repo, "/")
	if !ok {
		return fmt.Errorf("fakegithub: repository %q is not owner/name", repo)
	}

	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := s.state.tokens[token]
	if tok == nil {
		return fmt.Errorf("fakegithub: token (sha256 %s) was never issued", HashToken(token))
	}
	if !tok.live(now) {
		return fmt.Errorf("fakegithub: token (sha256 %s) is revoked or expired", HashToken(token))
	}
	if s.state.reachedBy(tok, owner, name) == nil {
		return fmt.Errorf("fakegithub: token (installation %d) does not reach %s", tok.InstallationID, repo)
	}
	if have := tok.Permissions[permission]; levelRank(have) < levelRank(level) || levelRank(level) == 0 {
		return fmt.Errorf("fakegithub: token has %s:%q, needs %q", permission, have, level)
	}
	return nil
}
