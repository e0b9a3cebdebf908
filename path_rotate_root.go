package gitsecrets

import (
	"context"
	"errors"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/logical"
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
		HelpDescription: rotateRootHelpDesc,
	}}
}

func (b *backend) pathRotateRoot(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	name := d.Get("name").(string)
	conn, err := b.rotateRootNow(ctx, req.Storage, name)
	switch {
	case err == nil:
	case isNoConnection(err), errors.Is(err, errNoStagedKey):
		return logical.ErrorResponse(err.Error()), nil
	case errors.Is(err, errRotatedNotStored):
		return nil, err
	default:
		return providerErrorResponse(err)
	}
	b.Logger().Info("rotated the connection's credential", "config", name, "provider", conn.Provider)
	data := map[string]any{"config": name, "provider": conn.Provider}
	switch conn.Provider {
	case "github":
		fps := keyFingerprints(conn)
		if len(fps) > 0 {
			data["signing_key_fingerprint"] = fps[0]
			data["staged_key_fingerprints"] = fps[1:]
		}
	case "gitlab":
		for _, k := range []string{"token_id", "expires_at", "scopes"} {
			if v, ok := conn.Credential[k]; ok {
				data[k] = v
			}
		}
	}
	rotationStateData(data, conn.Rotation)
	return &logical.Response{Data: data}, nil
}

const rotateRootHelpSyn = "Rotate a connection's own credential now."

const rotateRootHelpDesc = `
GitLab: the connection's token replaces itself through GitLab's rotate API.
The new token is stored before anything else happens; the old one stops
working at once. The new token lives token_lifetime (config/<name>).

GitHub: App keys cannot be created through GitHub's API. Generate a key on the
App's settings page, add it to the connection with staged_private_keys, then
rotate: signing moves to the next staged key once GitHub accepts it, and the
key that signed until then is dropped from the connection. Delete that key on
GitHub afterwards. Without a staged key, rotation is refused.

Scheduled rotation uses this same rotation.
`
