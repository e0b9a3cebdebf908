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
		{"token only", &provider.Connection{Token: "glpat-x"}, ""},
		{"full", &provider.Connection{Token: "glpat-x", BaseURL: "https://gitlab.example.com/", CACert: ca, RegistryHost: "gitlab.example.com:5050"}, ""},
		{"api root", &provider.Connection{Token: "glpat-x", BaseURL: "https://gitlab.example.com/api/v4"}, ""},
		{"nil", nil, "connection is required"},
		{"no token", &provider.Connection{}, "token is required"},
		{"blank token", &provider.Connection{Token: "  "}, "token is required"},
		{"token with newline", &provider.Connection{Token: "glpat-x\n"}, "must not contain spaces"},
		{"bad scheme", &provider.Connection{Token: "glpat-secret-value", BaseURL: "ftp://gitlab.example.com"}, "must start with https://"},
		{"no scheme", &provider.Connection{Token: "glpat-secret-value", BaseURL: "gitlab.example.com"}, "must start with https://"},
		{"no host", &provider.Connection{Token: "glpat-secret-value", BaseURL: "https://"}, "has no host"},
		{"user info", &provider.Connection{Token: "glpat-secret-value", BaseURL: "https://u:p@gitlab.example.com"}, "must not contain a user name"},
		{"query", &provider.Connection{Token: "glpat-secret-value", BaseURL: "https://gitlab.example.com/?x=1"}, "must not have a query"},
		{"bad ca", &provider.Connection{Token: "glpat-secret-value", CACert: "not a pem"}, "ca_cert holds no PEM certificate"},
		{"registry with scheme", &provider.Connection{Token: "glpat-secret-value", RegistryHost: "https://registry.example.com"}, "registry_host must be a host name"},
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
			if tc.conn != nil && tc.conn.Token != "" && strings.Contains(err.Error(), tc.conn.Token) {
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
