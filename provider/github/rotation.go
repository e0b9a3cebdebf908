package github

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// App keys cannot be created through GitHub's API, so a connection holds the
// signing key and, behind it, keys the operator generated on the App's
// settings page and staged. Rotation moves signing to the next staged key,
// after GitHub accepted it, and drops the key that signed until then; the
// operator deletes that one on GitHub (docs/rotation.md).

// maxAppKeys is GitHub's limit on an App's private keys.
const maxAppKeys = 25

// CredentialLifetime implements provider.Kind: App keys do not expire.
func (Kind) CredentialLifetime(*provider.Connection) (lifetime, limit time.Duration) { return 0, 0 }

// RotateCredential implements provider.Kind. The key that signed until now
// still works at GitHub, so a failed write of the result loses nothing.
func (Kind) RotateCredential(ctx context.Context, c *provider.Connection, prev provider.CredentialInfo, _ time.Time, newClient provider.NewClientFunc) (*provider.Rotation, error) {
	s, err := settingsOf(c)
	if err != nil {
		return nil, err
	}
	if len(s.PrivateKeys) < 2 {
		return nil, fmt.Errorf("%w: GitHub App keys cannot be created through GitHub's API; generate one on the App's settings page, "+
			"add it with staged_private_keys on config/%s, then rotate", provider.ErrNoNextCredential, c.Name)
	}
	s.PrivateKeys = slices.Clone(s.PrivateKeys[1:])
	next := withSettings(*c, s)
	client, err := newClient(next)
	if err != nil {
		return nil, fmt.Errorf("the next staged key: %w", err)
	}
	info, err := client.Verify(ctx)
	if err != nil {
		return nil, fmt.Errorf("GitHub did not accept the next staged key (%s), so the current key keeps signing: %w",
			keyFingerprint(prev, 1), err)
	}
	return &provider.Rotation{Connection: next, Info: info, Client: client}, nil
}

// RotationWarnings implements provider.Kind.
func (Kind) RotationWarnings(c *provider.Connection, _ provider.CredentialInfo) []string {
	if s, _ := settingsOf(c); len(s.PrivateKeys) < 2 {
		return []string{"no staged key: scheduled rotations move signing to the next staged key and will fail until one is added with staged_private_keys"}
	}
	return nil
}

// CheckConnection implements provider.Kind: no key twice, and every staged
// key accepted by GitHub, so that rotation never moves to a key GitHub
// refuses.
func (Kind) CheckConnection(ctx context.Context, c *provider.Connection, info provider.CredentialInfo, written func(string) bool, newClient provider.NewClientFunc) error {
	// One key twice (the signing key staged again, or one key in two PEM
	// forms): rotating to it would change nothing.
	seen := map[string]int{}
	for i, fp := range keyFingerprints(info) {
		if j, dup := seen[fp]; dup {
			return fmt.Errorf("key %d (%s) is the same key as key %d; give each key once", i+1, fp, j+1)
		}
		seen[fp] = i
	}
	if !written("staged_private_keys") {
		return nil
	}
	s, err := settingsOf(c)
	if err != nil {
		return err
	}
	for i := 1; i < len(s.PrivateKeys); i++ {
		single := s
		single.PrivateKeys = s.PrivateKeys[i : i+1]
		client, err := newClient(withSettings(*c, single))
		if err == nil {
			_, err = client.Verify(ctx)
		}
		if err != nil {
			return fmt.Errorf("GitHub did not accept staged key %d (%s): %s; generate it on the App's settings page before staging it",
				i, keyFingerprint(info, i), err)
		}
	}
	return nil
}

// keyFingerprints are the fingerprints of a connection's keys, the signing
// key first, as Verify reported them (stored info has been through JSON).
func keyFingerprints(info provider.CredentialInfo) []string {
	var out []string
	switch v := info["key_fingerprints"].(type) {
	case []string:
		out = v
	case []any:
		for _, f := range v {
			if s, ok := f.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func keyFingerprint(info provider.CredentialInfo, i int) string {
	if fps := keyFingerprints(info); i < len(fps) {
		return fps[i]
	}
	return fmt.Sprintf("key %d", i+1)
}

// Credential implements provider.Kind: the signing key.
func (Kind) Credential(c *provider.Connection) string {
	if s, _ := settingsOf(c); len(s.PrivateKeys) > 0 {
		return s.PrivateKeys[0]
	}
	return ""
}

// SetCredential implements provider.Kind. A GitHub rotation is not Final:
// it moves signing to a staged key, and the old key keeps working.
func (Kind) SetCredential(*provider.Connection, string) error {
	return errors.New("a GitHub App key is not replaced by a final rotation")
}
