package gitsecrets

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/vault/sdk/logical"
)

// GitHub: App keys cannot be created through the API, so a connection holds
// the signing key and, behind it, keys the operator generated on the App's
// settings page and staged. Rotation moves signing to the next staged key,
// after GitHub accepted it, and drops the key that signed until then; the
// operator deletes that one on GitHub (docs/rotation.md).

// maxAppKeys is GitHub's limit on an App's private keys.
const maxAppKeys = 25

func (b *backend) rotateGitHubKey(ctx context.Context, s logical.Storage, conn *connection) (*connection, error) {
	if len(conn.PrivateKeys) < 2 {
		return nil, fmt.Errorf("%w: GitHub App keys cannot be created through GitHub's API; generate one on the App's settings page, "+
			"add it with staged_private_keys on config/%s, then rotate", errNoStagedKey, conn.Name)
	}
	kind, err := b.kind(conn.Provider)
	if err != nil {
		return nil, err
	}
	next := *conn
	next.PrivateKeys = slices.Clone(conn.PrivateKeys[1:])
	client, err := kind.NewClient(next.providerConnection(), b.providerOptions())
	if err != nil {
		return nil, fmt.Errorf("the next staged key: %w", err)
	}
	info, err := client.Verify(ctx)
	if err != nil {
		return nil, fmt.Errorf("GitHub did not accept the next staged key (%s), so the current key keeps signing: %w",
			keyFingerprint(conn, 1), err)
	}
	now := b.now()
	next.Credential = info
	next.VerifiedAt = now.UTC()
	next.Rotation.succeeded(next.rotationSpec(), now)
	// The key that signed until now still works at GitHub, so a failed write
	// leaves a working connection behind.
	if err := b.storeConnection(ctx, s, &next); err != nil {
		return nil, err
	}
	b.setClient(&next, client)
	return &next, nil
}

// keyFingerprints are the fingerprints of a GitHub connection's keys, the
// signing key first, as GitHub accepted them at the last check.
func keyFingerprints(conn *connection) []string {
	raw, _ := conn.Credential["key_fingerprints"]
	var out []string
	switch v := raw.(type) {
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

func keyFingerprint(conn *connection, i int) string {
	if fps := keyFingerprints(conn); i < len(fps) {
		return fps[i]
	}
	return fmt.Sprintf("key %d", i+1)
}
