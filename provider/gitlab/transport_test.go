package gitlab

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/apiclient"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/httpretry"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
)

// TestCACert: a self-managed GitLab with its own CA works when ca_cert
// names that CA, and only then.
func TestCACert(t *testing.T) {
	t.Parallel()
	fake := fakegitlab.New(fakegitlab.Options{})
	srv := httptest.NewTLSServer(fake.Handler())
	t.Cleanup(func() {
		srv.Close()
		fake.Close()
	})
	admin := fake.AddUser("root", true)
	token, _ := fake.AddPersonalToken(admin, "vault", []string{"api"}, time.Time{})
	ca := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))

	for _, tc := range []struct {
		name   string
		caCert string
		wantOK bool
	}{
		{"trusted", ca, true},
		{"system roots only", "", false},
		{"another CA", testCAPEM(t), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := newClient(withToken(provider.Connection{BaseURL: srv.URL, CACert: tc.caCert}, token), provider.Options{},
				httpretry.Policy{Attempts: 1})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Verify(context.Background())
			if (err == nil) != tc.wantOK {
				t.Fatalf("Verify: %v, want ok=%v", err, tc.wantOK)
			}
			requireNoSecret(t, err, token)
		})
	}
}

// TestNoRedirects: a redirect is not followed, so the PRIVATE-TOKEN header
// never travels to another host.
func TestNoRedirects(t *testing.T) {
	t.Parallel()
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the redirect was followed, with PRIVATE-TOKEN present: %v", r.Header.Get("PRIVATE-TOKEN") != "")
	}))
	t.Cleanup(elsewhere.Close)
	redirector := httptest.NewServer(http.RedirectHandler(elsewhere.URL+"/api/v4/version", http.StatusFound))
	t.Cleanup(redirector.Close)
	c, err := newClient(withToken(provider.Connection{BaseURL: redirector.URL}, "glpat-redirect-test"), provider.Options{}, httpretry.Policy{Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Verify(context.Background()); err == nil {
		t.Fatal("Verify succeeded through a redirect")
	}
}

// The self-rotation waits longer for GitLab's answer than other calls: an
// answer lost there costs the connection its token.
func TestRotateWaitsLongerForAnAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	headerTimeout := func(api interface{ HTTPClient() *http.Client }) time.Duration {
		t.Helper()
		rt, ok := api.HTTPClient().Transport.(*httpretry.Transport)
		if !ok {
			t.Fatalf("transport is %T, want httpretry's", api.HTTPClient().Transport)
		}
		base, ok := rt.Base.(*http.Transport)
		if !ok {
			t.Fatalf("base transport is %T", rt.Base)
		}
		return base.ResponseHeaderTimeout
	}
	if got := headerTimeout(e.client.api); got != apiclient.RequestHeaderTimeout {
		t.Errorf("calls wait %s for an answer, want %s", got, apiclient.RequestHeaderTimeout)
	}
	if got := headerTimeout(e.client.rotateAPI); got != apiclient.RotateHeaderTimeout || got >= 90*time.Second {
		t.Errorf("the self-rotation waits %s, want %s, inside Vault's 90 s request timeout", got, apiclient.RotateHeaderTimeout)
	}
}
