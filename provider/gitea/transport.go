package gitea

import (
	"crypto/tls"
	"net/http"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/httpretry"
)

// Header timeouts: how long one attempt waits for the server's answer.
const (
	requestHeaderTimeout = 30 * time.Second
	// A password change the server makes but answers too late for leaves
	// the engine probing which password works (rotate.go); it gets most of
	// Vault's 90 s request timeout.
	rotateHeaderTimeout = 80 * time.Second
)

// newHTTPClient builds a pooled client under httpretry, which does all
// waiting and retrying, trusting only caPEM when it is set. Redirects are
// not followed: the request carries the bot's password in its
// Authorization header. (The same shape as provider/gitlab's transport;
// to be shared once the provider seam lands.)
func newHTTPClient(caPEM string, policy httpretry.Policy, headerTimeout time.Duration) (*http.Client, error) {
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConns = 64
	base.MaxIdleConnsPerHost = 64
	base.IdleConnTimeout = 90 * time.Second
	base.TLSHandshakeTimeout = 10 * time.Second
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
