package fakegitea

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// CheckBasicAuth decides a request to a Git server or container registry
// standing in front of the fake (test/gitserver, test/registryserver) as
// Gitea's own Git over HTTP and registry do: basic auth whose password is a
// live access token of the fake, whatever the user name (Gitea takes a
// token in the password field and reads the user from the token), holding
// scope: "read:repository" for a clone of repo ("owner/name"), which the
// token must also reach (its user reads it; a Forgejo-restricted token
// names it; a public-only token sees public repositories only), or
// "read:package" for a pull. The user's password is refused: the sandbox
// only hands out tokens.
func (s *Server) CheckBasicAuth(r *http.Request, repo, scope string) error {
	_, password, ok := r.BasicAuth()
	if !ok || password == "" {
		return errors.New("fakegitea: no basic credentials")
	}
	level, cat, ok := strings.Cut(scope, ":")
	if !ok || (cat != "repository" && cat != "package") {
		return fmt.Errorf("fakegitea: CheckBasicAuth takes read:repository or read:package, not %q", scope)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.db.tokenByValue(password)
	if t == nil {
		return errors.New("fakegitea: not a live access token")
	}
	who := s.use(t)
	if !allows(t.scopes, level, cat) {
		return fmt.Errorf("fakegitea: token %d has no scope granting %s", t.id, scope)
	}
	if cat == "repository" {
		owner, name, _ := strings.Cut(repo, "/")
		if !reaches(who, s.db.repo(owner, name)) {
			return fmt.Errorf("fakegitea: token %d does not reach %s", t.id, repo)
		}
	}
	return nil
}
