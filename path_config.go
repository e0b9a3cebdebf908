package gitsecrets

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/helper/locksutil"
	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

const configStoragePrefix = "config/"

// connection is a stored config/:name entry.
type connection struct {
	Name         string `json:"-"`
	Provider     string `json:"provider"`
	BaseURL      string `json:"base_url"`
	CACert       string `json:"ca_cert,omitempty"`
	RegistryHost string `json:"registry_host"`

	AppID       int64    `json:"app_id,omitempty"`
	ClientID    string   `json:"client_id,omitempty"`
	PrivateKeys []string `json:"private_keys,omitempty"`

	Token string `json:"token,omitempty"`

	// Credential is what the provider said about the credential when it was
	// last verified. It identifies the credential and never contains it.
	Credential provider.CredentialInfo `json:"credential,omitempty"`
	VerifiedAt time.Time               `json:"verified_at"`
}

func (c *connection) providerConnection() *provider.Connection {
	return &provider.Connection{
		Name:         c.Name,
		Provider:     c.Provider,
		BaseURL:      c.BaseURL,
		CACert:       c.CACert,
		RegistryHost: c.RegistryHost,
		AppID:        c.AppID,
		ClientID:     c.ClientID,
		PrivateKeys:  c.PrivateKeys,
		Token:        c.Token,
	}
}

// providerFields says which write fields belong to which provider, so a field
// of the other provider is refused instead of silently ignored.
var providerFields = map[string][]string{
	"github": {"app_id", "client_id", "private_key"},
	"gitlab": {"token"},
}

func pathConfig(b *backend) []*framework.Path {
	return []*framework.Path{
		{
			Pattern: configStoragePrefix + framework.GenericNameRegex("name"),
			DisplayAttrs: &framework.DisplayAttributes{
				OperationPrefix: operationPrefix,
				OperationSuffix: "connection",
			},
			Fields: map[string]*framework.FieldSchema{
				"name": {
					Type:        framework.TypeString,
					Description: "Name of the connection; roles refer to it in their config field.",
					Required:    true,
				},
				"provider": {
					Type:          framework.TypeString,
					Description:   "Provider of the account: github or gitlab. Required on create; cannot be changed.",
					AllowedValues: []any{"github", "gitlab"},
				},
				"base_url": {
					Type: framework.TypeString,
					Description: "API root. Defaults to https://api.github.com or https://gitlab.com. " +
						"GitHub Enterprise Server: https://HOST/api/v3.",
				},
				"ca_cert": {
					Type:        framework.TypeString,
					Description: "PEM bundle of CA certificates to trust for a self-hosted provider.",
				},
				"app_id": {
					Type:        framework.TypeInt64,
					Description: "GitHub App ID (github).",
				},
				"client_id": {
					Type:        framework.TypeString,
					Description: "GitHub App client ID (github, optional). Used as the JWT issuer when set.",
				},
				"private_key": {
					Type:         framework.TypeString,
					Description:  "GitHub App private key, PEM, PKCS#1 or PKCS#8 RSA (github). Write-only.",
					DisplayAttrs: &framework.DisplayAttributes{Sensitive: true},
				},
				"token": {
					Type:         framework.TypeString,
					Description:  "GitLab token the engine acts with (gitlab). Write-only.",
					DisplayAttrs: &framework.DisplayAttributes{Sensitive: true},
				},
				"registry_host": {
					Type:        framework.TypeString,
					Description: "Container registry host for registry credentials. Defaults to ghcr.io or registry.gitlab.com.",
				},
			},
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
			HelpDescription: configHelpDesc,
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

func (b *backend) configExists(ctx context.Context, req *logical.Request, d *framework.FieldData) (bool, error) {
	c, err := getConnection(ctx, req.Storage, d.Get("name").(string))
	return c != nil, err
}

func (b *backend) pathConfigWrite(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	name := d.Get("name").(string)
	lock := locksutil.LockForKey(b.configLocks, name)
	lock.Lock()
	defer lock.Unlock()

	conn, err := getConnection(ctx, req.Storage, name)
	if err != nil {
		return nil, err
	}
	if conn == nil {
		conn = &connection{Name: name}
	}
	if msg := applyConnectionFields(conn, d); msg != "" {
		return logical.ErrorResponse(msg), nil
	}
	kind, err := b.kind(conn.Provider)
	if err != nil {
		return logical.ErrorResponse(err.Error()), nil
	}
	if conn.BaseURL == "" {
		conn.BaseURL = kind.DefaultBaseURL()
	}
	if conn.RegistryHost == "" {
		conn.RegistryHost = kind.DefaultRegistryHost()
	}
	if err := kind.ValidateConnection(conn.providerConnection()); err != nil {
		return logical.ErrorResponse(err.Error()), nil
	}

	// The credential must work before it is stored: a fresh client, not the
	// cached one, so the check uses exactly what was written.
	client, err := kind.NewClient(conn.providerConnection(), b.providerOptions())
	if err != nil {
		return logical.ErrorResponse(err.Error()), nil
	}
	info, err := client.Verify(ctx)
	if err != nil {
		return logical.ErrorResponse("%s did not accept the connection's credential: %s", conn.Provider, err), nil
	}
	conn.Credential = info
	conn.VerifiedAt = b.now().UTC()

	if err := putConnection(ctx, req.Storage, conn); err != nil {
		return nil, err
	}
	b.clientsMu.Lock()
	b.clients[name] = client
	b.clientsMu.Unlock()
	return nil, nil
}

// applyConnectionFields copies the request's fields onto conn and returns a
// message for the operator when they do not fit together.
func applyConnectionFields(conn *connection, d *framework.FieldData) string {
	if p, ok := d.GetOk("provider"); ok {
		p := strings.ToLower(strings.TrimSpace(p.(string)))
		if conn.Provider != "" && p != conn.Provider {
			return fmt.Sprintf("provider cannot be changed (connection %q is %s); delete it and create it again", conn.Name, conn.Provider)
		}
		conn.Provider = p
	}
	if conn.Provider == "" {
		return "provider is required: github or gitlab"
	}
	for other, fields := range providerFields {
		if other == conn.Provider {
			continue
		}
		for _, f := range fields {
			if _, ok := d.Raw[f]; ok {
				return fmt.Sprintf("%s applies to %s connections only; this connection is %s", f, other, conn.Provider)
			}
		}
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
	if v, ok := d.GetOk("registry_host"); ok {
		host := strings.TrimSpace(v.(string))
		if strings.ContainsAny(host, "/ @") {
			return "registry_host must be a host name with an optional port, such as ghcr.io or gitlab.example.com:5050"
		}
		conn.RegistryHost = host
	}
	if v, ok := d.GetOk("app_id"); ok {
		conn.AppID = v.(int64)
	}
	if v, ok := d.GetOk("client_id"); ok {
		conn.ClientID = strings.TrimSpace(v.(string))
	}
	if v, ok := d.GetOk("private_key"); ok {
		conn.PrivateKeys = []string{strings.TrimSpace(v.(string))}
	}
	if v, ok := d.GetOk("token"); ok {
		conn.Token = strings.TrimSpace(v.(string))
	}
	return ""
}

// normaliseBaseURL accepts an absolute http(s) URL and drops a trailing slash,
// so "https://ghe.example.com/api/v3" and ".../api/v3/" are the same root.
func normaliseBaseURL(raw string) (string, string) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Sprintf("base_url %q must be an absolute http or https URL", raw)
	}
	if u.User != nil {
		return "", "base_url must not carry credentials; use private_key or token"
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", "base_url must not have a query or fragment"
	}
	return strings.TrimRight(u.String(), "/"), ""
}

func (b *backend) pathConfigRead(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	conn, err := getConnection(ctx, req.Storage, d.Get("name").(string))
	if err != nil || conn == nil {
		return nil, err
	}
	data := map[string]any{
		"provider":      conn.Provider,
		"base_url":      conn.BaseURL,
		"ca_cert":       conn.CACert,
		"registry_host": conn.RegistryHost,
		"verified_at":   conn.VerifiedAt.Format(time.RFC3339),
	}
	if conn.Provider == "github" {
		data["app_id"] = conn.AppID
		data["client_id"] = conn.ClientID
	}
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

	conn, err := getConnection(ctx, req.Storage, name)
	if err != nil || conn == nil {
		return nil, err
	}
	// GitLab revocation needs the connection's credential; deleting it
	// while its tokens are live would leave leases that can never revoke.
	if conn.Provider == "gitlab" {
		n, err := countTokens(ctx, req.Storage, tokenFilter{Config: name})
		if err != nil {
			return nil, err
		}
		if n > 0 {
			return logical.ErrorResponse("connection %q still has %d live tokens; revoke their leases first (vault lease revoke -prefix %screds/)", name, n, req.MountPoint), nil
		}
	}
	if err := req.Storage.Delete(ctx, configStoragePrefix+name); err != nil {
		return nil, fmt.Errorf("delete connection: %w", err)
	}
	b.dropClient(name)
	return nil, nil
}

func (b *backend) pathConfigList(ctx context.Context, req *logical.Request, _ *framework.FieldData) (*logical.Response, error) {
	names, err := req.Storage.List(ctx, configStoragePrefix)
	if err != nil {
		return nil, err
	}
	return logical.ListResponse(names), nil
}

func getConnection(ctx context.Context, s logical.Storage, name string) (*connection, error) {
	entry, err := s.Get(ctx, configStoragePrefix+name)
	if err != nil {
		return nil, fmt.Errorf("read connection: %w", err)
	}
	if entry == nil {
		return nil, nil
	}
	conn := &connection{}
	if err := entry.DecodeJSON(conn); err != nil {
		return nil, fmt.Errorf("decode connection: %w", err)
	}
	conn.Name = name
	return conn, nil
}

func putConnection(ctx context.Context, s logical.Storage, conn *connection) error {
	entry, err := logical.StorageEntryJSON(configStoragePrefix+conn.Name, conn)
	if err != nil {
		return fmt.Errorf("encode connection: %w", err)
	}
	if err := s.Put(ctx, entry); err != nil {
		return fmt.Errorf("write connection: %w", err)
	}
	return nil
}

// requireConnection loads a connection a role or lease names.
func requireConnection(ctx context.Context, s logical.Storage, name string) (*connection, error) {
	conn, err := getConnection(ctx, s, name)
	if err != nil {
		return nil, err
	}
	if conn == nil {
		return nil, errNoConnection{name}
	}
	return conn, nil
}

type errNoConnection struct{ name string }

func (e errNoConnection) Error() string {
	return fmt.Sprintf("connection %q does not exist; write config/%s first", e.name, e.name)
}

func isNoConnection(err error) bool {
	var e errNoConnection
	return errors.As(err, &e)
}

const configHelpSyn = "Configure a connection to a GitHub App or a GitLab account."

const configHelpDesc = `
A connection holds the credential the engine acts with on one provider
account. Several connections can live in one mount; roles name the one they
use.

GitHub: a GitHub App (app_id, optional client_id, private_key). The engine
signs short JWTs with the key and mints installation tokens.
GitLab: a token with the api scope (token). Project and group access tokens
need Maintainer or Owner on the target; personal tokens need an administrator.

A write checks the credential against the provider and is refused when it does
not work. A read never returns private_key or token; it shows what identifies
them (the key's SHA-256 fingerprint as GitHub displays it, the GitLab token's
id, scopes and expiry).
`
