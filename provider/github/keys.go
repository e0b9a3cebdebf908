package github

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// parsePrivateKeys reads the connection's keys in order. Errors name the
// key by position only: the PEM itself is a secret.
func parsePrivateKeys(pems []string) ([]*rsa.PrivateKey, error) {
	keys := make([]*rsa.PrivateKey, 0, len(pems))
	for i, p := range pems {
		k, err := parsePrivateKey(p)
		if err != nil {
			if len(pems) == 1 {
				return nil, fmt.Errorf("private_key: %w", err)
			}
			return nil, fmt.Errorf("private key %d: %w", i+1, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// parsePrivateKey accepts one RSA key as PKCS#1 ("RSA PRIVATE KEY", what
// GitHub hands out) or PKCS#8 ("PRIVATE KEY", what converting tools
// produce).
func parsePrivateKey(p string) (*rsa.PrivateKey, error) {
	block, rest := pem.Decode([]byte(strings.TrimSpace(p)))
	if block == nil {
		return nil, errors.New("not a PEM key; paste the .pem file GitHub generated, including the BEGIN and END lines")
	}
	if strings.TrimSpace(string(rest)) != "" {
		return nil, errors.New("has data after the key; give exactly one PEM key")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("is not a valid PKCS#1 RSA key")
		}
		return k, nil
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("is not a valid PKCS#8 key")
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("is a PKCS#8 %s key; GitHub App keys are RSA", keyAlgorithm(k))
		}
		return rk, nil
	case "EC PRIVATE KEY":
		return nil, errors.New("is an EC key; GitHub App keys are RSA (PKCS#1 or PKCS#8)")
	default:
		return nil, fmt.Errorf("is a PEM %q block; expected an RSA private key (\"RSA PRIVATE KEY\" or \"PRIVATE KEY\")", block.Type)
	}
}

func keyAlgorithm(k any) string {
	switch k.(type) {
	case *ecdsa.PrivateKey:
		return "EC"
	case ed25519.PrivateKey:
		return "Ed25519"
	case *ecdh.PrivateKey:
		return "ECDH"
	default:
		return "non-RSA"
	}
}

// fingerprint is the key's identity as GitHub's App settings page shows it:
// SHA256 of the DER (PKIX) public key, base64 encoded.
func fingerprint(k *rsa.PrivateKey) string {
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		// An RSA public key always marshals.
		return ""
	}
	sum := sha256.Sum256(der)
	return "SHA256:" + base64.StdEncoding.EncodeToString(sum[:])
}
