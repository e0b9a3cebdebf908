package gitlab

import (
	"crypto/tls"
	"net/http"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/httpretry"
)

// Header timeouts: how long one attempt waits for GitLab's answer to begin.
const (
	requestHeaderTimeout = 30 * time.Second
	// A self-rotation GitLab carries out but answers too late for the
	// engine revokes the old token and loses the new one, leaving the
	// connection without a working credential; it gets all of Vault's
	// 90 s request timeout but a margin.
	rotateHeaderTimeout = 80 * time.Second
)

// newHTTPClient builds an HTTP client for a connection: a pooled,
// keep-alive transport (trusting only caPEM when it is set) under
// httpretry, which does all waiting and retrying. Redirects are not
// followed: Go would forward GitLab's PRIVATE-TOKEN header, which it does not
// know to be a secret, to wherever a redirect points.
func newHTTPClient(caPEM string, policy httpretry.Policy, headerTimeout time.Duration) (*http.Client, error) {
	base := http.DefaultTransport.(*http.Transport).Clone()
	// Creds requests and revocations arrive concurrently (a mass expiry
	// runs a few hundred at once): keep enough connections alive to reuse.
	base.MaxIdleConns = 64
	base.MaxIdleConnsPerHost = 64
	base.IdleConnTimeout = 90 * time.Second
	base.TLSHandshakeTimeout = 10 * time.Second
	// A GitLab that accepted the request but never answers must not hold a
	// Vault request past its own timeout; the caller's context bounds the
	// whole call, this bounds one attempt.
	base.ResponseHeaderTimeout = headerTimeout
	if caPEM != "" {
		pool, err := certPool(caPEM)
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
