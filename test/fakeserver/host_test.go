package fakeserver_test

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

var hello = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	_, _ = io.WriteString(w, "hello")
})

func TestHostLeakCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		leaks      []string
		allowLive  bool
		wantErrors []string
	}{
		{"nothing live", nil, false, nil},
		{"each leak fails the test", []string{"token 1 live", "token 2 live"}, false, []string{"token 1 live", "token 2 live"}},
		{"AllowLiveTokens", []string{"token 1 live"}, true, nil},
		{"a leak is not a format", []string{"100% live"}, false, []string{"100% live"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &fakeserver.RecordingTB{TB: t}
			h := fakeserver.NewHost()
			checked := false
			h.Start(rec, hello, func() []string {
				checked = true
				return tc.leaks
			})
			if tc.allowLive {
				h.AllowLiveTokens()
			}
			rec.RunCleanups()
			if !slices.Equal(rec.Errors, tc.wantErrors) {
				t.Errorf("reported %q, want %q", rec.Errors, tc.wantErrors)
			}
			if checked == tc.allowLive {
				t.Errorf("leaks consulted: %v, with AllowLiveTokens %v", checked, tc.allowLive)
			}
		})
	}
}

func TestHostLifecycle(t *testing.T) {
	t.Parallel()
	h := fakeserver.NewHost()
	if h.URL() != "" {
		t.Fatalf("URL before Start: %q", h.URL())
	}
	rec := &fakeserver.RecordingTB{TB: t}
	h.Start(rec, hello, func() []string { return nil })
	resp, err := http.Get(h.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hello" {
		t.Fatalf("served %q", body)
	}
	select {
	case <-h.Done():
		t.Fatal("Done closed while serving")
	default:
	}

	rec.RunCleanups() // the end of the test closes the server
	<-h.Done()
	if _, err := http.Get(h.URL() + "/"); err == nil {
		t.Error("server still answering after the test's end")
	}
	h.Close() // a second Close is harmless
}

func TestHostCloseWithoutStart(t *testing.T) {
	t.Parallel()
	h := fakeserver.NewHost()
	h.Close()
	h.Close()
	<-h.Done()
}

// A fake served over TLS with a private CA's certificate is reachable by a
// client that trusts the CA, and by no other.
func TestHostStartTLSWithPrivateCA(t *testing.T) {
	t.Parallel()
	ca := fakeserver.NewPrivateCA(t)
	h := fakeserver.NewHost()
	h.StartTLS(t, hello, func() []string { return nil }, ca.ServerCert)
	if !strings.HasPrefix(h.URL(), "https://127.0.0.1:") {
		t.Fatalf("URL %q, want https://127.0.0.1:PORT", h.URL())
	}
	if _, err := http.Get(h.URL()); err == nil {
		t.Fatal("a client that does not trust the CA got through")
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(ca.CertPEM)) {
		t.Fatal("CertPEM is not a PEM certificate")
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := c.Get(h.URL())
	if err != nil {
		t.Fatalf("a client that trusts the CA: %v", err)
	}
	defer resp.Body.Close()
	if body, _ := io.ReadAll(resp.Body); string(body) != "hello" {
		t.Fatalf("body %q", body)
	}
}
