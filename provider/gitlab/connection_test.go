package gitlab

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

func TestValidateConnection(t *testing.T) {
	t.Parallel()
	ca := testCAPEM(t)
	tests := []struct {
		name    string
		conn    *provider.Connection
		wantErr string
	}{
		{"token only", withToken(provider.Connection{}, "glpat-x"), ""},
		{"full", withToken(provider.Connection{BaseURL: "https://gitlab.example.com/", CACert: ca, RegistryHost: "gitlab.example.com:5050"}, "glpat-x"), ""},
		{"api root", withToken(provider.Connection{BaseURL: "https://gitlab.example.com/api/v4"}, "glpat-x"), ""},
		{"nil", nil, "connection is required"},
		{"no token", &provider.Connection{}, "token is required"},
		{"blank token", withToken(provider.Connection{}, "  "), "token is required"},
		{"token with newline", withToken(provider.Connection{}, "glpat-x\n"), "must not contain spaces"},
		{"bad scheme", withToken(provider.Connection{BaseURL: "ftp://gitlab.example.com"}, "glpat-secret-value"), "must start with https://"},
		{"no scheme", withToken(provider.Connection{BaseURL: "gitlab.example.com"}, "glpat-secret-value"), "must start with https://"},
		{"no host", withToken(provider.Connection{BaseURL: "https://"}, "glpat-secret-value"), "has no host"},
		{"user info", withToken(provider.Connection{BaseURL: "https://u:p@gitlab.example.com"}, "glpat-secret-value"), "must not contain a user name"},
		{"query", withToken(provider.Connection{BaseURL: "https://gitlab.example.com/?x=1"}, "glpat-secret-value"), "must not have a query"},
		{"bad ca", withToken(provider.Connection{CACert: "not a pem"}, "glpat-secret-value"), "ca_cert holds no PEM certificate"},
		{"registry with scheme", withToken(provider.Connection{RegistryHost: "https://registry.example.com"}, "glpat-secret-value"), "registry_host must be a host name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := Kind{}.ValidateConnection(tc.conn)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
			}
			if tc.conn != nil && tokenOf(tc.conn) != "" && strings.Contains(err.Error(), tokenOf(tc.conn)) {
				t.Fatal("the error echoes the token")
			}
		})
	}
}

func TestNewClientRejectsBadConnection(t *testing.T) {
	t.Parallel()
	if _, err := (Kind{}).NewClient(&provider.Connection{}, provider.Options{}); err == nil {
		t.Fatal("a connection without a token gave a client")
	}
}

// testCAPEM makes a throwaway self-signed CA certificate.
func testCAPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
