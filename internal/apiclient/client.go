// Package apiclient holds what the providers' API clients share: the HTTP
// client a connection talks through, the checks of its base_url and
// ca_cert, and the reading of a refusal into a *provider.Error. What each
// provider's API says stays in its own package.
package apiclient

import (
	"crypto/tls"
	"net/http"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/httpretry"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// Header timeouts: how long one attempt waits for the server's answer to
// begin. The caller's context bounds the whole call, these one attempt, so
// a server that accepted a request but never answers does not hold a Vault
// request past its own timeout.
const (
	RequestHeaderTimeout = 30 * time.Second
	// A rotation of the engine's own credential that the server carries
	// out but answers too late for leaves the engine unsure which
	// credential works; it gets all of Vault's 90 s request timeout but a
	// margin.
	RotateHeaderTimeout = 80 * time.Second
)

// Clients are a connection's HTTP clients: call for every request, and
// rotate, which waits longer for an answer, for the one call that rotates
// the engine's own credential. A client the backend hands in
// (opts.HTTPClient) serves as both. Otherwise each is pooled under
// httpretry, which does all waiting and retrying, with opts' clock and
// sleep where policy names none, and trusts only caPEM when it is set.
func Clients(caPEM string, opts provider.Options, policy httpretry.Policy) (call, rotate *http.Client, err error) {
	if opts.HTTPClient != nil {
		return opts.HTTPClient, opts.HTTPClient, nil
	}
	if policy.Now == nil {
		policy.Now = opts.Now
	}
	if policy.Sleep == nil {
		policy.Sleep = opts.Sleep
	}
	if call, err = newHTTPClient(caPEM, policy, RequestHeaderTimeout); err != nil {
		return nil, nil, err
	}
	if rotate, err = newHTTPClient(caPEM, policy, RotateHeaderTimeout); err != nil {
		return nil, nil, err
	}
	return call, rotate, nil
}

// newHTTPClient builds a pooled, keep-alive client under httpretry.
// Redirects are not followed: Go would forward the credential's header (a
// token header it does not know to be a secret, or a password in
// Authorization) to wherever a redirect points.
func newHTTPClient(caPEM string, policy httpretry.Policy, headerTimeout time.Duration) (*http.Client, error) {
	base := http.DefaultTransport.(*http.Transport).Clone()
	// Creds requests and revocations arrive concurrently (a mass expiry
	// runs a few hundred at once): keep enough connections alive to reuse.
	base.MaxIdleConns = 64
	base.MaxIdleConnsPerHost = 64
	base.IdleConnTimeout = 90 * time.Second
	base.TLSHandshakeTimeout = 10 * time.Second
	base.ResponseHeaderTimeout = headerTimeout
	if caPEM != "" {
		pool, err := CertPool(caPEM)
		if err != nil {
			return nil, err
		}
		base.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{
		Transport: &httpretry.Transport{Base: base, Policy: policy},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}, nil
}
