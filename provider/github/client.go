package github

import (
	"context"
	"crypto/rsa"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	gogithub "github.com/google/go-github/v75/github"
	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-hclog"
	"golang.org/x/sync/singleflight"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/apiclient"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/httpretry"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

const (
	defaultUserAgent = "vault-plugin-secrets-git"
	acceptHeader     = "application/vnd.github+json"
	apiVersion       = "2022-11-28"
	// requestTimeout bounds one call, its retries included, inside Vault's
	// 90 s request timeout.
	requestTimeout = 60 * time.Second
	// maxIdleConns is how many keep-alive connections to GitHub stay open.
	maxIdleConns = 64
)

// client is one connection's GitHub App. It is safe for concurrent use.
type client struct {
	gh     *gogithub.Client
	now    func() time.Time
	logger hclog.Logger

	// The App's identity; empty in a revoke-only client.
	appID  int64
	issuer string
	keys   []*rsa.PrivateKey // keys[0] signs

	jwtMu sync.Mutex
	jwt   appJWT

	installMu sync.Mutex
	installs  map[string]installation // by lower-cased owner
	repoLists map[int64]repoList      // by installation id; guarded by installMu
	// repoListFetch shares one listing among requests that miss the
	// cache together.
	repoListFetch singleflight.Group
}

var _ provider.Client = (*client)(nil)

// newClient builds the client. policy replaces the retry policy in tests
// (to record waits instead of sleeping); nil uses httpretry's default.
func newClient(c *provider.Connection, opts provider.Options, policy *httpretry.Policy) (*client, error) {
	now, logger := opts.Clock(), opts.Log()
	s, err := settingsOf(c)
	if err != nil {
		return nil, err
	}
	keys, err := parsePrivateKeys(s.PrivateKeys)
	if err != nil {
		return nil, err
	}
	base := c.BaseURL
	if base == "" {
		base = Kind{}.DefaultBaseURL()
	}
	root, err := apiRoot(base)
	if err != nil {
		return nil, err
	}
	p := httpretry.DefaultPolicy()
	if policy != nil {
		p = *policy
	}
	if p.Sleep == nil {
		p.Sleep = opts.Sleep
	}
	if p.Now == nil {
		// Rate-limit reset headers are epochs on GitHub's clock.
		p.Now = now
	}
	hc, err := httpClient(c, opts, p)
	if err != nil {
		return nil, err
	}

	gh := gogithub.NewClient(hc)
	gh.BaseURL = root
	gh.UserAgent = opts.UserAgent
	if gh.UserAgent == "" {
		gh.UserAgent = defaultUserAgent
	}
	// Waiting on rate limits is httpretry's job. go-github's own check
	// would refuse calls by the wall clock and share one quota across
	// installations, which GitHub counts separately.
	gh.DisableRateLimitCheck = true

	issuer := s.ClientID
	if issuer == "" && s.AppID > 0 {
		issuer = formatInt(s.AppID)
	}
	return &client{
		gh:        gh,
		now:       now,
		logger:    logger,
		appID:     s.AppID,
		issuer:    issuer,
		keys:      keys,
		installs:  map[string]installation{},
		repoLists: map[int64]repoList{},
	}, nil
}

// httpClient is one pooled, keep-alive client per connection, retrying
// through httpretry. A client the backend hands in keeps its own transport
// (and so its own TLS settings) under the same retry policy.
func httpClient(c *provider.Connection, opts provider.Options, p httpretry.Policy) (*http.Client, error) {
	if opts.HTTPClient != nil {
		hc := *opts.HTTPClient
		hc.Transport = &httpretry.Transport{Base: hc.Transport, Policy: p}
		hc.CheckRedirect = sameOrigin
		return &hc, nil
	}
	t := cleanhttp.DefaultPooledTransport()
	// Vault runs creds requests and lease revocations concurrently (up to
	// a few hundred at a mass expiry); the pooled default keeps only a few
	// idle connections per host, so most calls would open (and, against
	// GitHub, handshake) a new one.
	t.MaxIdleConns = maxIdleConns
	t.MaxIdleConnsPerHost = maxIdleConns
	if c.CACert != "" {
		pool, err := apiclient.CertPool(c.CACert)
		if err != nil {
			return nil, err
		}
		t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{
		Transport:     &httpretry.Transport{Base: t, Policy: p},
		Timeout:       requestTimeout,
		CheckRedirect: sameOrigin,
	}, nil
}

// sameOrigin follows a redirect only to the scheme and host of the first
// request (GitHub's 301 for a renamed repository stays on the API host).
// Go forwards Authorization to any redirect on the same host, https to
// http included, and to its subdomains: the App's JWT or a token would
// leave over plain http or to another server.
func sameOrigin(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	if req.URL.Scheme != first.Scheme || !strings.EqualFold(req.URL.Host, first.Host) {
		return fmt.Errorf("GitHub redirected %s %s to another origin (%s://%s); not followed, since the request carries the connection's credential",
			via[0].Method, first.Path, req.URL.Scheme, req.URL.Host)
	}
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	return nil
}

// do sends one API call authenticated with credential (a JWT or an
// installation token) and decodes a JSON answer into v (or copies it raw
// when v is an io.Writer). Failures come back as *provider.Error with
// GitHub's message, never the credential.
func (c *client) do(ctx context.Context, action, method, path string, body any, credential string, v any) error {
	req, err := c.gh.NewRequest(method, path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", acceptHeader)
	req.Header.Set("X-GitHub-Api-Version", apiVersion)
	req.Header.Set("Authorization", "Bearer "+credential)
	if _, err := c.gh.Do(ctx, req, v); err != nil {
		return apiError(action, err, credential)
	}
	return nil
}

// asApp sends one call authenticated as the App. A 401 drops the cached
// JWT, so the next call signs a fresh one.
func (c *client) asApp(ctx context.Context, action, method, path string, body any, v any) error {
	token, err := c.appToken()
	if err != nil {
		return err
	}
	err = c.do(ctx, action, method, path, body, token, v)
	if statusOf(err) == http.StatusUnauthorized {
		c.forgetAppToken(token)
	}
	return err
}
