package gitsecrets

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/helper/locksutil"
	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// defaultRoleTTL is the lease TTL of a role that sets none, unless the
// mount's default TTL is shorter.
const defaultRoleTTL = time.Hour

func pathCreds(b *backend) []*framework.Path {
	fields := b.scopeFieldSchemas()
	// A request narrows the role; the other scope fields belong to the role.
	narrow := map[string]bool{}
	for _, k := range b.kinds {
		for _, f := range k.NarrowFields() {
			narrow[f] = true
		}
	}
	maps.DeleteFunc(fields, func(f string, _ *framework.FieldSchema) bool { return !narrow[f] })
	fields["name"] = &framework.FieldSchema{
		Type:        framework.TypeString,
		Description: "Name of the role to issue a token for.",
		Required:    true,
	}
	fields["ttl"] = &framework.FieldSchema{
		Type:        framework.TypeDurationSecond,
		Description: "Lease TTL for this token, up to the role's max_ttl. Defaults to the role's ttl.",
	}
	op := func(verb string) *framework.PathOperation {
		return &framework.PathOperation{
			Callback: b.pathCredsIssue,
			// Issuing changes the provider and writes storage: forwarding
			// keeps a standby from minting a token the active node never sees.
			ForwardPerformanceStandby:   true,
			ForwardPerformanceSecondary: true,
			DisplayAttrs:                &framework.DisplayAttributes{OperationVerb: verb},
		}
	}
	return []*framework.Path{{
		Pattern: "creds/" + nameRegex("name"),
		DisplayAttrs: &framework.DisplayAttributes{
			OperationPrefix: operationPrefix,
			OperationSuffix: "credentials",
		},
		Fields: fields,
		Operations: map[logical.Operation]framework.OperationHandler{
			logical.ReadOperation:   op("generate"),
			logical.UpdateOperation: op("generate-narrowed"),
		},
		HelpSynopsis:    credsHelpSyn,
		HelpDescription: b.help(credsHelpDesc, "creds"),
	}}
}

func (b *backend) pathCredsIssue(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	// The framework only warns about a field outside the schema and runs
	// the request anyway: a caller sending owner or path would get the
	// role's token while believing it pointed elsewhere (SPEC: refused).
	if unknown := unknownFields(req.Data, d.Schema); len(unknown) > 0 {
		return logical.ErrorResponse("a creds request does not take %s (the role sets everything else); it may set only %s",
			strings.Join(unknown, ", "), b.settableFields(d.Schema)), nil
	}
	name := d.Get("name").(string)
	r, err := b.readRole(ctx, req.Storage, name)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return logical.ErrorResponse("role %q does not exist", name), nil
	}
	// From reading the connection to recording the lease, the connection
	// must not change under the request: a token issued with a connection
	// that a write moved to another base_url, deleted or rotated meanwhile
	// would get a lease that cannot revoke, or be made with a revoked
	// credential. Writes and rotations take the write lock and wait;
	// creds requests do not wait for each other.
	lock := locksutil.LockForKey(b.configLocks, r.Config)
	lock.RLock()
	defer lock.RUnlock()
	conn, err := b.connection(ctx, req.Storage, r.Config)
	if err == nil && conn == nil {
		err = errNoConnection{r.Config}
	}
	if isNoConnection(err) {
		return logical.ErrorResponse("role %q uses %s", name, err), nil
	}
	if err != nil {
		return nil, err
	}
	kind, err := b.kind(conn.Provider)
	if err != nil {
		return nil, err
	}
	who, err := b.requesterOf(req, kind, r)
	if err != nil {
		return nil, err
	}

	// Everything the caller asked for is checked before any provider call.
	var want provider.Scope
	if err := b.scopeFromRequest(d, kind, &want); err != nil {
		return logical.ErrorResponse(err.Error()), nil
	}
	scope, err := kind.Narrow(r.TokenType, who.ceiling, want)
	if err != nil {
		return logical.ErrorResponse(err.Error()), nil
	}
	ttl, msg := b.leaseTTL(r, d, kind.MaxTTL(r.TokenType))
	if msg != "" {
		return logical.ErrorResponse(msg), nil
	}

	client, err := b.client(conn)
	if err != nil {
		return nil, fmt.Errorf("build %s client: %w", conn.Provider, err)
	}
	issued, err := b.issue(ctx, req, issueInput{role: r, conn: conn, client: client, scope: scope, ttl: ttl, aliases: who.aliases})
	if err != nil {
		return providerErrorResponse(err)
	}
	return issued, nil
}

// leaseTTL picks the lease TTL: the request's ttl, else the role's, else one
// hour or the mount default if shorter; never beyond the role's max_ttl, the mount max or the
// provider's limit.
func (b *backend) leaseTTL(r *role, d *framework.FieldData, providerMax time.Duration) (time.Duration, string) {
	mountDefault, maxTTL := b.mountTTLs()
	if r.MaxTTL > 0 && r.MaxTTL < maxTTL {
		maxTTL = r.MaxTTL
	}
	if providerMax > 0 && providerMax < maxTTL {
		maxTTL = providerMax
	}
	requested, set, err := durationField(d, "ttl")
	if err != nil {
		return 0, err.Error()
	}
	if set && requested == 0 {
		return 0, "ttl must be positive; leave it out to use the role's"
	}
	if requested > maxTTL {
		return 0, fmt.Sprintf("ttl %s exceeds the role's maximum of %s", requested, maxTTL)
	}
	ttl := requested
	if ttl == 0 {
		ttl = r.TTL
	}
	if ttl == 0 {
		// Vault's stock mount default is 32 days; a token engine's
		// default should be short, so a role without a ttl gets an hour.
		ttl = min(mountDefault, defaultRoleTTL)
	}
	return min(ttl, maxTTL), ""
}

// providerErrorResponse turns a provider failure into the answer the caller
// gets: the provider's refusal as a 400 that says why, a rate limit as a 429,
// a provider that failed or could not be reached as a 502, for the caller to
// retry; anything else (storage) stays Vault's 500.
func providerErrorResponse(err error) (*logical.Response, error) {
	var ue *url.Error
	if errors.As(err, &ue) {
		// The connection failed, was dropped or timed out: the same to the
		// caller as the provider answering 5xx.
		return nil, logical.CodedError(http.StatusBadGateway, err.Error())
	}
	var pe *provider.Error
	if !errors.As(err, &pe) {
		return nil, err
	}
	switch {
	case errors.Is(err, provider.ErrInvalidRequest), errors.Is(err, provider.ErrNotFound):
		return logical.ErrorResponse(err.Error()), nil
	case errors.Is(err, provider.ErrRateLimited):
		return nil, logical.CodedError(http.StatusTooManyRequests, err.Error())
	default:
		return nil, logical.CodedError(http.StatusBadGateway, err.Error())
	}
}

const credsHelpSyn = "Issue a token for a role."

const credsHelpDesc = `
A read issues a token with the role's full ceiling. A write may narrow the
role's lists (the provider's scope fields, below) and ttl. A request for
anything beyond the role, or setting any other field (owner, path, ...), is
refused before any provider call.

The token is a Vault lease: it is revoked at the provider when the lease is
revoked or expires. The response carries the token, the username to pair with
it for Git over HTTPS and registry logins, expires_at (the lease end),
hashed_token (base64 of its SHA-256, as audit logs show it) and token_ref,
the token's id under tokens/. When the token can pull images, registry and
docker_config_json hold a ready .dockerconfigjson document.
`

// requesterName is what the provider-side token name and description carry
// so the provider's own audit log shows who is behind a token.
func requesterName(req *logical.Request) string {
	if n := strings.TrimSpace(req.DisplayName); n != "" {
		return n
	}
	return "unknown"
}
