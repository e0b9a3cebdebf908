package gitsecrets

import (
	"context"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/logical"
)

func pathStaticCreds(b *backend) []*framework.Path {
	return []*framework.Path{{
		Pattern: "static-creds/" + nameRegex("name"),
		DisplayAttrs: &framework.DisplayAttributes{
			OperationPrefix: operationPrefix,
			OperationSuffix: "static-credentials",
		},
		Fields: map[string]*framework.FieldSchema{
			"name": {
				Type:        framework.TypeString,
				Description: "Name of the static role.",
				Required:    true,
			},
		},
		Operations: map[logical.Operation]framework.OperationHandler{
			logical.ReadOperation: &framework.PathOperation{
				Callback:     b.pathStaticCredsRead,
				DisplayAttrs: &framework.DisplayAttributes{OperationVerb: "read"},
			},
		},
		HelpSynopsis:    staticCredsHelpSyn,
		HelpDescription: staticCredsHelpDesc,
	}}
}

func (b *backend) pathStaticCredsRead(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	name := d.Get("name").(string)
	r, err := getStaticRole(ctx, req.Storage, name)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return logical.ErrorResponse("static role %q does not exist", name), nil
	}
	cur := r.Current
	if cur == nil {
		return logical.ErrorResponse("static role %q has no token; write rotate-role/%s to make one", name, name), nil
	}
	conn, err := b.connection(ctx, req.Storage, cur.Config)
	if err != nil {
		return nil, err
	}
	data := map[string]any{
		"token":         cur.Token,
		"username":      cur.Username,
		"token_type":    r.TokenType,
		"config":        cur.Config,
		"token_id":      cur.Handle.ID,
		"token_ref":     cur.Ref,
		"expires_at":    timeOrNil(cur.ExpiresAt),
		"last_rotated":  timeOrNil(r.State.Last),
		"next_rotation": timeOrNil(r.State.wake()),
		"ttl":           staticTTL(r, b.now()),
		"grace_period":  int64(r.GracePeriod.Seconds()),
	}
	b.addScopeData(data, r.Provider, cur.Scope)
	addRotationSpecData(data, r.Rotation)
	if conn != nil && cur.Registry {
		if kind, err := b.kind(conn.Provider); err == nil {
			addRegistryData(data, conn.registryHost(kind, cur.RegistryHost), cur.Username, cur.Token)
		}
	}
	return &logical.Response{Data: data}, nil
}

const staticCredsHelpSyn = "Read a static role's current token."

const staticCredsHelpDesc = `
Returns the static role's current token with the username to pair it with
and, when it can pull images, registry and a ready .dockerconfigjson document
(docker_config_json). last_rotated and next_rotation say when the token was
made and when it will be replaced; ttl is the seconds until then. The role's
rotation_period (or rotation_schedule) is included: Vault Agent re-reads the
secret when ttl runs out. After a rotation the previous token keeps working
for the role's grace_period.
`
