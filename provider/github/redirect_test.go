package github

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// An https GitHub (Enterprise Server behind a misconfigured proxy, or one
// hostile to the engine) that redirects to plain http on the same host: Go
// forwards the Authorization header to a redirect on the same host whatever
// the scheme, so the App's JWT (which mints tokens for every installation)
// would cross the network in clear, past the https-only base_url check.
func TestRedirectToPlainHTTPCarriesNoCredential(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var mu sync.Mutex
	var leaked []string
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := r.Header.Get("Authorization"); a != "" {
			mu.Lock()
			leaked = append(leaked, r.Method+" "+r.URL.Path)
			mu.Unlock()
		}
		f.fake.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(plain.Close)
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	t.Cleanup(secure.Close)
	conn := f.conn
	conn.BaseURL = secure.URL
	conn.CACert = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: secure.Certificate().Raw}))
	c := f.clientFor(t, conn, provider.Options{})

	tok, err := c.Issue(context.Background(), issueReq(Scope{Owner: "acme"}))
	if err == nil {
		_ = c.Revoke(context.Background(), tok.Handle)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(leaked) > 0 {
		t.Fatalf("the credential was sent over plain http after a redirect: %v", leaked)
	}
	if err == nil {
		t.Fatal("Issue followed a redirect from https to http")
	}
}
