package gitsecrets

import (
	"context"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/helper/locksutil"
	"github.com/hashicorp/vault/sdk/logical"
)

func pathRotateRole(b *backend) []*framework.Path {
	return []*framework.Path{{
		Pattern: "rotate-role/" + nameRegex("name"),
		DisplayAttrs: &framework.DisplayAttributes{
			OperationPrefix: operationPrefix,
			OperationVerb:   "rotate",
			OperationSuffix: "static-role",
		},
		Fields: map[string]*framework.FieldSchema{
			"name": {
				Type:        framework.TypeString,
				Description: "Name of the static role whose token to replace.",
				Required:    true,
			},
		},
		Operations: map[logical.Operation]framework.OperationHandler{
			logical.UpdateOperation: &framework.PathOperation{
				Callback:                    b.pathRotateRole,
				ForwardPerformanceStandby:   true,
				ForwardPerformanceSecondary: true,
			},
		},
		HelpSynopsis:    rotateRoleHelpSyn,
		HelpDescription: rotateRoleHelpDesc,
	}}
}

func (b *backend) pathRotateRole(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	name := d.Get("name").(string)
	lock := locksutil.LockForKey(b.staticLocks, name)
	lock.Lock()
	defer lock.Unlock()
	r, err := getStaticRole(ctx, req.Storage, name)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return logical.ErrorResponse("static role %q does not exist", name), nil
	}
	rotated, err := b.rotateStaticNow(ctx, req.Storage, r, b.now())
	if isNoConnection(err) {
		return logical.ErrorResponse("static role %q uses %s", name, err), nil
	}
	if err != nil {
		return providerErrorResponse(err)
	}
	b.queue.set(queueKeyStaticRole+name, rotated.wake())
	data := map[string]any{"token_id": rotated.Current.Handle.ID, "expires_at": timeOrNil(rotated.Current.ExpiresAt)}
	rotationStateData(data, rotated.State)
	return &logical.Response{Data: data}, nil
}

const rotateRoleHelpSyn = "Replace a static role's token now."

const rotateRoleHelpDesc = `
Makes a new token for the static role at once. The previous token keeps
working for the role's grace_period, then the engine revokes it. The next
scheduled rotation counts from now for a rotation_period, and stays at the
next point of a rotation_schedule.
`
