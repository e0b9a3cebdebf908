// Package gitea issues access tokens on Gitea and Forgejo through a bot
// account: the engine signs in with the account's username and password
// (token management on these servers takes basic auth only) and creates
// one scoped access token per lease, deleting it at lease end.
//
// The package has two halves. The local half (kind.go, connection.go,
// fields.go, scope.go, scopes.go, help.go) holds Gitea's own documents (the
// connection's Settings, the role's Scope), its Vault fields and help, and
// checks connections and role scopes without the network, so a wrong role
// is a 400 before any call. The client half
// (client.go and one file per call) talks to the server through
// code.gitea.io/sdk/gitea over a transport whose retries live in
// internal/httpretry, which never repeats a request the server may have
// acted on; plain HTTP is used only where the SDK has no field for what is
// sent (Forgejo's repository restriction, create.go).
//
// A Gitea token reaches everything its user reaches, within its scopes:
// Gitea cannot restrict a token to repositories, and Forgejo can from v15.0
// (server.go says how the engine tells them apart). Tokens on either take
// no expiry, so the lease, and its revocation, is the only bound.
package gitea

import (
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/httpretry"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// TokenTypeAccess is the one token type: an access token of the bot
// account. "access" is what Gitea and Forgejo call it ("Access Tokens" in
// the user settings, AccessToken in the API); "personal" would suggest a
// token for a person the role names, which this is not.
const TokenTypeAccess = "access"

// Kind is the Gitea/Forgejo provider. Its zero value is ready to use.
type Kind struct{}

var _ provider.Kind = Kind{}

// Name implements provider.Kind.
func (Kind) Name() string { return "gitea" }

// DefaultBaseURL implements provider.Kind: none, Gitea is self-hosted and
// base_url is required.
func (Kind) DefaultBaseURL() string { return "" }

// DefaultRegistryHost implements provider.Kind: none; the registry is on
// the server's own host (the client names it).
func (Kind) DefaultRegistryHost() string { return "" }

// TokenTypes implements provider.Kind.
func (Kind) TokenTypes() []string { return []string{TokenTypeAccess} }

// MaxTTL implements provider.Kind: zero, Gitea and Forgejo access tokens
// never expire on their own (CreateAccessTokenOption has no expiry).
func (Kind) MaxTTL(string) time.Duration { return 0 }

// NewClient implements provider.Kind.
func (Kind) NewClient(c *provider.Connection, opts provider.Options) (provider.Client, error) {
	g, err := connectionOf(c)
	if err != nil {
		return nil, err
	}
	return newClient(g, opts, httpretry.DefaultPolicy())
}

// NewClient builds a client for a Gitea connection document.
func NewClient(c Connection, opts provider.Options) (*Client, error) {
	return newClient(c, opts, httpretry.DefaultPolicy())
}
