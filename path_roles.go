package gitsecrets

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

const roleStoragePrefix = "roles/"

// role is the ceiling for what creds/:name may issue.
type role struct {
	Name      string         `json:"-"`
	Config    string         `json:"config"`
	Provider  string         `json:"provider"`
	TokenType string         `json:"token_type"`
	Scope     provider.Scope `json:"scope"`
	TTL       time.Duration  `json:"ttl"`
	MaxTTL    time.Duration  `json:"max_ttl"`

	// ScopeTemplate lets the scope hold identity templates (scope_template.go).
	ScopeTemplate bool `json:"scope_template,omitempty"`

	// Resource is what the role's tokens belong to at the provider, where
	// its token type has one (role_resource.go).
	Resource *provider.Resource `json:"resource,omitempty"`
}

func pathRoles(b *backend) []*framework.Path {
	fields := b.scopeFieldSchemas()
	fields["name"] = &framework.FieldSchema{
		Type:        framework.TypeString,
		Description: "Name of the role.",
		Required:    true,
	}
	fields["config"] = &framework.FieldSchema{
		Type:        framework.TypeString,
		Description: "Name of the connection (config/:name) tokens are issued through. Required.",
	}
	fields["token_type"] = &framework.FieldSchema{
		Type:        framework.TypeString,
		Description: "Kind of token. " + b.eachKind(" ", func(k provider.Kind) string { return k.Help("token_type") }),
	}
	fields["scope_template"] = &framework.FieldSchema{
		Type: framework.TypeBool,
		Description: "When true, " + b.eachKind(" and ", func(k provider.Kind) string { return k.Help("scope_template") }) + " may hold Vault identity templates, " +
			"such as {{identity.entity.aliases.<mount accessor>.metadata.project_path}}, filled from the requester's identity on each creds request. " +
			"A template that cannot be filled, or fills to more than one name, refuses the request with 403.",
	}
	fields["ttl"] = &framework.FieldSchema{
		Type: framework.TypeDurationSecond,
		Description: "Default lease TTL of issued tokens. Defaults to 1h (or the mount's default TTL when shorter), capped by max_ttl and the provider's limit for the token type. " +
			b.eachKind(" ", func(k provider.Kind) string { return k.Help("ttl") }),
	}
	fields["max_ttl"] = &framework.FieldSchema{
		Type:        framework.TypeDurationSecond,
		Description: "Longest lease TTL a request may ask for. Defaults to the mount's max TTL, capped by the provider's limit.",
	}
	return []*framework.Path{
		{
			Pattern: roleStoragePrefix + nameRegex("name"),
			DisplayAttrs: &framework.DisplayAttributes{
				OperationPrefix: operationPrefix,
				OperationSuffix: "role",
			},
			Fields:         fields,
			ExistenceCheck: b.roleExists,
			Operations: map[logical.Operation]framework.OperationHandler{
				logical.CreateOperation: &framework.PathOperation{
					Callback:     b.pathRoleWrite,
					DisplayAttrs: &framework.DisplayAttributes{OperationVerb: "write"},
				},
				logical.UpdateOperation: &framework.PathOperation{
					Callback:     b.pathRoleWrite,
					DisplayAttrs: &framework.DisplayAttributes{OperationVerb: "write"},
				},
				logical.ReadOperation: &framework.PathOperation{
					Callback:     b.pathRoleRead,
					DisplayAttrs: &framework.DisplayAttributes{OperationVerb: "read"},
				},
				logical.DeleteOperation: &framework.PathOperation{
					Callback:     b.pathRoleDelete,
					DisplayAttrs: &framework.DisplayAttributes{OperationVerb: "delete"},
				},
			},
			HelpSynopsis:    roleHelpSyn,
			HelpDescription: b.help(roleHelpDesc, "roles"),
		},
		{
			Pattern: roleStoragePrefix + "?$",
			DisplayAttrs: &framework.DisplayAttributes{
				OperationPrefix: operationPrefix,
				OperationSuffix: "roles",
			},
			Operations: map[logical.Operation]framework.OperationHandler{
				logical.ListOperation: &framework.PathOperation{
					Callback:     b.pathRoleList,
					DisplayAttrs: &framework.DisplayAttributes{OperationVerb: "list"},
				},
			},
			HelpSynopsis:    "List the roles.",
			HelpDescription: "Lists the names of the roles configured under roles/.",
		},
	}
}

func (b *backend) roleExists(ctx context.Context, req *logical.Request, d *framework.FieldData) (bool, error) {
	r, err := getRole(ctx, req.Storage, d.Get("name").(string))
	return r != nil, err
}

func (b *backend) pathRoleWrite(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	name := d.Get("name").(string)
	r, err := getRole(ctx, req.Storage, name)
	if err != nil {
		return nil, err
	}
	if r == nil {
		if msg := newNameProblem(name); msg != "" {
			return logical.ErrorResponse(msg), nil
		}
		r = &role{Name: name}
	}
	oldConfig := r.Config
	if v, ok := d.GetOk("config"); ok {
		r.Config = strings.TrimSpace(v.(string))
	}
	if r.Config == "" {
		return logical.ErrorResponse("config is required: the name of a connection under config/"), nil
	}
	conn, err := b.connection(ctx, req.Storage, r.Config)
	if err == nil && conn == nil {
		err = errNoConnection{r.Config}
	}
	if isNoConnection(err) {
		return logical.ErrorResponse(err.Error()), nil
	}
	if err != nil {
		return nil, err
	}
	kind, err := b.kind(conn.Provider)
	if err != nil {
		return logical.ErrorResponse(err.Error()), nil
	}
	if r.Provider != "" && r.Provider != conn.Provider {
		// A role moved to a connection of the other provider keeps nothing
		// that still applies.
		r.Scope = nil
		r.TokenType = ""
	}
	r.Provider = conn.Provider

	if v, ok := d.GetOk("token_type"); ok {
		r.TokenType = strings.ToLower(strings.TrimSpace(v.(string)))
	}
	types := kind.TokenTypes()
	if r.TokenType == "" && len(types) == 1 {
		r.TokenType = types[0]
	}
	if !slices.Contains(types, r.TokenType) {
		return logical.ErrorResponse("token_type %q does not fit a %s connection: use one of %s",
			r.TokenType, conn.Provider, strings.Join(types, ", ")), nil
	}
	if err := b.scopeFromRequest(d, kind, &r.Scope); err != nil {
		return logical.ErrorResponse(err.Error()), nil
	}
	if v, ok := d.GetOk("scope_template"); ok {
		r.ScopeTemplate = v.(bool)
	}
	if err := validateRoleScope(kind, r); err != nil {
		return logical.ErrorResponse(err.Error()), nil
	}
	if msg := r.applyTTLs(d, kind.MaxTTL(r.TokenType)); msg != "" {
		return logical.ErrorResponse(msg), nil
	}
	if resp, err := b.checkRoleAtProvider(ctx, conn, r); resp != nil || err != nil {
		return resp, err
	}
	pr, refusal, err := b.provisionRole(ctx, req, roleRef{name: name}, conn, r.TokenType, r.Scope, r.Resource, oldConfig,
		func() (int, error) { return liveTokensOfRole(ctx, req.Storage, name) })
	if refusal != nil || err != nil {
		return refusal, err
	}
	r.Resource = pr.resource
	if err := b.putRole(ctx, req.Storage, r); err != nil {
		b.undoProvisioning(ctx, req.Storage, pr)
		return nil, err
	}
	resp := warningsResponse(b.finishProvisioning(ctx, req.Storage, pr)...)
	if mountMax := b.System().MaxLeaseTTL(); r.MaxTTL > mountMax || r.TTL > mountMax {
		if resp == nil {
			resp = &logical.Response{}
		}
		resp.AddWarning(fmt.Sprintf("the mount's max TTL (%s) is shorter than this role's TTLs; leases get the mount's", mountMax))
	}
	return addHolderWarnings(resp, kind, r.TokenType, r.Scope), nil
}

// checkRoleAtProvider asks a provider whose client checks roles
// (provider.RoleChecker) whether it can issue what r asks for; nil, nil
// when it can, or when the provider checks nothing beyond the local rules.
func (b *backend) checkRoleAtProvider(ctx context.Context, conn *connection, r *role) (*logical.Response, error) {
	client, err := b.client(conn)
	if err != nil {
		return nil, err
	}
	rc, ok := client.(provider.RoleChecker)
	if !ok {
		return nil, nil
	}
	if err := rc.CheckRole(ctx, r.TokenType, r.Scope); err != nil {
		return providerErrorResponse(err)
	}
	return nil, nil
}

// applyTTLs reads ttl and max_ttl and checks them against each other and the
// provider's limit. It returns a message for the operator, or "".
func (r *role) applyTTLs(d *framework.FieldData, providerMax time.Duration) string {
	for _, f := range []struct {
		name string
		dst  *time.Duration
	}{{"ttl", &r.TTL}, {"max_ttl", &r.MaxTTL}} {
		v, ok, err := durationField(d, f.name)
		if err != nil {
			return err.Error()
		}
		if ok {
			*f.dst = v
		}
	}
	if r.MaxTTL > 0 && r.TTL > r.MaxTTL {
		return fmt.Sprintf("ttl (%s) must not exceed max_ttl (%s)", r.TTL, r.MaxTTL)
	}
	if providerMax > 0 {
		for name, v := range map[string]time.Duration{"ttl": r.TTL, "max_ttl": r.MaxTTL} {
			if v > providerMax {
				return fmt.Sprintf("%s (%s) exceeds what %s %s tokens can live (%s)", name, v, r.Provider, r.TokenType, providerMax)
			}
		}
	}
	return ""
}

func (b *backend) pathRoleRead(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	r, err := getRole(ctx, req.Storage, d.Get("name").(string))
	if err != nil || r == nil {
		return nil, err
	}
	data := map[string]any{
		"config":     r.Config,
		"token_type": r.TokenType,
		"ttl":        int64(r.TTL.Seconds()),
		"max_ttl":    int64(r.MaxTTL.Seconds()),

		"scope_template": r.ScopeTemplate,
	}
	b.addScopeData(data, r.Provider, r.Scope)
	addResourceData(data, r.Resource)
	return &logical.Response{Data: data}, nil
}

func (b *backend) pathRoleDelete(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	// Leases of the role keep working: revocation reads only the lease.
	// But a resource the engine created for the role goes with it, which
	// waits until they are revoked (role_resource.go).
	name := d.Get("name").(string)
	r, err := getRole(ctx, req.Storage, name)
	if err != nil || r == nil {
		return nil, err
	}
	warning, refusal, err := b.releaseRole(ctx, req, roleRef{name: name}, r.Config, r.Resource,
		func() (int, error) { return liveTokensOfRole(ctx, req.Storage, name) })
	if refusal != nil || err != nil {
		return refusal, err
	}
	if err := b.deleteRole(ctx, req.Storage, name); err != nil {
		return nil, err
	}
	return warningsResponse(warning), nil
}

func (b *backend) pathRoleList(ctx context.Context, req *logical.Request, _ *framework.FieldData) (*logical.Response, error) {
	names, err := req.Storage.List(ctx, roleStoragePrefix)
	if err != nil {
		return nil, err
	}
	return logical.ListResponse(names), nil
}

// getRole reads a role from storage, for callers that change it.
func getRole(ctx context.Context, s logical.Storage, name string) (*role, error) {
	entry, err := s.Get(ctx, roleStoragePrefix+name)
	if err != nil {
		return nil, fmt.Errorf("read role: %w", err)
	}
	if entry == nil {
		return nil, nil
	}
	return decodeRole(name, entry)
}

// readRole is getRole for issuing, which only reads the role, served from
// the backend's cache. The result is shared:
// callers must not modify it.
func (b *backend) readRole(ctx context.Context, s logical.Storage, name string) (*role, error) {
	return b.roles.read(ctx, s, roleStoragePrefix+name, func(entry *logical.StorageEntry) (*role, error) {
		return decodeRole(name, entry)
	})
}

func decodeRole(name string, entry *logical.StorageEntry) (*role, error) {
	r := &role{}
	if err := entry.DecodeJSON(r); err != nil {
		return nil, fmt.Errorf("decode role: %w", err)
	}
	r.Name = name
	return r, nil
}

// putRole writes a role. Every write of one goes through here (or
// deleteRole), which keeps the cache of readRole true.
func (b *backend) putRole(ctx context.Context, s logical.Storage, r *role) error {
	entry, err := logical.StorageEntryJSON(roleStoragePrefix+r.Name, r)
	if err != nil {
		return fmt.Errorf("encode role: %w", err)
	}
	defer b.roles.forget(entry.Key)
	if err := s.Put(ctx, entry); err != nil {
		return fmt.Errorf("write role: %w", err)
	}
	return nil
}

func (b *backend) deleteRole(ctx context.Context, s logical.Storage, name string) error {
	defer b.roles.forget(roleStoragePrefix + name)
	if err := s.Delete(ctx, roleStoragePrefix+name); err != nil {
		return fmt.Errorf("delete role: %w", err)
	}
	return nil
}

const roleHelpSyn = "Describe what tokens issued for a role may reach."

const roleHelpDesc = `
A role is a ceiling: creds/<role> issues tokens with at most what it names
(the provider's scope fields, below). A creds request may narrow them
further, never widen them.

With scope_template=true, the scope fields that take templates (see
scope_template) may name the requester through Vault identity templates, such
as {{identity.entity.aliases.<jwt mount accessor>.metadata.project_path}}:
each creds request fills them from the requester's entity, so one role gives
every CI job a token for its own project only. A filled value must be one
plain name (or, when the template is the whole value, one path); one that
cannot be filled, or holds a glob, a comma, whitespace or '..', refuses the
request with 403 before any provider call. A numeric id template must be the
whole entry and fill to a number. Static roles take no templates.

Writes are checked locally, before any provider call: unknown permission or
scope names, levels, token types that do not fit the provider and TTLs beyond
what the provider allows are refused with a message saying what is wrong.
`
