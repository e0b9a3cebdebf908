package gitsecrets

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// Some token types issue tokens of a resource the role names at the
// provider, which the role write creates when it does not exist
// (provider.RoleProvisioner says how). The role keeps the resource; the
// engine deletes one it created with the last role or static role naming
// it, and never strands a live token: a role delete, or a write moving the
// role to another resource, is refused while tokens of the role are live,
// and the provider keeps a resource that still has tokens the engine did
// not issue. One the engine did not create is never deleted.

// walKindRoleResource is logged before a resource is created, so a create
// whose answer was lost, or whose role was never stored, is undone.
const walKindRoleResource = "role_resource"

type walRoleResource struct {
	Config    string         `json:"config"`
	Provider  string         `json:"provider"`
	BaseURL   string         `json:"base_url"`
	TokenType string         `json:"token_type"`
	Scope     provider.Scope `json:"scope"`
}

// roleRef names a role or a static role.
type roleRef struct {
	name   string
	static bool
}

func (r roleRef) String() string {
	if r.static {
		return fmt.Sprintf("static role %q", r.name)
	}
	return fmt.Sprintf("role %q", r.name)
}

// provisioning is a role write's resource: the one to store with the
// role, and what is left to do once the role is stored (finish) or could
// not be (undo).
type provisioning struct {
	resource *provider.Resource
	warnings []string
	// made: this write created resource, under WAL entry walID.
	made  bool
	walID string
	// release is the resource the role named before, on connection
	// releaseConfig, to delete once the role no longer names it.
	release       *provider.Resource
	releaseConfig string
	p             provider.RoleProvisioner
}

// provisionRole finds or creates the resource a role of tokenType with
// scope (validated) issues tokens of. old is the resource the role names
// now, on connection oldConfig (nil for a new role); live says how many of
// the role's tokens are live, for a write that moves the role away from a
// resource the engine created. A refusal is a response; an error is the
// engine's own failure.
func (b *backend) provisionRole(ctx context.Context, req *logical.Request, ref roleRef, conn *connection, tokenType string, scope provider.Scope,
	old *provider.Resource, oldConfig string, live func() (int, error),
) (*provisioning, *logical.Response, error) {
	pr := &provisioning{}
	client, err := b.client(conn)
	if err != nil {
		return nil, nil, err
	}
	pr.p, _ = client.(provider.RoleProvisioner)
	missing := false
	if pr.p != nil {
		pr.resource, err = pr.p.FindRoleResource(ctx, tokenType, scope)
		if missing = notFoundLocally(err); err != nil && !missing {
			resp, err := provisionErrorResponse(err)
			return nil, resp, err
		}
	}
	if old != nil && (oldConfig != conn.Name || missing || pr.resource == nil || pr.resource.Key != old.Key) {
		release, resp, err := b.mayRelease(ctx, req, ref, oldConfig, old, live)
		if resp != nil || err != nil {
			return nil, resp, err
		}
		if release {
			pr.release, pr.releaseConfig = old, oldConfig
		}
	}
	if missing {
		w := walRoleResource{Config: conn.Name, Provider: conn.Provider, BaseURL: conn.BaseURL, TokenType: tokenType, Scope: scope}
		if pr.walID, err = framework.PutWAL(ctx, req.Storage, walKindRoleResource, w); err != nil {
			return nil, nil, fmt.Errorf("write WAL entry: %w", err)
		}
		label := fmt.Sprintf("Vault %s%s", req.MountPoint, ref)
		pr.resource, pr.warnings, err = pr.p.CreateRoleResource(ctx, tokenType, scope, label)
		if err != nil {
			if refusedBeforeCreating(err) {
				_ = framework.DeleteWAL(ctx, req.Storage, pr.walID)
			}
			resp, err := provisionErrorResponse(err)
			return nil, resp, err
		}
		pr.made = true
		return pr, nil, nil
	}
	if pr.resource != nil && old != nil && oldConfig == conn.Name && pr.resource.Key == old.Key {
		// The role keeps its resource, and what it knew of it.
		pr.resource.Created = old.Created
	}
	if pr.resource != nil && !pr.resource.Created {
		// Another role may have created it, or a write whose answer was
		// lost (its WAL entry still waits): whoever names it last deletes
		// it, so this role shares the duty.
		_, created, err := rolesNaming(ctx, req.Storage, conn.Name, pr.resource.Key, ref)
		if err == nil && !created {
			created, err = pendingCreate(ctx, req.Storage, conn.Name, tokenType, scope)
		}
		if err != nil {
			return nil, nil, err
		}
		pr.resource.Created = created
	}
	return pr, nil, nil
}

// pendingCreate reports a WAL entry of a create, of the same resource, whose
// write did not finish: the engine made what the role now finds.
func pendingCreate(ctx context.Context, s logical.Storage, config, tokenType string, scope provider.Scope) (bool, error) {
	n, err := countWAL(ctx, s, walKindRoleResource, 1, func(data any) bool {
		var w walRoleResource
		return decodeWAL(data, &w) == nil && w.Config == config && w.TokenType == tokenType && sameDocument(w.Scope, scope)
	})
	return n > 0, err
}

// pendingResourceCreates counts the WAL entries of resource creates on
// config whose role write did not finish: their rollback reaches the
// provider through the connection, as it is, and gives up when it is gone
// or moved, leaving what the provider made.
func pendingResourceCreates(ctx context.Context, s logical.Storage, config string) (int, error) {
	return countWAL(ctx, s, walKindRoleResource, 0, func(data any) bool {
		var w walRoleResource
		return decodeWAL(data, &w) == nil && w.Config == config
	})
}

// provisionErrorResponse is providerErrorResponse for a role write: the
// provider refusing the connection's credential there (403: its user may
// not manage the resource) is the operator's to fix before the role can
// exist, so a 400 that quotes why, not a 502 to retry.
func provisionErrorResponse(err error) (*logical.Response, error) {
	if errors.Is(err, provider.ErrUnauthorized) {
		return logical.ErrorResponse(err.Error()), nil
	}
	return providerErrorResponse(err)
}

// notFoundLocally is a FindRoleResource answer that the resource does not
// exist (a not-found without a provider status: a lookup that found
// nothing, not a missing group or project).
func notFoundLocally(err error) bool {
	var pe *provider.Error
	return errors.As(err, &pe) && pe.Status == 0 && errors.Is(err, provider.ErrNotFound)
}

// mayRelease decides whether ref letting go of r deletes it: only when the
// engine created it and no other role names it. Then every token of ref
// must be gone first; a response refuses with how to revoke them.
func (b *backend) mayRelease(ctx context.Context, req *logical.Request, ref roleRef, config string, r *provider.Resource, live func() (int, error)) (bool, *logical.Response, error) {
	if r == nil || !r.Created {
		return false, nil, nil
	}
	named, _, err := rolesNaming(ctx, req.Storage, config, r.Key, ref)
	if err != nil || named {
		return false, nil, err
	}
	n, err := live()
	if err != nil {
		return false, nil, err
	}
	if n == 0 {
		return true, nil, nil
	}
	if ref.static {
		return false, logical.ErrorResponse("%s holds tokens of %s, which the engine created for it; delete the static role (which revokes them and then deletes it) rather than moving it", ref, r.Name), nil
	}
	return false, logical.ErrorResponse("%s has %d live %s of %s, which the engine created and deletes once no role names it; revoke %s first: vault lease revoke -prefix %screds/%s/",
		ref, n, plural(n, "token", "tokens"), r.Name, plural(n, "it", "them"), req.MountPoint, ref.name), nil
}

// finishProvisioning runs once the role is stored: the create is committed, and the
// resource the role let go of is deleted. It returns warnings for the
// write's answer; nothing here fails the write, whose role is stored.
func (b *backend) finishProvisioning(ctx context.Context, s logical.Storage, pr *provisioning) []string {
	if pr == nil {
		return nil
	}
	if pr.walID != "" {
		if err := framework.DeleteWAL(ctx, s, pr.walID); err != nil {
			b.Logger().Warn("could not delete the WAL entry of a created resource; its rollback finds the role naming it and keeps it", "error", err)
		}
	}
	warnings := pr.warnings
	if pr.release != nil {
		w, err := b.deleteCreated(ctx, s, pr.releaseConfig, *pr.release)
		if err != nil {
			w = fmt.Sprintf("could not delete %s, which the engine created and no role names now; delete it at the provider: %v", pr.release.Name, err)
		}
		if w != "" {
			warnings = append(warnings, w)
		}
	}
	return warnings
}

// undoProvisioning runs when the role could not be stored: a resource this
// write created is deleted now, or else by the WAL rollback.
func (b *backend) undoProvisioning(ctx context.Context, s logical.Storage, pr *provisioning) {
	if pr == nil || !pr.made {
		return
	}
	if kept, err := pr.p.DeleteRoleResource(ctx, *pr.resource); err != nil || kept > 0 {
		b.Logger().Warn("could not delete a resource created for a role that was not stored; the WAL rollback tries again", "resource", pr.resource.Name, "error", err)
		return
	}
	_ = framework.DeleteWAL(ctx, s, pr.walID)
}

// releaseRole is a role or static role delete's part, before the role
// goes: it deletes r when the engine created it and no other role names
// it, and refuses (a response) while live counts tokens of the role. A
// failure at the provider is an error (the role stays, for a retry); a
// resource the provider keeps, or a connection that is gone, a warning.
func (b *backend) releaseRole(ctx context.Context, req *logical.Request, ref roleRef, config string, r *provider.Resource, live func() (int, error)) (string, *logical.Response, error) {
	release, resp, err := b.mayRelease(ctx, req, ref, config, r, live)
	if !release || resp != nil || err != nil {
		return "", resp, err
	}
	w, err := b.deleteCreated(ctx, req.Storage, config, *r)
	if err != nil {
		return "", nil, fmt.Errorf("delete %s, which the engine created for %s (delete it again to retry): %w", r.Name, ref, err)
	}
	return w, nil, nil
}

// deleteCreated deletes r, which the engine created, through connection
// config. What stops it without a provider failure is a warning.
func (b *backend) deleteCreated(ctx context.Context, s logical.Storage, config string, r provider.Resource) (string, error) {
	conn, err := b.connection(ctx, s, config)
	if err != nil {
		return "", err
	}
	if conn == nil {
		return fmt.Sprintf("connection %q is gone, so %s, which the engine created, was not deleted; delete it at the provider", config, r.Name), nil
	}
	client, err := b.client(conn)
	if err != nil {
		return "", err
	}
	p, ok := client.(provider.RoleProvisioner)
	if !ok {
		return fmt.Sprintf("%s, which the engine created, was not deleted: connection %q no longer manages it; delete it at the provider", r.Name, config), nil
	}
	kept, err := p.DeleteRoleResource(ctx, r)
	if err != nil {
		return "", err
	}
	return keptWarning(&r, kept), nil
}

// sameDocument reports whether two documents hold the same JSON values,
// whatever their keys' order (a WAL entry's come back sorted).
func sameDocument(a, b provider.Scope) bool {
	var x, y any
	return a.Decode(&x) == nil && b.Decode(&y) == nil && reflect.DeepEqual(x, y)
}

// addResourceData shows a role's resource on a read: what it is, and
// whether the engine created it (and so deletes it with the last role).
func addResourceData(data map[string]any, r *provider.Resource) {
	if r != nil {
		data["resource"] = r.Name
		data["resource_created"] = r.Created
	}
}

// warningsResponse is a response carrying the non-empty warnings; nil
// when there are none.
func warningsResponse(warnings ...string) *logical.Response {
	var resp *logical.Response
	for _, w := range warnings {
		if w == "" {
			continue
		}
		if resp == nil {
			resp = &logical.Response{}
		}
		resp.AddWarning(w)
	}
	return resp
}

func keptWarning(r *provider.Resource, kept int) string {
	if kept == 0 {
		return ""
	}
	return fmt.Sprintf("%s, which the engine created, was kept: the provider still has %d active %s of it that the engine did not issue; delete it at the provider once they are no longer needed",
		r.Name, kept, plural(kept, "token", "tokens"))
}

// rolesNaming reports whether a role or static role other than except
// (on config, or on any connection when config is "") names the resource
// key, and whether one of them records that the engine created it.
func rolesNaming(ctx context.Context, s logical.Storage, config, key string, except roleRef) (named, created bool, err error) {
	note := func(ref roleRef, c string, r *provider.Resource) {
		if r != nil && r.Key == key && ref != except && (config == "" || c == config) {
			named = true
			created = created || r.Created
		}
	}
	names, err := s.List(ctx, roleStoragePrefix)
	if err != nil {
		return false, false, fmt.Errorf("list roles: %w", err)
	}
	for _, name := range names {
		r, err := getRole(ctx, s, name)
		if err != nil {
			return false, false, err
		}
		if r != nil {
			note(roleRef{name: name}, r.Config, r.Resource)
		}
	}
	err = eachStaticRole(ctx, s, func(r *staticRole) { note(roleRef{name: r.Name, static: true}, r.Config, r.Resource) })
	return named, created, err
}

// rolesHoldingCreated lists the roles and static roles on config whose
// resource the engine created: deleting them deletes it through config.
func rolesHoldingCreated(ctx context.Context, s logical.Storage, config string) ([]string, error) {
	var out []string
	names, err := s.List(ctx, roleStoragePrefix)
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	for _, name := range names {
		r, err := getRole(ctx, s, name)
		if err != nil {
			return nil, err
		}
		if r != nil && r.Config == config && r.Resource != nil && r.Resource.Created {
			out = append(out, roleRef{name: name}.String())
		}
	}
	err = eachStaticRole(ctx, s, func(r *staticRole) {
		if r.Config == config && r.Resource != nil && r.Resource.Created {
			out = append(out, roleRef{name: r.Name, static: true}.String())
		}
	})
	return out, err
}

// liveTokensOfRole counts the inventory's tokens of role, whose leases
// live under creds/<role>/.
func liveTokensOfRole(ctx context.Context, s logical.Storage, role string) (int, error) {
	n := 0
	err := eachToken(ctx, s, func(e *tokenSummary) {
		if e.Role == role {
			n++
		}
	})
	return n, err
}

// rollbackRoleResource undoes a create whose role was not stored: it finds
// the resource again and deletes it unless a role names it. A connection
// gone or moved leaves nothing the engine can reach.
func (b *backend) rollbackRoleResource(ctx context.Context, s logical.Storage, w walRoleResource) error {
	log := b.Logger().With("config", w.Config, "token_type", w.TokenType)
	conn, err := b.connection(ctx, s, w.Config)
	if err != nil {
		return err
	}
	if conn == nil || conn.BaseURL != w.BaseURL {
		log.Warn("connection gone or moved; cannot look for a resource an incomplete role write may have created")
		return nil
	}
	client, err := b.client(conn)
	if err != nil {
		return err
	}
	p, ok := client.(provider.RoleProvisioner)
	if !ok {
		return nil
	}
	r, err := p.FindRoleResource(ctx, w.TokenType, w.Scope)
	if notFoundLocally(err) || (err == nil && r == nil) {
		return nil
	}
	if err != nil {
		return err
	}
	named, _, err := rolesNaming(ctx, s, w.Config, r.Key, roleRef{})
	if err != nil || named {
		return err
	}
	kept, err := p.DeleteRoleResource(ctx, *r)
	if err != nil {
		return err
	}
	log.Info("deleted a resource an incomplete role write created", "resource", r.Name, "kept_for_tokens", kept)
	return nil
}
