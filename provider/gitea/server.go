package gitea

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-version"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// ServerInfo is what the engine knows of the server's kind.
type ServerInfo struct {
	Version string
	Forgejo bool
	// Restricts is true where a token can be limited to named repositories.
	Restricts bool
}

// forgejoRestrictsFrom is the first Forgejo release whose token API takes
// "repositories" (v15.0, April 2026: PR #11504 "read, create, & delete
// repo-specific access tokens via API", with #11468 and #11736 limiting
// what such a token may do).
const forgejoRestrictsFrom = 15

// parseServer reads GET /api/v1/version. Forgejo answers its own version
// with the Gitea version it is compatible with as build metadata
// ("15.0.1+gitea-1.22.0", the numbering since Forgejo v7.0); Gitea answers
// its own ("1.24.6", "1.25.0+dev-12-gabc"). Plain Gitea has no repository
// restriction and ignores the field without a word, issuing an
// unrestricted token, so nothing but a Forgejo at or above v15.0 counts
// as restricting.
func parseServer(raw string) ServerInfo {
	info := ServerInfo{Version: raw}
	info.Forgejo = strings.Contains(raw, "+gitea-")
	if !info.Forgejo {
		return info
	}
	v, err := version.NewVersion(raw)
	if err == nil && len(v.Segments()) > 0 && v.Segments()[0] >= forgejoRestrictsFrom {
		info.Restricts = true
	}
	return info
}

// serverTTL bounds how long a read of the version stands: an upgrade, or a
// downgrade below v15.0, shows within it. (A downgrade inside it is caught
// by Issue, which checks the answer lists the repositories.)
const serverTTL = 10 * time.Minute

type serverCache struct {
	now  func() time.Time
	mu   sync.Mutex
	at   time.Time
	info ServerInfo
}

func (s *serverCache) get() (ServerInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.info, !s.at.IsZero() && s.now().Sub(s.at) < serverTTL
}

func (s *serverCache) put(info ServerInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.info, s.at = info, s.now()
}

func (s *serverCache) forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.at = time.Time{}
}

// Server reads the server's kind (GET /api/v1/version), cached.
func (c *Client) Server(ctx context.Context) (ServerInfo, error) {
	if info, ok := c.server.get(); ok {
		return info, nil
	}
	raw, resp, err := c.api(ctx).ServerVersion()
	if err != nil {
		return ServerInfo{}, c.fail("read the server version", resp, err)
	}
	info := parseServer(raw)
	c.server.put(info)
	return info, nil
}

var _ provider.RoleChecker = (*Client)(nil)

// CheckRole implements provider.RoleChecker: a role naming repositories
// needs a server that can restrict a token to them, so a role asking for
// what the server cannot do is refused at write rather than at each creds
// request.
func (c *Client) CheckRole(ctx context.Context, _ string, doc provider.Scope) error {
	s, err := scopeOf(doc)
	if err != nil {
		return invalid(err)
	}
	if len(s.Repositories) == 0 {
		return nil
	}
	return c.checkRestriction(ctx)
}

// checkRestriction says whether the server can restrict a token to
// repositories.
func (c *Client) checkRestriction(ctx context.Context) error {
	info, err := c.Server(ctx)
	if err != nil {
		return err
	}
	if !info.Restricts {
		return invalid(errNoRestriction(info))
	}
	return nil
}

func errNoRestriction(info ServerInfo) error {
	kind := "Gitea"
	if info.Forgejo {
		kind = "Forgejo"
	}
	return fmt.Errorf("repositories cannot be restricted on this server (%s %s): only Forgejo v%d.0 and later can limit a token to repositories, and Gitea would silently issue a token for every repository the bot account reaches; remove repositories from the role, or give the bot account access to only the repositories the role needs",
		kind, info.Version, forgejoRestrictsFrom)
}
