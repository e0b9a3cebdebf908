package gitsecrets

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/helper/automatedrotationutil"
	"github.com/hashicorp/vault/sdk/helper/locksutil"
	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

const configStoragePrefix = "config/"

// connection is a stored config/:name entry: the provider's connection, whose
// JSON keys sit at the top level of the entry beside the backend's own.
type connection struct {
	provider.Connection

	// RegistryHostSet marks RegistryHost as the registry_host the operator
	// set; RegistryHost is empty when they set none (see registryHost for
	// what tokens pair with then, and migrateRegistryHost for older entries).
	RegistryHostSet bool `json:"registry_host_set,omitempty"`
	// AllowInsecureHTTP lets base_url be plain http to a host that is not
	// loopback.
	AllowInsecureHTTP bool `json:"allow_insecure_http,omitempty"`

	// The operator's schedule for rotating the credential (Vault's standard
	// fields), and where it stands.
	automatedrotationutil.AutomatedRotationParams
	Rotation rotationState `json:"rotation"`

	// Credential is what the provider said about the credential when it was
	// last verified. It identifies the credential and never contains it.
	Credential provider.CredentialInfo `json:"credential,omitempty"`
	VerifiedAt time.Time               `json:"verified_at"`
}

// providerConnection is the connection as its provider sees it.
func (c *connection) providerConnection() *provider.Connection {
	pc := c.Connection
	return &pc
}

// rotationSpec is the connection's schedule; zero when none is set or it is
// switched off.
func (c *connection) rotationSpec() rotationSpec {
	if c.DisableAutomatedRotation {
		return rotationSpec{}
	}
	return rotationSpec{Period: c.RotationPeriod, Schedule: c.RotationSchedule, Window: c.RotationWindow}
}

func pathConfig(b *backend) []*framework.Path {
	fields := b.configFieldSchemas()
	// rotation_period, rotation_schedule, rotation_window,
	// disable_automated_rotation and rotation_policy, as every Vault engine
	// names them.
	automatedrotationutil.AddAutomatedRotationFields(fields)
	return []*framework.Path{
		{
			Pattern: configStoragePrefix + nameRegex("name"),
			DisplayAttrs: &framework.DisplayAttributes{
				OperationPrefix: operationPrefix,
				OperationSuffix: "connection",
			},
			Fields:         fields,
			ExistenceCheck: b.configExists,
			Operations: map[logical.Operation]framework.OperationHandler{
				logical.CreateOperation: &framework.PathOperation{
					Callback:                    b.pathConfigWrite,
					ForwardPerformanceStandby:   true,
					ForwardPerformanceSecondary: true,
					DisplayAttrs:                &framework.DisplayAttributes{OperationVerb: "configure"},
				},
				logical.UpdateOperation: &framework.PathOperation{
					Callback:                    b.pathConfigWrite,
					ForwardPerformanceStandby:   true,
					ForwardPerformanceSecondary: true,
					DisplayAttrs:                &framework.DisplayAttributes{OperationVerb: "configure"},
				},
				logical.ReadOperation: &framework.PathOperation{
					Callback:     b.pathConfigRead,
					DisplayAttrs: &framework.DisplayAttributes{OperationVerb: "read"},
				},
				logical.DeleteOperation: &framework.PathOperation{
					Callback:     b.pathConfigDelete,
					DisplayAttrs: &framework.DisplayAttributes{OperationVerb: "delete"},
				},
			},
			HelpSynopsis:    configHelpSyn,
			HelpDescription: b.help(configHelpDesc, "config"),
		},
		{
			Pattern: configStoragePrefix + "?$",
			DisplayAttrs: &framework.DisplayAttributes{
				OperationPrefix: operationPrefix,
				OperationSuffix: "connections",
			},
			Operations: map[logical.Operation]framework.OperationHandler{
				logical.ListOperation: &framework.PathOperation{
					Callback:     b.pathConfigList,
					DisplayAttrs: &framework.DisplayAttributes{OperationVerb: "list"},
				},
			},
			HelpSynopsis:    "List the configured connections.",
			HelpDescription: "Lists the names of the connections configured under config/.",
		},
	}
}

// configFieldSchemas are the common fields and every provider's own.
func (b *backend) configFieldSchemas() map[string]*framework.FieldSchema {
	fields := map[string]*framework.FieldSchema{
		"name": {
			Type:        framework.TypeString,
			Description: "Name of the connection; roles refer to it in their config field.",
			Required:    true,
		},
		"provider": {
			Type:          framework.TypeString,
			Description:   "Provider of the account: " + strings.Join(b.providerNames(), " or ") + ". Required on create; cannot be changed.",
			AllowedValues: b.providerValues(),
		},
		"base_url": {
			Type: framework.TypeString,
			Description: "API root. Defaults to " + b.eachKind(" or ", provider.Kind.DefaultBaseURL) + " for those providers. " +
				b.eachKind("", func(k provider.Kind) string {
					if h := k.Help("base_url"); h != "" {
						return h + " "
					}
					return ""
				}) +
				"Must use https, except to a loopback host or with allow_insecure_http.",
		},
		"ca_cert": {
			Type:        framework.TypeString,
			Description: "PEM bundle of CA certificates to trust for a self-hosted provider.",
		},
		"allow_insecure_http": {
			Type: framework.TypeBool,
			Description: "Allow a plain http:// base_url to a host that is not loopback. Default false: base_url must use " +
				"https, since the connection's credential and every token it issues cross the network on it. " +
				"http to 127.0.0.0/8, ::1 or localhost is always allowed.",
		},
		"registry_host": {
			Type: framework.TypeString,
			Description: "Container registry host (with optional port) that creds pair registry-capable tokens with " +
				"(registry, docker_config_json). Unset: " + b.eachKind(" or ", provider.Kind.DefaultRegistryHost) +
				" when base_url is the public " + b.eachKind(" or ", provider.Kind.DefaultBaseURL) +
				"; elsewhere the registry the provider names for a token, if any; otherwise no registry output. " +
				"A read shows the host creds use, empty when none is set or only the provider's answer for a token names it. " +
				"Write an empty value to unset it. " + b.eachKind(" ", func(k provider.Kind) string { return k.Help("registry_host") }),
		},
	}
	// In name order, as scopeFieldSchemas: a field two providers share is
	// the same one on every start.
	for _, n := range b.providerNames() {
		addFields(fields, b.kinds[n].ConnectionFields())
	}
	return fields
}

func (b *backend) configExists(ctx context.Context, req *logical.Request, d *framework.FieldData) (bool, error) {
	c, err := b.connection(ctx, req.Storage, d.Get("name").(string))
	return c != nil, err
}

func (b *backend) pathConfigWrite(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	name := d.Get("name").(string)
	lock := locksutil.LockForKey(b.configLocks, name)
	lock.Lock()
	defer lock.Unlock()

	// A rotated token still waiting in memory is the one to keep unless the
	// operator writes another.
	conn, err := b.connection(ctx, req.Storage, name)
	if err != nil {
		return nil, err
	}
	conn = b.withUnsaved(conn)
	if conn == nil {
		if msg := newNameProblem(name); msg != "" {
			return logical.ErrorResponse(msg), nil
		}
		conn = &connection{Connection: provider.Connection{Name: name}}
	}
	prevBaseURL, prevUser := conn.BaseURL, credentialUser(conn.Credential)
	prevSpec := conn.rotationSpec()
	if msg := b.applyConnectionFields(conn, d); msg != "" {
		return logical.ErrorResponse(msg), nil
	}
	if msg := applyRotationFields(conn, d); msg != "" {
		return logical.ErrorResponse(msg), nil
	}
	kind, err := b.kind(conn.Provider)
	if err != nil {
		return logical.ErrorResponse(err.Error()), nil
	}
	if conn.BaseURL == "" {
		conn.BaseURL = kind.DefaultBaseURL()
	}
	if msg := plainHTTPProblem(conn); msg != "" {
		return logical.ErrorResponse(msg), nil
	}
	if prevBaseURL != "" && conn.BaseURL != prevBaseURL {
		// A token revokes only at the base_url that issued it: the
		// credential is never sent to another host, and a GHES CA applies
		// only there.
		if msg, err := b.connectionInUse(ctx, req, name, "move base_url away from "+prevBaseURL); err != nil || msg != "" {
			if err != nil {
				return nil, err
			}
			return logical.ErrorResponse(msg), nil
		}
	}
	if err := kind.ValidateConnection(conn.providerConnection()); err != nil {
		return logical.ErrorResponse(err.Error()), nil
	}
	now := b.now()
	if msg := checkScheduleFitsProvider(conn, kind, now); msg != "" {
		return logical.ErrorResponse(msg), nil
	}

	// The credential must work before it is stored: a fresh client, not the
	// cached one, so the check uses exactly what was written.
	client, err := b.newClient(conn.providerConnection())
	if err != nil {
		return logical.ErrorResponse(err.Error()), nil
	}
	info, err := client.Verify(ctx)
	if err != nil {
		return logical.ErrorResponse("%s did not accept the connection's credential: %s", conn.Provider, err), nil
	}
	if user := credentialUser(info); prevUser != "" && user != prevUser && conn.BaseURL == prevBaseURL {
		// Where the credential names its user (Verify's user_id), the
		// connection's tokens revoke as that user, and a provider answers
		// 404 (counted as revoked) for what its user cannot see: leases
		// would end with their tokens alive. A new credential of the same
		// user is fine.
		change := fmt.Sprintf("give it a credential of another user (id %s, not %s)", user, prevUser)
		if msg, err := b.connectionInUse(ctx, req, name, change); err != nil || msg != "" {
			if err != nil {
				return nil, err
			}
			return logical.ErrorResponse(msg), nil
		}
	}
	conn.Credential = info
	conn.VerifiedAt = now.UTC()
	written := func(field string) bool { _, ok := d.Raw[field]; return ok }
	if err := kind.CheckConnection(ctx, &conn.Connection, info, written, b.newClient); err != nil {
		return logical.ErrorResponse(err.Error()), nil
	}

	if msg := b.applyRootRotationSchedule(ctx, req, conn, prevSpec); msg != "" {
		return logical.ErrorResponse(msg), nil
	}
	if err := b.putConnection(ctx, req.Storage, conn); err != nil {
		if conn.Rotation.ManagedBy == managedByVault {
			return nil, fmt.Errorf("the rotation manager accepted the schedule, but storing the connection failed: %w", err)
		}
		return nil, err
	}
	b.settleUnsaved(ctx, conn)
	b.setClient(conn, client)
	if conn.Rotation.ManagedBy == managedByEngine {
		b.queue.set(queueKeyConnection+name, conn.Rotation.wake())
	} else {
		b.queue.remove(queueKeyConnection + name)
	}

	resp := &logical.Response{}
	for _, w := range rotationWarnings(conn, kind) {
		resp.AddWarning(w)
	}
	if w := registryWarning(conn, kind); w != "" {
		resp.AddWarning(w)
	}
	if len(resp.Warnings) == 0 {
		return nil, nil
	}
	return resp, nil
}

// applyRotationFields reads Vault's standard rotation fields. A request that
// sets a period drops a stored schedule and window, and the other way round,
// so switching from one to the other is one write.
func applyRotationFields(conn *connection, d *framework.FieldData) string {
	if err := conn.ParseAutomatedRotationFields(d); err != nil {
		return err.Error()
	}
	if _, ok := d.GetOk("rotation_period"); ok && conn.RotationPeriod != 0 {
		conn.RotationSchedule, conn.RotationWindow = "", 0
	}
	if _, ok := d.GetOk("rotation_schedule"); ok && conn.RotationSchedule != "" {
		conn.RotationPeriod = 0
	}
	spec := rotationSpec{Period: conn.RotationPeriod, Schedule: conn.RotationSchedule, Window: conn.RotationWindow}
	return spec.validate()
}

// checkScheduleFitsProvider refuses a schedule that would leave the
// credential waiting longer than the provider lets it live.
func checkScheduleFitsProvider(conn *connection, kind provider.Kind, now time.Time) string {
	// Checked even while switched off, so switching it on cannot fail later.
	spec := rotationSpec{Period: conn.RotationPeriod, Schedule: conn.RotationSchedule, Window: conn.RotationWindow}
	_, limit := kind.CredentialLifetime(&conn.Connection)
	if limit == 0 || !spec.enabled() {
		return ""
	}
	if gap := spec.longestGap(now); gap >= limit {
		return fmt.Sprintf("the schedule leaves up to %s between rotations, but %s tokens live at most %s; rotate more often", gap, kind.DisplayName(), limit)
	}
	return ""
}

// rotationWarnings point out schedules that cannot work as written.
func rotationWarnings(conn *connection, kind provider.Kind) []string {
	if !conn.rotationSpec().enabled() {
		return nil
	}
	out := kind.RotationWarnings(&conn.Connection, conn.Credential)
	if expires, ok := conn.Credential["expires_at"].(time.Time); ok && conn.Rotation.ManagedBy == managedByEngine &&
		!conn.Rotation.Next.IsZero() && expires.Before(conn.Rotation.Next) {
		out = append(out, fmt.Sprintf("the token expires at %s, before the first scheduled rotation at %s; rotate it now with rotate-root/%s",
			expires.Format(time.RFC3339), conn.Rotation.Next.Format(time.RFC3339), conn.Name))
	}
	return out
}

// applyConnectionFields copies the request's fields onto conn and returns a
// message for the operator when they do not fit together.
func (b *backend) applyConnectionFields(conn *connection, d *framework.FieldData) string {
	if p, ok := d.GetOk("provider"); ok {
		p := strings.ToLower(strings.TrimSpace(p.(string)))
		if conn.Provider != "" && p != conn.Provider {
			return fmt.Sprintf("provider cannot be changed (connection %q is %s); delete it and create it again", conn.Name, conn.Provider)
		}
		conn.Provider = p
	}
	if conn.Provider == "" {
		return "provider is required: " + strings.Join(b.providerNames(), " or ")
	}
	kind, err := b.kind(conn.Provider)
	if err != nil {
		return err.Error()
	}
	if msg := b.foreignField(d, conn.Provider, provider.Kind.ConnectionFields, "connections"); msg != "" {
		return msg
	}
	if v, ok := d.GetOk("base_url"); ok {
		u, msg := normaliseBaseURL(v.(string))
		if msg != "" {
			return msg
		}
		conn.BaseURL = u
	}
	if v, ok := d.GetOk("ca_cert"); ok {
		pem := strings.TrimSpace(v.(string))
		if pem != "" && !x509.NewCertPool().AppendCertsFromPEM([]byte(pem)) {
			return "ca_cert holds no PEM certificate"
		}
		conn.CACert = pem
	}
	if v, ok := d.GetOk("allow_insecure_http"); ok {
		conn.AllowInsecureHTTP = v.(bool)
	}
	if v, ok := d.GetOk("registry_host"); ok {
		host := strings.TrimSpace(v.(string))
		if strings.ContainsAny(host, "/ @") {
			return "registry_host must be a host name with an optional port, such as registry.example.com or git.example.com:5050"
		}
		conn.RegistryHost, conn.RegistryHostSet = host, host != ""
	}
	if err := kind.ApplyConnection(&conn.Connection, d); err != nil {
		return err.Error()
	}
	return ""
}

// normaliseBaseURL accepts an absolute http(s) URL and drops a trailing slash,
// so "https://ghe.example.com/api/v3" and ".../api/v3/" are the same root.
func normaliseBaseURL(raw string) (string, string) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		// Not quoted: a value too broken to parse may still hold a password.
		return "", "base_url must be an absolute http or https URL"
	}
	if u.User != nil {
		return "", "base_url must not carry credentials; use private_key or token"
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		if strings.Contains(raw, "@") {
			// Quoted only without an "@": a value such as "x#://user:pw@"
			// parses, but what looks like a password is still one.
			return "", "base_url must be an absolute http or https URL"
		}
		return "", fmt.Sprintf("base_url %q must be an absolute http or https URL", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", "base_url must not have a query or fragment"
	}
	return strings.TrimRight(u.String(), "/"), ""
}

// plainHTTPProblem refuses a plain http base_url unless it stays on this
// machine (a loopback address or localhost) or the operator opted in with
// allow_insecure_http: over http the connection's credential and every
// token it issues cross the network readable by anyone on the path.
func plainHTTPProblem(conn *connection) string {
	u, err := url.Parse(conn.BaseURL)
	if err != nil || u.Scheme != "http" || conn.AllowInsecureHTTP || isLoopbackHost(u.Hostname()) {
		return ""
	}
	return fmt.Sprintf("base_url must use https: %s is plain http to a host that is not loopback (127.0.0.0/8, ::1, localhost); "+
		"use https, or set allow_insecure_http=true to send the credential and tokens unencrypted", conn.BaseURL)
}

// isLoopbackHost reports a host name that never leaves this machine. Only
// literal addresses and "localhost" count: a name resolved through DNS
// could point anywhere.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (b *backend) pathConfigRead(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	conn, err := b.connection(ctx, req.Storage, d.Get("name").(string))
	if err != nil || conn == nil {
		return nil, err
	}
	// Show the credential the engine acts with.
	conn = b.withUnsaved(conn)
	data := map[string]any{
		"provider":    conn.Provider,
		"base_url":    conn.BaseURL,
		"ca_cert":     conn.CACert,
		"verified_at": conn.VerifiedAt.Format(time.RFC3339),

		"allow_insecure_http": conn.AllowInsecureHTTP,
	}
	if kind, err := b.kind(conn.Provider); err == nil {
		// What creds pair with, not only what was written; empty where
		// only the provider's answer for each token can name it.
		data["registry_host"] = conn.registryHost(kind, "")
		maps.Copy(data, kind.ConnectionData(&conn.Connection))
		maps.Copy(data, kind.CredentialData(conn.Credential))
	}
	b.rootRotationData(ctx, data, conn)
	// What the provider said identifies the credential (fingerprints, token
	// id, scopes, expiry); it was built never to hold the credential itself.
	for k, v := range conn.Credential {
		if _, taken := data[k]; !taken {
			data[k] = v
		}
	}
	return &logical.Response{Data: data}, nil
}

func (b *backend) pathConfigDelete(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	name := d.Get("name").(string)
	lock := locksutil.LockForKey(b.configLocks, name)
	lock.Lock()
	defer lock.Unlock()

	conn, err := b.connection(ctx, req.Storage, name)
	if err != nil || conn == nil {
		return nil, err
	}
	if msg, err := b.connectionInUse(ctx, req, name, "delete the connection"); err != nil || msg != "" {
		if err != nil {
			return nil, err
		}
		return logical.ErrorResponse(msg), nil
	}
	if err := b.deregisterRootRotation(ctx, req, conn); err != nil {
		return nil, fmt.Errorf("remove the connection's schedule from Vault's rotation manager: %w", err)
	}
	if err := b.deleteConnection(ctx, req.Storage, name); err != nil {
		return nil, err
	}
	b.dropClient(name)
	if u := b.unsavedFor(name); u != nil {
		b.forgetUnsaved(ctx, u)
	}
	return nil, nil
}

// connectionInUse says why connection name may not change as change says
// (delete it, move its base_url, take another user's token), or "" when it
// may. Every token the connection issued revokes through the connection as
// it is: static roles' tokens, leased ones (queued revocations and pending
// WAL rollbacks included, live_tokens.go). Creds requests hold the
// connection's read lock while they issue (pathCredsIssue), so none is
// between reading the connection and recording its token here.
func (b *backend) connectionInUse(ctx context.Context, req *logical.Request, name, change string) (string, error) {
	users, err := staticRolesUsing(ctx, req.Storage, name)
	if err != nil {
		return "", err
	}
	if len(users) > 0 {
		return fmt.Sprintf("connection %q is used by static roles %s, whose tokens revoke through it; delete them first (that revokes their tokens), then %s",
			name, strings.Join(users, ", "), change), nil
	}
	holders, err := rolesHoldingCreated(ctx, req.Storage, name)
	if err != nil {
		return "", err
	}
	if len(holders) > 0 {
		return fmt.Sprintf("connection %q is used by %s, which name what the engine created at the provider for them and deletes through this connection when they go; delete them first, then %s",
			name, strings.Join(holders, ", "), change), nil
	}
	pending, err := pendingResourceCreates(ctx, req.Storage, name)
	if err != nil {
		return "", err
	}
	if pending > 0 {
		return fmt.Sprintf("connection %q has %d failed role %s whose resource (such as a service account) the provider may have made; the WAL rollback looks for %s through the connection within minutes and deletes what no role names, so try again after it, then %s",
			name, pending, plural(pending, "write", "writes"), plural(pending, "it", "them"), change), nil
	}
	live, err := liveTokensOf(ctx, req.Storage, name)
	if err != nil || !live.any() {
		return "", err
	}
	return fmt.Sprintf("cannot %s: %s", change, live.refusal(name, req.MountPoint)), nil
}

// credentialUser is the provider's user id of a credential as Verify
// described it, "" when it names none. Stored info has been through JSON.
func credentialUser(info provider.CredentialInfo) string {
	switch v := info["user_id"].(type) {
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatInt(int64(v), 10)
	case json.Number:
		return v.String()
	default:
		return ""
	}
}

// rootRotationData shows the connection's schedule and where it stands.
// While Vault's rotation manager runs it, the manager says when it rotated
// and will rotate; the engine's record stands in when it cannot say.
func (b *backend) rootRotationData(ctx context.Context, data map[string]any, conn *connection) {
	conn.PopulateAutomatedRotationData(data)
	data["rotation_managed_by"] = conn.Rotation.ManagedBy
	st := conn.Rotation
	if st.ManagedBy == managedByVault {
		if last, next, ok := b.vaultRotationInfo(ctx, conn.Name); ok {
			if last.Unix() > 0 {
				st.Last = last
			}
			st.Next, st.Failures = next, 0
		}
	}
	rotationStateData(data, st)
}

func (b *backend) pathConfigList(ctx context.Context, req *logical.Request, _ *framework.FieldData) (*logical.Response, error) {
	names, err := req.Storage.List(ctx, configStoragePrefix)
	if err != nil {
		return nil, err
	}
	return logical.ListResponse(names), nil
}

// connection reads connection name as stored; nil when there is none. It is
// the one way to read a connection: served from the backend's cache, which
// every write (putConnection, deleteConnection) and every replicated write
// (invalidate) clears. The caller gets its own copy to change and store.
//
// A rotated credential that still waits in memory to be stored is not in
// it: whoever acts with the connection or writes it back hands it over
// explicitly with withUnsaved (client does so for every provider call).
func (b *backend) connection(ctx context.Context, s logical.Storage, name string) (*connection, error) {
	cached, err := b.connections.read(ctx, s, configStoragePrefix+name, func(entry *logical.StorageEntry) (*connection, error) {
		return b.decodeConnection(name, entry)
	})
	if err != nil || cached == nil {
		return nil, err
	}
	// Shallow: changes replace the slices and maps rather than write into them.
	c := *cached
	return &c, nil
}

func (b *backend) decodeConnection(name string, entry *logical.StorageEntry) (*connection, error) {
	conn := &connection{}
	if err := entry.DecodeJSON(conn); err != nil {
		return nil, fmt.Errorf("decode connection: %w", err)
	}
	if err := decodeSettings(conn, entry); err != nil {
		return nil, fmt.Errorf("decode connection: %w", err)
	}
	conn.Name = name
	conn.migrateRegistryHost(b.legacyRegistryDefault)
	return conn, nil
}

// putConnection writes a connection. Every write of one goes through here
// (or deleteConnection), which keeps the cache of connection true.
func (b *backend) putConnection(ctx context.Context, s logical.Storage, conn *connection) error {
	entry, err := logical.StorageEntryJSON(configStoragePrefix+conn.Name, conn)
	if err != nil {
		return fmt.Errorf("encode connection: %w", err)
	}
	defer b.connections.forget(entry.Key)
	if err := s.Put(ctx, entry); err != nil {
		return fmt.Errorf("write connection: %w", err)
	}
	return nil
}

func (b *backend) deleteConnection(ctx context.Context, s logical.Storage, name string) error {
	defer b.connections.forget(configStoragePrefix + name)
	if err := s.Delete(ctx, configStoragePrefix+name); err != nil {
		return fmt.Errorf("delete connection: %w", err)
	}
	return nil
}

type errNoConnection struct{ name string }

func (e errNoConnection) Error() string {
	return fmt.Sprintf("connection %q does not exist; write config/%s first", e.name, e.name)
}

func isNoConnection(err error) bool {
	var e errNoConnection
	return errors.As(err, &e)
}

const configHelpSyn = "Configure a connection to a provider account."

const configHelpDesc = `
A connection holds the credential the engine acts with on one provider
account. Several connections can live in one mount; roles name the one they
use.

A write checks the credential against the provider and is refused when it does
not work. A read never returns a private key or token; it shows what
identifies them.

base_url must use https unless it is a loopback address or localhost, or
allow_insecure_http is true. registry_host defaults to the provider's public
registry only on the public base_url; a token of a self-hosted server is never
paired with a public registry.

A delete is refused while tokens the connection issued are live, or while
static roles use it: revoking their tokens needs the connection. The refusal
says how many and names a vault lease revoke -prefix per role. A write that
moves base_url, or gives the connection a credential of another user, is
refused for the same reason.

The credential rotates through rotate-root/<name>, and on a schedule set with
rotation_period or rotation_schedule (cron, UTC; optional rotation_window).
Vault Enterprise's rotation manager runs the schedule where it can; otherwise
the engine runs it itself (rotation_managed_by shows which). A read shows
last_rotated, next_rotation and the last rotation error.
`
