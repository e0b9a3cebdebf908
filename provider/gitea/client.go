package gitea

import (
	"context"
	"net/http"
	"net/url"
	"time"

	sdk "code.gitea.io/sdk/gitea"
	"github.com/hashicorp/go-hclog"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/apiclient"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/httpretry"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// Client talks to one connection's server as its bot account.
type Client struct {
	base      string // server root, no trailing slash
	username  string
	userAgent string
	// The bot's password, and after an unconfirmed rotation the one before
	// it (password_fallback.go); read them through secret.
	pw passwords
	hc *http.Client
	// rotateHC waits longer for the one call whose lost answer leaves the
	// engine unsure of its own password (RotateSelf).
	rotateHC *http.Client
	now      func() time.Time
	log      hclog.Logger
	// registryHost is where the token logs in to pull images: the
	// connection's registry_host, else the server's own host.
	registryHost string
	server       *serverCache
}

var (
	_ provider.Client       = (*Client)(nil)
	_ provider.StatusClient = (*Client)(nil)
	_ provider.Reclaimer    = (*Client)(nil)
	_ passwordRotator       = (*Client)(nil)
)

func newClient(c Connection, opts provider.Options, policy httpretry.Policy) (*Client, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	base, err := serverURL(c.BaseURL)
	if err != nil {
		return nil, err
	}
	now, log := opts.Clock(), opts.Log()
	hc, rotateHC, err := apiclient.Clients(c.CACert, opts, policy)
	if err != nil {
		return nil, err
	}
	registry := c.RegistryHost
	if registry == "" {
		u, _ := url.Parse(base)
		registry = u.Host
	}
	return &Client{
		base: base, username: c.Username, pw: passwords{current: c.Password, previous: c.PreviousPassword}, userAgent: opts.UserAgent,
		hc: hc, rotateHC: rotateHC, now: now, log: log, registryHost: registry,
		server: &serverCache{now: now},
	}, nil
}

// api is an SDK client bound to ctx. The SDK keeps one context per client,
// so each call gets its own (they are a few fields; the HTTP client and its
// connections are shared). Version checks are off: server.go reads the
// version itself, and the SDK's check would cost a call per client.
func (c *Client) api(ctx context.Context) *sdk.Client {
	return c.apiAs(ctx, c.hc, c.secret(ctx))
}

func (c *Client) apiAs(ctx context.Context, hc *http.Client, password string) *sdk.Client {
	opts := []sdk.ClientOption{
		sdk.SetHTTPClient(hc), sdk.SetContext(ctx), sdk.SetGiteaVersion(""),
		sdk.SetBasicAuth(c.username, password),
	}
	if c.userAgent != "" {
		opts = append(opts, sdk.SetUserAgent(c.userAgent))
	}
	// NewClient fails only in a version check or an option, both off here.
	api, _ := sdk.NewClient(c.base, opts...)
	return api
}
