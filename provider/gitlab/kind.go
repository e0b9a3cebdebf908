// Package gitlab issues GitLab tokens: project and group access tokens,
// project or group deploy tokens, and personal access tokens that an
// administrator creates for a user or service account.
//
// The package has two halves. The local half (kind.go, connection.go,
// scope.go, scopes.go, path.go, expiry.go) checks connections and role
// scopes without touching the network, so a wrong role is refused with a 400
// before any GitLab call. The client half (client.go and one file per call)
// talks to one connection's GitLab through client-go, with client-go's own
// retries and rate limiter switched off: every wait and retry happens in
// internal/httpretry, which never repeats a request GitLab may have acted on,
// so a create can never mint a second token.
//
// In the steady state an Issue is one HTTP call: the client caches what a
// role's path resolves to (a numeric project, group or user id) and keeps the
// numeric id in the Handle, so revocation survives renames.
package gitlab

import (
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/httpretry"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// Token types a GitLab role may issue.
const (
	// TokenTypeProject is a project access token (its own bot user).
	TokenTypeProject = "project"
	// TokenTypeGroup is a group access token (its own bot user).
	TokenTypeGroup = "group"
	// TokenTypeDeploy is a project or group deploy token, whichever the
	// role's path names.
	TokenTypeDeploy = "deploy"
	// TokenTypePersonal is a personal access token an administrator creates
	// for the user (or service account) the role's path names.
	TokenTypePersonal = "personal"
)

// maxLifetimeDays is GitLab's default cap on access-token lifetime: an
// expires_at later than today + 365 days (UTC) is refused.
const maxLifetimeDays = 365

// maxAccessTokenTTL is the longest lease an access or personal token can
// back. GitLab takes only a date and the token dies at 00:00 UTC on it; the
// engine asks for the first midnight after the lease's end, which must be at
// most today + 365 days. A lease of 364 days fits at any time of day; one of
// 365 days never does (its end is already on day 365, so its midnight is day
// 366). So the limit is 364 days, not GitLab's nominal 365.
const maxAccessTokenTTL = (maxLifetimeDays - 1) * 24 * time.Hour

// Kind is the GitLab provider. Its zero value is ready to use.
type Kind struct{}

var _ provider.Kind = Kind{}

// Name implements provider.Kind.
func (Kind) Name() string { return "gitlab" }

// DefaultBaseURL implements provider.Kind.
func (Kind) DefaultBaseURL() string { return "https://gitlab.com" }

// DefaultRegistryHost implements provider.Kind.
func (Kind) DefaultRegistryHost() string { return "registry.gitlab.com" }

// TokenTypes implements provider.Kind.
func (Kind) TokenTypes() []string {
	return []string{TokenTypeProject, TokenTypeGroup, TokenTypeDeploy, TokenTypePersonal, TokenTypeServiceAccount}
}

// MaxTTL implements provider.Kind. Access and personal tokens are bound by
// GitLab's 365-day cap on a date-only expiry (see maxAccessTokenTTL). Deploy
// tokens have no GitLab limit: they take a full datetime and may even never
// expire, so the engine's own TTLs are the only bound (zero), and the lease
// end is still passed to GitLab as the token's expiry.
func (Kind) MaxTTL(tokenType string) time.Duration {
	switch tokenType {
	case TokenTypeProject, TokenTypeGroup, TokenTypePersonal, TokenTypeServiceAccount:
		return maxAccessTokenTTL
	}
	return 0
}

// NewClient implements provider.Kind. The client it returns also implements
// provider.StatusClient and has RotateSelf for the connection's own token.
func (Kind) NewClient(c *provider.Connection, opts provider.Options) (provider.Client, error) {
	return newClient(c, opts, httpretry.DefaultPolicy())
}
