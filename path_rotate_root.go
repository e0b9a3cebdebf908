package gitsecrets

import (
	"context"
	"errors"
	"maps"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

func pathRotateRoot(b *backend) []*framework.Path {
	return []*framework.Path{{
		Pattern: "rotate-root/" + nameRegex("name"),
		DisplayAttrs: &framework.DisplayAttributes{
			OperationPrefix: operationPrefix,
			OperationVerb:   "rotate",
			OperationSuffix: "root-credential",
		},
		Fields: map[string]*framework.FieldSchema{
			"name": {
				Type:        framework.TypeString,
				Description: "Name of the connection whose own credential to rotate.",
				Required:    true,
			},
		},
		Operations: map[logical.Operation]framework.OperationHandler{
			logical.UpdateOperation: &framework.PathOperation{
				Callback: b.pathRotateRoot,
				// Rotation changes the provider and then writes storage.
				ForwardPerformanceStandby:   true,
				ForwardPerformanceSecondary: true,
			},
		},
		HelpSynopsis:    rotateRootHelpSyn,
		HelpDescription: b.help(rotateRootHelpDesc, "rotate-root"),
	}}
}

func (b *backend) pathRotateRoot(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	name := d.Get("name").(string)
	conn, err := b.rotateRootNow(ctx, req.Storage, name)
	switch {
	case err == nil:
	case isNoConnection(err), errors.Is(err, provider.ErrNoNextCredential):
		return logical.ErrorResponse(err.Error()), nil
	case errors.Is(err, errRotatedNotStored):
		return nil, err
	default:
		return providerErrorResponse(err)
	}
	b.Logger().Info("rotated the connection's credential", "config", name, "provider", conn.Provider)
	data := map[string]any{"config": name, "provider": conn.Provider}
	if kind, err := b.kind(conn.Provider); err == nil {
		maps.Copy(data, kind.CredentialData(conn.Credential))
	}
	rotationStateData(data, conn.Rotation)
	return &logical.Response{Data: data}, nil
}

const rotateRootHelpSyn = "Rotate a connection's own credential now."

const rotateRootHelpDesc = `
Rotates the connection's own credential as its provider does (below). A
credential that replaces itself at the provider stops working once the
provider answers, so the new one is stored before anything else happens.

Scheduled rotation uses this same rotation.
`
