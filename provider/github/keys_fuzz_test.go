package github

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
)

// FuzzParsePrivateKeys feeds arbitrary private_key and staged key values:
// parsing never panics, what it accepts is one usable RSA key per value,
// and a refusal never repeats any part of the (secret) key material.
func FuzzParsePrivateKeys(f *testing.F) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		f.Fatal(err)
	}
	pkcs1 := pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey))
	der, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	pkcs8 := pemBlock("PRIVATE KEY", der)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalECPrivateKey(ecKey)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	edDER, _ := x509.MarshalPKCS8PrivateKey(edKey)
	for _, s := range [][2]string{
		{pkcs1, ""}, {pkcs8, pkcs1}, {pkcs1 + pkcs8, ""}, {pkcs1 + "trailing", ""},
		{pemBlock("EC PRIVATE KEY", ecDER), ""}, {pemBlock("PRIVATE KEY", edDER), ""},
		{pemBlock("RSA PRIVATE KEY", []byte("not DER at all")), ""}, {pemBlock("CERTIFICATE", der), ""},
		{"-----BEGIN RSA PRIVATE KEY-----\n-----END RSA PRIVATE KEY-----", ""}, {"", ""}, {"ghp_notakey", "  "},
		{strings.Replace(pkcs1, "\n", "\r\n", -1), ""}, {pkcs1[:len(pkcs1)/2], ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, first, second string) {
		for _, pems := range [][]string{{first}, {first, second}} {
			keys, err := parsePrivateKeys(pems)
			if err != nil {
				for _, p := range pems {
					for _, line := range strings.Split(p, "\n") {
						// Key material is base64; a line of words and quotes such
						// as `"RSA PRIVATE KEY"` may be the message's own wording.
						if line = strings.TrimSpace(line); len(line) >= 16 && isBase64Text(line) && strings.Contains(err.Error(), line) {
							t.Fatalf("the refusal quotes key material %q: %v", line, err)
						}
					}
				}
				continue
			}
			if len(keys) != len(pems) {
				t.Fatalf("%d values gave %d keys", len(pems), len(keys))
			}
			for _, k := range keys {
				if k == nil || k.Validate() != nil {
					t.Fatal("accepted a key that is not a valid RSA key")
				}
				if fp := fingerprint(k); !strings.HasPrefix(fp, "SHA256:") || fp != fingerprint(k) {
					t.Fatalf("fingerprint %q", fp)
				}
			}
		}
	})
}

func pemBlock(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

// isBase64Text reports whether s holds only base64 characters, as PEM body
// lines do.
func isBase64Text(s string) bool {
	return strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") == ""
}
