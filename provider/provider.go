// Package provider is the seam between the Vault backend and the Git hosting
// services it issues tokens on. Each service lives in a package of its own
// (provider/github, provider/gitlab, provider/gitea) and registers one Kind
// in the backend's registeredKinds; adding a service is that folder plus
// that line (docs/providers.md).
//
// A Kind owns everything about its service; the backend owns paths, leases,
// the write-ahead log, the inventory and scheduling. A provider defines two
// documents of its own, which the backend stores without reading them:
//
//   - its Settings (the connection's credential and options), whose keys sit
//     beside the backend's in the flat config/ entry and must not be the
//     backend's;
//   - its Scope (what a role allows and a token got), stored verbatim in
//     roles, static roles, leases, the write-ahead log and the inventory.
//
// Each provider decodes them into its own types (Document.Decode) and
// encodes them back (Encode) at the Kind and Client methods. A Kind supplies:
//
//   - its config/ fields (ConnectionFields, ApplyConnection, ValidateConnection,
//     CheckConnection, ConnectionData, CredentialData, RegistryWarning), which
//     the backend merges into the config/ schema and refuses on another
//     kind's connection;
//   - its role, creds and static-role scope fields (ScopeFields, ApplyScope,
//     ValidateScope, NarrowFields, Narrow, ScopeData, and Templated for
//     scope_template);
//   - what a creds response shows of an issued token (TokenData), how long
//     tokens live (MaxTTL, ExpiryMargin), and whether static roles fit them
//     (StaticRoleRefusal);
//   - the rotation of the connection's own credential (CredentialLifetime,
//     RotateCredential, RotationWarnings), and, for a rotation that is
//     Final, the secret it replaces (Credential, SetCredential), which the
//     backend keeps in its write-ahead log until the connection is stored;
//   - its client (NewClient: Verify, Issue, Revoke; optionally StatusClient,
//     Reclaimer, HolderRisker, RoleChecker, and RoleProvisioner for token
//     types whose role names a provider resource the engine may create) and
//     its paragraphs of the paths' help (Help).
//
// The documents keep the JSON keys earlier releases stored, so their
// entries read unchanged.
package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/vault/sdk/framework"
)

// Connection is a stored connection (config/:name) as a provider sees it:
// the backend's fields, and Settings, the provider's own. The backend stores
// it as one flat config/ entry: Settings' keys sit beside the backend's, so
// a provider's keys must not be the backend's (storing such an entry fails).
type Connection struct {
	Name         string `json:"-"`
	Provider     string `json:"provider"`
	BaseURL      string `json:"base_url"`
	CACert       string `json:"ca_cert,omitempty"`
	RegistryHost string `json:"registry_host"` // the operator's registry_host; "" when unset (see PublicRegistryHost)

	// Settings is the provider's document: its credential and its options
	// (GitHub: app_id, client_id, private_keys; GitLab: token,
	// token_lifetime). Only the provider reads it.
	Settings Document `json:"-"`
}

// Scope is what a token may reach (on a role: the ceiling) or did reach (on
// an issued token): a document of the provider's own keys, stored as it is
// in roles, static roles, leases, the write-ahead log and the inventory.
// The backend never reads it; each provider decodes its own type from it.
type Scope = Document

// Document is a JSON object a provider defines and the backend keeps
// without reading it. The zero Document is the empty object. A Document is
// never changed in place: Encode makes a new one.
type Document json.RawMessage

// Encode makes the Document of v, a provider's struct or map.
func Encode(v any) Document {
	raw, err := json.Marshal(v)
	if err != nil {
		// A provider's own types always encode; this is a programming error.
		panic(fmt.Sprintf("provider: encode a document: %v", err))
	}
	return raw
}

// Decode reads d into v, a pointer to the provider's type. Keys v does not
// have are ignored, so a provider can read its own from a wider object.
func (d Document) Decode(v any) error {
	if len(d) == 0 {
		return nil
	}
	return json.Unmarshal(d, v)
}

// DecodeOwn is Decode for a document that must hold only v's keys: a key v
// does not have (another provider's field, in a scope that reached the
// wrong kind) is refused with an error naming it, rather than read as if
// it were not there.
func (d Document) DecodeOwn(v any) error {
	if len(d) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(d))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// ScopeOf reads provider name's scope type T from d. With own, a key T
// does not have is refused with an error naming it (ValidateScope, Narrow:
// another provider's field is refused, not ignored); without, such keys are
// ignored (reads, issue, reclaim of what was already accepted).
func ScopeOf[T any](d Document, name string, own bool) (T, error) {
	var s T
	decode := d.Decode
	if own {
		decode = d.DecodeOwn
	}
	if err := decode(&s); err != nil {
		var zero T
		if own && strings.HasPrefix(err.Error(), "unknown field") {
			return zero, fmt.Errorf("%s roles do not take this scope: %w", name, err)
		}
		return zero, fmt.Errorf("the stored %s scope is not readable: %w", name, err)
	}
	return s, nil
}

// MarshalJSON stores d as it is.
func (d Document) MarshalJSON() ([]byte, error) {
	if len(d) == 0 {
		return []byte("{}"), nil
	}
	return d, nil
}

// UnmarshalJSON keeps a copy of the stored object.
func (d *Document) UnmarshalJSON(raw []byte) error {
	if string(raw) == "null" {
		*d = nil
		return nil
	}
	*d = slices.Clone(raw)
	return nil
}

// IssueRequest asks for one token.
type IssueRequest struct {
	TokenType string
	Scope     Scope
	// NotAfter is the latest moment the token is needed (the lease's maximum
	// end). Providers that take an expiry set theirs at or after it.
	NotAfter time.Time
	// Name and Description label the token at the provider so its own UI and
	// audit log show which role and which Vault requester are behind it.
	Name        string
	Description string
	// Fresh asks the provider to look the scope's names up again rather
	// than trust a cached id: they were filled from the requester's
	// identity, and a name renamed and then taken by someone else would
	// otherwise still reach what it named before, another tenant's.
	Fresh bool
}

// Token is an issued token. Handle carries everything revocation needs.
type Token struct {
	Token     string
	Username  string
	ExpiresAt time.Time // the provider's own expiry (a backstop for GitLab)
	Scope     Scope     // what the token actually got
	Handle    Handle
	// Registry is true when the token can pull from the connection's
	// container registry.
	Registry bool
	// RegistryHost is the registry the provider itself named for the token
	// (GitLab: the host of the project's container_registry_image_prefix);
	// empty when it named none, or when the connection names its own.
	RegistryHost string
}

// Handle identifies an issued token for revocation and inspection. It is
// stored in the lease's internal data, so it holds only what is needed.
type Handle struct {
	TokenType string `json:"token_type"`
	// ID is the provider's id of the token (GitLab); empty on GitHub.
	ID int64 `json:"id,omitempty"`
	// Parent is the owning resource for the revoke URL, e.g. "projects/42",
	// "groups/7" or "users/3".
	Parent string `json:"parent,omitempty"`
	// Secret is set only where the provider revokes a token with the token
	// itself (GitHub's DELETE /installation/token).
	Secret string `json:"secret,omitempty"`
	// Name is the token's name at the provider, set only where the token's
	// holder can replace it with a successor of the same name (a GitLab
	// token with the api scope rotating itself): revocation then also ends
	// the live tokens of that name under Parent. Handles stored before the
	// field existed lack it; their revocation ends the token by ID alone.
	Name string `json:"name,omitempty"`
}

// WithoutSecret is h as storage outside the lease may keep it.
func (h Handle) WithoutSecret() Handle {
	h.Secret = ""
	return h
}

// CredentialInfo describes the connection's own credential for a config read.
// It never contains the credential.
type CredentialInfo map[string]any

// TokenStatus is what the provider reports about a live token (inventory).
type TokenStatus struct {
	Active     bool
	LastUsedAt *time.Time
}

// Client talks to one connection's provider account.
type Client interface {
	// Verify checks the connection's credential at the provider.
	Verify(ctx context.Context) (CredentialInfo, error)
	// Issue creates one token. It is never retried after an ambiguous
	// failure: the caller's write-ahead log revokes anything it may have made.
	Issue(ctx context.Context, req IssueRequest) (*Token, error)
	// Revoke ends a token. A token the provider already considers gone is
	// revoked (nil). Transient failures return an error.
	Revoke(ctx context.Context, h Handle) error
}

// StatusClient is implemented by providers that can report a token's use.
type StatusClient interface {
	Status(ctx context.Context, h Handle) (*TokenStatus, error)
}

// Reclaimer is implemented by providers that can find a token by the name it
// was given. The write-ahead log rollback uses it when a creation call may
// have succeeded at the provider while its answer was lost: it revokes every
// live token of tokenType under scope named name and says how many it found.
// A scope whose owner no longer exists holds no live token: 0 and no error.
type Reclaimer interface {
	Reclaim(ctx context.Context, tokenType string, scope Scope, name string) (int, error)
}

// HolderRisker is implemented by providers whose tokens, at some scopes,
// let whoever holds one create credentials of their own (deploy keys,
// deploy tokens, access tokens) that are not tied to the token: they
// outlive it, and the engine cannot revoke them. HolderRisks names each
// such part of a role's scope and what a holder can create with it, one
// sentence each, for a warning on the role write; nil when there is none.
type HolderRisker interface {
	HolderRisks(tokenType string, s Scope) []string
}

// RoleChecker is implemented by clients that must ask the provider whether
// it can issue what a role asks for, where no local rule can tell (a token
// restriction only some server versions make). The backend calls it on a
// role write once the local checks pass, with the validated scope (identity
// templates unfilled); an error refuses the write, a provider.Error of kind
// ErrInvalidRequest as a 400 with its message.
type RoleChecker interface {
	CheckRole(ctx context.Context, tokenType string, s Scope) error
}

// Resource is something at the provider that a role's tokens belong to
// and that writing the role may create (a GitLab service account). The
// backend stores it with the role; Key, Created and Name are all it reads.
type Resource struct {
	// Key identifies the resource on its connection: roles whose resources
	// have the same Key share one.
	Key string `json:"key"`
	// Name names it in messages, e.g. `GitLab service account "ci" of
	// group "acme"`.
	Name string `json:"name"`
	// Created is true when the engine made it. Only such a resource is
	// deleted, by the delete of the last role or static role naming it.
	Created bool `json:"created,omitempty"`
	// Data is the provider's own record of it (ids), opaque to the backend.
	Data Document `json:"data,omitempty"`
}

// RoleProvisioner is implemented by clients whose token types issue tokens
// of a resource the role names, which may not exist yet (GitLab's
// service_account). The backend calls it on writes and deletes of roles
// and static roles, after its local checks:
//
//   - a write calls FindRoleResource; when that says ErrNotFound, the
//     backend logs its intent in the write-ahead log, calls
//     CreateRoleResource, stores the role with the Resource, and ends the
//     log entry. A create whose answer was lost, or whose role was never
//     stored, is undone by the log's rollback: FindRoleResource, then
//     DeleteRoleResource unless a role names it;
//   - a delete (or a write moving the role to another resource) calls
//     DeleteRoleResource for a resource the engine created, once no other
//     role names it and none of the role's tokens is live (the backend
//     refuses the delete until they are revoked).
type RoleProvisioner interface {
	// FindRoleResource looks up the resource a role of tokenType with the
	// (validated) scope s issues tokens of: nil and no error for a token
	// type that has none, an Error of kind ErrNotFound without a Status
	// when it does not exist.
	FindRoleResource(ctx context.Context, tokenType string, s Scope) (*Resource, error)
	// CreateRoleResource makes it, labelled with label (which role it is
	// for), and returns it with Created set and the warnings the role
	// write answers with (what the operator must do next). It is never
	// retried after an answer that may have been lost.
	CreateRoleResource(ctx context.Context, tokenType string, s Scope, label string) (*Resource, []string, error)
	// DeleteRoleResource deletes r, unless the provider still has live
	// tokens of it, which the engine did not issue or no longer tracks:
	// kept is then how many, and r stays. A resource already gone is
	// deleted.
	DeleteRoleResource(ctx context.Context, r Resource) (kept int, err error)
}

// Options are what the backend hands every client.
type Options struct {
	Logger     hclog.Logger
	HTTPClient *http.Client // nil: the provider builds its own
	UserAgent  string
	Now        func() time.Time // nil: time.Now
	// Sleep is how the client waits before a retry (nil: a timer); tests
	// replace it to see the waits without taking them.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Clock is Now, or time.Now when it is nil.
func (o Options) Clock() func() time.Time {
	if o.Now == nil {
		return time.Now
	}
	return o.Now
}

// Log is Logger, or a logger that drops everything when it is nil.
func (o Options) Log() hclog.Logger {
	if o.Logger == nil {
		return hclog.NewNullLogger()
	}
	return o.Logger
}

// Kind is one provider: its name, its fields, its local validation rules,
// its credential rotation and its client. Errors from the methods that check
// a request (Apply*, Check*, Validate*, Narrow) are answered as a 400 with
// their message.
type Kind interface {
	Name() string
	// DisplayName is the service's name in messages ("GitHub").
	DisplayName() string
	// DefaultBaseURL fills in an unset base_url. DefaultRegistryHost is the
	// registry of the public service at DefaultBaseURL; it pairs only with
	// that base URL (see PublicRegistryHost).
	DefaultBaseURL() string
	DefaultRegistryHost() string
	// ValidateConnection checks a connection's fields locally.
	ValidateConnection(c *Connection) error
	// TokenTypes lists the role token types the provider issues.
	TokenTypes() []string
	// ValidateScope checks a role's ceiling locally, normalising it in place
	// (lower-cased names, sorted lists).
	ValidateScope(tokenType string, s *Scope) error
	// Narrow checks that want lies within ceiling and returns the scope to
	// request: ceiling where want leaves a field empty.
	Narrow(tokenType string, ceiling, want Scope) (Scope, error)
	// MaxTTL is the longest a token of this type can live; zero for no limit.
	MaxTTL(tokenType string) time.Duration
	NewClient(c *Connection, opts Options) (Client, error)

	// ConnectionFields are the kind's own config/ fields. A write that sets
	// a field only other kinds have is refused.
	ConnectionFields() map[string]*framework.FieldSchema
	// ApplyConnection copies the kind's fields the request set onto c.
	ApplyConnection(c *Connection, d *framework.FieldData) error
	// CheckConnection runs once Verify accepted c's credential (info is what
	// it said), before c is stored: checks that need the provider, and
	// defaults taken from info. written says whether the request set a field.
	CheckConnection(ctx context.Context, c *Connection, info CredentialInfo, written func(field string) bool, newClient NewClientFunc) error
	// ConnectionData is what a config read shows of the kind's fields.
	ConnectionData(c *Connection) map[string]any
	// CredentialData identifies the credential (never contains it), from
	// what Verify said, for config reads and rotate-root answers.
	CredentialData(info CredentialInfo) map[string]any
	// RegistryWarning is the config write's warning when no registry_host
	// is set and base_url is not the public service.
	RegistryWarning(c *Connection) string

	// ScopeFields are the kind's role, creds and static-role fields; a
	// request that sets a field only other kinds have is refused.
	ScopeFields() map[string]*framework.FieldSchema
	// ApplyScope reads the scope fields the request set onto s (partial
	// updates leave the others).
	ApplyScope(d *framework.FieldData, s *Scope) error
	// NarrowFields are the scope fields a creds request may set to narrow
	// the role; the others belong to the role alone.
	NarrowFields() []string
	// ScopeData is what a read shows of a scope (roles, static roles,
	// tokens/).
	ScopeData(s Scope) map[string]any
	// TokenData is what a creds response shows of an issued token besides
	// the backend's own fields (token, username, expires_at, ...).
	TokenData(t *Token) map[string]any
	// ExpiryMargin, when positive, makes the provider's own expiry of a
	// token bound its lease, which then ends that much before it; zero
	// leaves that expiry a backstop after the lease.
	ExpiryMargin() time.Duration
	// StaticRoleRefusal is "" when static roles may hold the kind's tokens,
	// else why not, completing "connection X is <name>, ...".
	StaticRoleRefusal() string

	// CredentialLifetime is how long a rotated connection credential lives
	// (lifetime) and may live (limit); zeros where it does not expire.
	CredentialLifetime(c *Connection) (lifetime, limit time.Duration)
	// RotateCredential replaces c's credential; prev is what Verify said of
	// it and notAfter the latest moment the new one must work. It returns
	// the connection with the new credential; on error the old one stays.
	RotateCredential(ctx context.Context, c *Connection, prev CredentialInfo, notAfter time.Time, newClient NewClientFunc) (*Rotation, error)
	// RotationWarnings point out why scheduled rotations cannot work yet;
	// info is what Verify last said of the credential.
	RotationWarnings(c *Connection, info CredentialInfo) []string
	// Credential is the secret in c that a Final rotation replaces, and
	// SetCredential puts secret in its place: the backend keeps a
	// rotation's new secret in its write-ahead log and applies it to the
	// stored connection it replaces. A kind whose rotations are not Final
	// may refuse SetCredential.
	Credential(c *Connection) string
	SetCredential(c *Connection, secret string) error

	// Help is the kind's part of a help text: a paragraph of a path's help
	// ("config", "roles", "creds", "rotate-root", "static-roles"), or a
	// fragment of a field's description ("token_type": its token types,
	// "scope_template": the fields that take templates, "base_url": the
	// form of a self-hosted server's API root); "" for nothing.
	Help(topic string) string
}

// NewClientFunc builds a client as the backend does (its options, its
// kind), for a kind's checks and rotations that need one.
type NewClientFunc func(c *Connection) (Client, error)

// Rotation is a rotated connection credential.
type Rotation struct {
	Connection *Connection    // c with the new credential
	Info       CredentialInfo // what the provider said of the new credential
	// Client is built from Connection; nil when the backend must build one
	// (the old credential's client is dropped either way).
	Client Client
	// Final: the old credential stopped working when the provider answered
	// (a self-rotating token), so the backend keeps the new one before
	// anything else: a write-ahead log entry holding Kind.Credential, the
	// stored connection, then memory until storage takes it. Otherwise the
	// old one still works until the operator removes it, and a failed write
	// loses nothing.
	Final bool
}

// ErrNoNextCredential: the connection has nothing to rotate to yet (GitHub:
// no staged key); retrying cannot help until an operator adds one.
var ErrNoNextCredential = errors.New("no staged key")

// Error kinds a client returns, so the backend can map them to answers.
var (
	// ErrInvalidRequest: the provider refused the request as wrong (400/422).
	ErrInvalidRequest = errors.New("provider refused the request")
	// ErrUnauthorized: the connection's credential does not work (401/403).
	ErrUnauthorized = errors.New("provider refused the connection's credential")
	// ErrNotFound: the named resource does not exist or is not reachable.
	ErrNotFound = errors.New("not found at the provider")
	// ErrRateLimited: the provider is pacing requests (429, or GitHub's 403
	// for an exhausted quota or a secondary limit); nothing is wrong with
	// the request or the credential, it only has to wait.
	ErrRateLimited = errors.New("provider rate limit")
	// ErrHolderRotating: a revocation ended every token it found, but the
	// token's holder keeps replacing it with successors faster than they
	// are found; only trying again later, after the holder stops, ends it.
	ErrHolderRotating = errors.New("the token's holder keeps replacing it")
)

// Error is a provider failure with the status and message the provider gave.
// Message never includes a credential. An Error with a Kind but no Status
// is a refusal the client made itself before any call that creates
// something (a local check, a lookup that found nothing), so the backend
// knows nothing was created.
type Error struct {
	Kind    error // one of the Err* values above, or nil for other failures
	Status  int
	Message string
	// RetryAfter is the wait a rate-limited answer named; zero when it
	// named none.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return e.Message
	}
	return fmt.Sprintf("%s (HTTP %d)", e.Message, e.Status)
}

func (e *Error) Unwrap() error { return e.Kind }
