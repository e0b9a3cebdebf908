// Package github issues GitHub App installation tokens: short-lived tokens
// an App mints for one installation (an org or user account that installed
// it), optionally narrowed to some repositories and permissions.
//
// The package has three parts: local checks on connections and scopes
// (connection.go, scope.go, permissions.go), which never touch the network,
// and a Client (client.go and one file per call) that authenticates as the
// App with a cached JWT and caches each owner's installation id, so that a
// token costs one HTTP call in the steady state.
package github

import (
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// TokenTypeInstallation is the one token type GitHub Apps issue here.
const TokenTypeInstallation = "installation"

// installationTokenTTL is GitHub's fixed lifetime of an installation token.
const installationTokenTTL = time.Hour

// Kind is the GitHub provider. Its zero value is ready to use.
type Kind struct{}

var _ provider.Kind = Kind{}

// Name implements provider.Kind.
func (Kind) Name() string { return "github" }

// DefaultBaseURL implements provider.Kind.
func (Kind) DefaultBaseURL() string { return "https://api.github.com" }

// DefaultRegistryHost implements provider.Kind.
func (Kind) DefaultRegistryHost() string { return "ghcr.io" }

// TokenTypes implements provider.Kind.
func (Kind) TokenTypes() []string { return []string{TokenTypeInstallation} }

// MaxTTL implements provider.Kind: installation tokens live one hour and
// cannot be renewed.
func (Kind) MaxTTL(tokenType string) time.Duration {
	if tokenType == TokenTypeInstallation {
		return installationTokenTTL
	}
	return 0
}

// NewClient implements provider.Kind. A connection without private keys
// gives a client that can only revoke, which is what lease revocation needs
// once the connection's config is gone.
func (Kind) NewClient(c *provider.Connection, opts provider.Options) (provider.Client, error) {
	return newClient(c, opts, nil)
}
