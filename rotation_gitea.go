package gitsecrets

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// rotateGiteaPassword is TEMP (pre-seam): the bot account's password,
// kept in the union's Token, changes through the admin API; the old one
// stops working when the server answers, so it is kept as GitLab's
// rotated token is (commitRotatedToken).
func (b *backend) rotateGiteaPassword(ctx context.Context, s logical.Storage, conn *connection) (*connection, error) {
	kind, err := b.kind(conn.Provider)
	if err != nil {
		return nil, err
	}
	client, err := kind.NewClient(conn.providerConnection(), b.providerOptions())
	if err != nil {
		return nil, fmt.Errorf("build gitea client: %w", err)
	}
	rotator, ok := client.(provider.Rotator)
	if !ok {
		return nil, errors.New("the gitea provider cannot rotate its password")
	}
	now := b.now()
	password, info, err := rotator.RotateSelf(ctx, now)
	if err != nil {
		return nil, err
	}
	next := *conn
	next.Token = password
	next.Credential = maps.Clone(conn.Credential)
	if next.Credential == nil {
		next.Credential = provider.CredentialInfo{}
	}
	maps.Copy(next.Credential, info)
	next.VerifiedAt = now.UTC()
	next.Rotation.succeeded(conn.rotationSpec(), now)
	return b.commitRotatedToken(ctx, s, conn, &next)
}
