package github

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// TestBaseURLs drives every call through each form of base_url. The fake
// serves the root and /api/v3 only, so a dropped or doubled segment 404s.
func TestBaseURLs(t *testing.T) {
	t.Parallel()
	tests := map[string]func(f *fixture) string{
		"github.com style":        func(f *fixture) string { return f.fake.URL() },
		"github.com style, slash": func(f *fixture) string { return f.fake.URL() + "/" },
		"GHES without slash":      func(f *fixture) string { return f.fake.GHESURL() },
		"GHES with slash":         func(f *fixture) string { return f.fake.GHESURL() + "/" },
	}
	for name, baseURL := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			conn := f.conn
			conn.BaseURL = baseURL(f)
			c := f.clientFor(t, conn, provider.Options{})
			if _, err := c.Verify(context.Background()); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			tok, err := c.Issue(context.Background(), issueReq(Scope{Owner: "acme"}))
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			revoke(t, c, tok)
		})
	}
}

func TestEveryCallSendsGitHubsHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, userAgent, wantUA string
	}{
		{name: "default user agent", wantUA: "vault-plugin-secrets-git"},
		{name: "backend's user agent", userAgent: "vault-plugin-secrets-git/1.2.3 (vault 1.21.0)", wantUA: "vault-plugin-secrets-git/1.2.3 (vault 1.21.0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			rec := &headerRecorder{}
			conn := f.conn
			conn.BaseURL = f.frontDoor(t, func(h http.Handler) http.Handler { rec.next = h; return rec })
			c := f.clientFor(t, conn, provider.Options{UserAgent: tt.userAgent})
			if _, err := c.Verify(context.Background()); err != nil {
				t.Fatal(err)
			}
			tok, err := c.Issue(context.Background(), issueReq(Scope{Owner: "acme"}))
			if err != nil {
				t.Fatal(err)
			}
			revoke(t, c, tok)
			jwt, err := c.appToken()
			if err != nil {
				t.Fatal(err)
			}

			reqs := rec.requests()
			if len(reqs) != 4 {
				t.Fatalf("saw %d requests, want 4 (app, lookup, create, revoke)", len(reqs))
			}
			for _, r := range reqs {
				h := r.header
				if h.Get("User-Agent") != tt.wantUA || h.Get("Accept") != "application/vnd.github+json" || h.Get("X-GitHub-Api-Version") != "2022-11-28" {
					t.Errorf("%s %s: User-Agent %q, Accept %q, X-GitHub-Api-Version %q", r.method, r.path, h.Get("User-Agent"), h.Get("Accept"), h.Get("X-GitHub-Api-Version"))
				}
				want := "Bearer " + jwt
				if r.method == http.MethodDelete {
					want = "Bearer " + tok.Token
				}
				if h.Get("Authorization") != want {
					t.Errorf("%s %s: wrong credential", r.method, r.path)
				}
			}
		})
	}
}

func TestCACert(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	srv := httptest.NewTLSServer(f.fake.Handler())
	t.Cleanup(srv.Close)
	serverCA := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))

	tests := []struct {
		name    string
		caCert  string
		opts    provider.Options
		wantErr string
	}{
		{name: "the server's CA", caCert: serverCA},
		{name: "no CA: system roots", wantErr: "certificate"},
		{name: "another CA", caCert: testCAPEM(t), wantErr: "certificate"},
		{name: "the backend's HTTP client", opts: provider.Options{HTTPClient: srv.Client()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			conn := f.conn
			conn.BaseURL, conn.CACert = srv.URL, tt.caCert
			_, err := f.clientFor(t, conn, tt.opts).Verify(context.Background())
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Verify error = %v, want one about %q", err, tt.wantErr)
			}
		})
	}
}
