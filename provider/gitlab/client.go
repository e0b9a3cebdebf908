package gitlab

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/hashicorp/go-hclog"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/apiclient"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/httpretry"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// client talks to one connection's GitLab instance with its token.
type client struct {
	api *gitlab.Client
	// rotateAPI is api with a longer wait for answers, for the one call
	// whose lost answer would cost the connection its token (RotateSelf).
	rotateAPI *gitlab.Client
	// secret is the connection's token, kept only to scrub it from any
	// message GitLab or a proxy might echo back.
	secret string
	now    func() time.Time
	log    hclog.Logger
	// ids caches what role paths resolve to, so Issue is one call.
	ids *idCache
	// registry is the registry host GitLab names for the instance; nil
	// when the connection has its own (registry_host, or gitlab.com's).
	registry *registryCache
}

var (
	_ provider.Client       = (*client)(nil)
	_ provider.StatusClient = (*client)(nil)
	_ selfRotator           = (*client)(nil)
)

// noLimit switches off client-go's client-side rate limiter: rate limits
// are honoured from GitLab's answers, in httpretry.
type noLimit struct{}

func (noLimit) Wait(context.Context) error { return nil }

func newClient(c *provider.Connection, opts provider.Options, policy httpretry.Policy) (*client, error) {
	if err := (Kind{}).ValidateConnection(c); err != nil {
		return nil, err
	}
	now, log := opts.Clock(), opts.Log()
	base := Kind{}.DefaultBaseURL()
	if c.BaseURL != "" {
		base = c.BaseURL
	}
	base, err := instanceURL(base)
	if err != nil {
		return nil, err
	}

	hc, rotateHC, err := apiclient.Clients(c.CACert, opts, policy)
	if err != nil {
		return nil, err
	}
	s, err := settingsOf(c)
	if err != nil {
		return nil, err
	}
	api, err := newAPI(s.Token, base, hc, opts.UserAgent)
	if err != nil {
		return nil, err
	}
	rotateAPI, err := newAPI(s.Token, base, rotateHC, opts.UserAgent)
	if err != nil {
		return nil, err
	}
	cl := &client{api: api, rotateAPI: rotateAPI, secret: s.Token, now: now, log: log, ids: newIDCache(now)}
	if c.RegistryHost == "" && provider.PublicRegistryHost(Kind{}, c.BaseURL) == "" {
		cl.registry = &registryCache{now: now}
	}
	return cl, nil
}

func newAPI(token, base string, hc *http.Client, userAgent string) (*gitlab.Client, error) {
	options := []gitlab.ClientOptionFunc{
		gitlab.WithBaseURL(base),
		gitlab.WithHTTPClient(hc),
		// client-go retries 429 and 5xx by default, a POST included, which
		// can mint a second token. httpretry below decides instead.
		gitlab.WithoutRetries(),
		gitlab.WithCustomRetryMax(0),
		gitlab.WithCustomLimiter(noLimit{}),
		gitlab.WithURLWarningLogger(slog.New(slog.DiscardHandler)),
	}
	if userAgent != "" {
		options = append(options, gitlab.WithUserAgent(userAgent))
	}
	return gitlab.NewClient(token, options...)
}

// Verify implements provider.Client: it reads the connection's own token
// (GET /personal_access_tokens/self, which also answers for group and
// project access tokens) and the instance version.
func (c *client) Verify(ctx context.Context) (provider.CredentialInfo, error) {
	self, resp, err := c.api.PersonalAccessTokens.GetSinglePersonalAccessToken(gitlab.WithContext(ctx))
	if err != nil {
		return nil, c.fail("read the connection's token", resp, err)
	}
	version, resp, err := c.api.Version.GetVersion(gitlab.WithContext(ctx))
	if err != nil {
		return nil, c.fail("read the GitLab version", resp, err)
	}
	info := credentialInfo(self)
	info["gitlab_version"] = version.Version
	return info, nil
}

// credentialInfo describes a token GitLab returned, never including it.
func credentialInfo(t *gitlab.PersonalAccessToken) provider.CredentialInfo {
	info := provider.CredentialInfo{
		"token_id":   t.ID,
		"token_name": t.Name,
		"scopes":     t.Scopes,
		"user_id":    t.UserID,
		"active":     t.Active,
	}
	if t.ExpiresAt != nil {
		info["expires_at"] = time.Time(*t.ExpiresAt).UTC()
	}
	if t.CreatedAt != nil {
		info["created_at"] = t.CreatedAt.UTC()
	}
	return info
}
