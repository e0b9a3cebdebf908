package fakegitlab

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
)

// CheckBasicAuth judges "username:token" basic auth the way GitLab does for
// Git over HTTP and registry logins (Gitlab::Auth.find_for_git_client), for
// tests that serve their own Git or registry endpoint:
//
//   - the token must be live and hold a scope that grants the requested one
//     (read_repository, write_repository, read_registry, write_registry,
//     read_package_registry, write_package_registry, ...); api and read_api
//     grant repository, registry and package access as on GitLab;
//   - a personal, project or group token's user needs a role on the project
//     that allows it (Reporter to read, Developer to write);
//   - a deploy token's username must be the token's own, and the token must
//     belong to the project or to a group above it. Other tokens take any
//     username, as GitLab does.
//
// A successful check records the use in last_used_at, except for deploy
// tokens, which GitLab does not track. Errors never contain the token.
func (s *Server) CheckBasicAuth(r *http.Request, projectPath string, scope string) error {
	username, password, ok := r.BasicAuth()
	if !ok || password == "" {
		return errors.New("fakegitlab: no basic credentials")
	}
	ability, minLevel, ok := requiredAbility(scope)
	if !ok {
		return fmt.Errorf("fakegitlab: unknown scope %q", scope)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	t := s.db.byValue[password]
	if t == nil || !t.live(now) {
		return errors.New("fakegitlab: token unknown, revoked or expired")
	}
	if !grants(t.Scopes, ability) {
		return fmt.Errorf("fakegitlab: %s token %d has no scope granting %s", t.Kind, t.ID, scope)
	}
	res, ok := s.db.findResource("project", projectPath)
	if !ok {
		return fmt.Errorf("fakegitlab: no project %q", projectPath)
	}

	if t.Kind == KindDeploy {
		if username != t.Username {
			return fmt.Errorf("fakegitlab: deploy token %d needs its own username", t.ID)
		}
		owner, _ := s.db.resourceByKey(t.Parent)
		if !s.db.contains(owner, res) {
			return fmt.Errorf("fakegitlab: deploy token %d does not reach %s", t.ID, projectPath)
		}
		return nil
	}

	u := s.db.liveUser(t.UserID)
	if level := s.db.level(u, res); level < minLevel {
		return fmt.Errorf("fakegitlab: user of token %d has role %d on %s, needs %d", t.ID, level, projectPath, minLevel)
	}
	used := now
	t.LastUsedAt = &used
	return nil
}

// grants reports whether any of the scopes gives the ability.
func grants(scopes []string, ability string) bool {
	for _, s := range scopes {
		if slices.Contains(abilities(s), ability) {
			return true
		}
	}
	return false
}
