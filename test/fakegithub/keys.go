package fakegithub

import (
	"crypto/rand"
	"crypto/rsa"
	"testing"
)

// GenerateKey returns a new 2048-bit RSA key, the size GitHub issues for
// Apps. Each call makes a different key, so a test can hold a key the fake
// does not accept; nothing is cached between calls.
func GenerateKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("fakegithub: generate RSA key: %v", err)
	}
	return key
}
