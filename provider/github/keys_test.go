package github

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"
)

func TestParsePrivateKey(t *testing.T) {
	t.Parallel()
	k := testKeys()[0]
	tests := []struct {
		name    string
		pem     string
		wantErr string
	}{
		{name: "PKCS#1 RSA", pem: pkcs1PEM(k)},
		{name: "PKCS#8 RSA", pem: pkcs8PEM(t, k)},
		{name: "surrounding whitespace", pem: "\n  " + pkcs1PEM(k) + "\n\n"},
		{name: "EC key", pem: ecPEM(t), wantErr: "is an EC key"},
		{name: "PKCS#8 EC key", pem: pkcs8PEM(t, ecKey(t)), wantErr: "PKCS#8 EC key"},
		{name: "PKCS#8 Ed25519 key", pem: ed25519PEM(t), wantErr: "PKCS#8 Ed25519 key"},
		{name: "garbage", pem: "not a key at all", wantErr: "not a PEM key"},
		{name: "empty", pem: "", wantErr: "not a PEM key"},
		{
			name:    "corrupt PKCS#1 body",
			pem:     string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte("nonsense")})),
			wantErr: "not a valid PKCS#1 RSA key",
		},
		{
			name:    "corrupt PKCS#8 body",
			pem:     string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("nonsense")})),
			wantErr: "not a valid PKCS#8 key",
		},
		{
			name:    "certificate",
			pem:     string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("x")})),
			wantErr: `PEM "CERTIFICATE" block`,
		},
		{name: "two keys in one entry", pem: pkcs1PEM(k) + pkcs1PEM(testKeys()[1]), wantErr: "data after the key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parsePrivateKey(tt.pem)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("parsePrivateKey: %v", err)
				}
				if !got.Equal(k) {
					t.Fatal("parsed a different key")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "MII") {
				t.Fatalf("error echoes key material: %v", err)
			}
		})
	}
}

func TestParsePrivateKeysNamesThePosition(t *testing.T) {
	t.Parallel()
	_, err := parsePrivateKeys([]string{pkcs1PEM(testKeys()[0]), "junk"})
	if err == nil || !strings.HasPrefix(err.Error(), "private key 2: ") {
		t.Fatalf("error = %v, want it to name key 2", err)
	}
	_, err = parsePrivateKeys([]string{"junk"})
	if err == nil || !strings.HasPrefix(err.Error(), "private_key: ") {
		t.Fatalf("error = %v, want it to name private_key", err)
	}
}

func TestFingerprintIsGitHubs(t *testing.T) {
	t.Parallel()
	k := testKeys()[0]
	// GitHub documents the fingerprint as
	// openssl rsa -in KEY -pubout -outform DER | openssl sha256 -binary | openssl base64
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	want := "SHA256:" + base64.StdEncoding.EncodeToString(sum[:])
	if got := fingerprint(k); got != want {
		t.Fatalf("fingerprint = %q, want %q", got, want)
	}
	fromPKCS8, err := parsePrivateKey(pkcs8PEM(t, k))
	if err != nil {
		t.Fatal(err)
	}
	if fingerprint(fromPKCS8) != want {
		t.Fatal("PKCS#1 and PKCS#8 forms of one key give different fingerprints")
	}
	if fingerprint(testKeys()[1]) == want {
		t.Fatal("two keys share a fingerprint")
	}
}
