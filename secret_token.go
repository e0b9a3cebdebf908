package gitsecrets

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// secretTokenType names the lease type of issued tokens. Leases carry it for
// life, so it is never renamed or removed.
const secretTokenType = "git_token"

// leaseInternal is everything revocation needs, kept in the lease's internal
// data (never shown to clients). It does not depend on the role, which may be
// deleted while its leases live.
type leaseInternal struct {
	Ref       string          `json:"token_ref"`
	Role      string          `json:"role"`
	Config    string          `json:"config"`
	Provider  string          `json:"provider"`
	BaseURL   string          `json:"base_url"`
	TokenType string          `json:"token_type"`
	Handle    provider.Handle `json:"handle"`
	// TokenExpiresAt is when the provider ends the token by itself, if
	// known: a queued revocation is moot after it.
	TokenExpiresAt time.Time `json:"token_expires_at,omitzero"`
}

// lease is what a lease of the token keeps: the entry's fields and the
// token's whole handle, secret included (the inventory entry keeps none);
// tokenExpiresAt is when the provider ends the token by itself.
func (e *tokenEntry) lease(h provider.Handle, tokenExpiresAt time.Time) leaseInternal {
	return leaseInternal{
		Ref: e.Ref, Role: e.Role, Config: e.Config, Provider: e.Provider, BaseURL: e.BaseURL,
		TokenType: e.TokenType, Handle: h, TokenExpiresAt: tokenExpiresAt,
	}
}

func (l leaseInternal) toMap() map[string]any {
	raw, _ := json.Marshal(l)
	m := map[string]any{}
	_ = json.Unmarshal(raw, &m)
	return m
}

func leaseInternalFrom(m map[string]any) (leaseInternal, error) {
	var l leaseInternal
	raw, err := json.Marshal(m)
	if err == nil {
		err = json.Unmarshal(raw, &l)
	}
	if err == nil && (l.Provider == "" || l.BaseURL == "") {
		err = fmt.Errorf("lease internal data lacks provider or base_url")
	}
	return l, err
}

func secretToken(b *backend) *framework.Secret {
	return &framework.Secret{
		Type: secretTokenType,
		Fields: map[string]*framework.FieldSchema{
			"token": {
				Type:        framework.TypeString,
				Description: "The token.",
			},
			"username": {
				Type:        framework.TypeString,
				Description: "Username to pair with the token for Git over HTTPS and registry logins.",
			},
		},
		// No Renew: a token's provider-side lifetime is fixed when it is
		// made, so a lease cannot outlive it.
		Revoke: b.secretTokenRevoke,
	}
}

func (b *backend) secretTokenRevoke(ctx context.Context, req *logical.Request, _ *framework.FieldData) (*logical.Response, error) {
	l, err := leaseInternalFrom(req.Secret.InternalData)
	if err != nil {
		return nil, fmt.Errorf("read lease: %w", err)
	}
	queued, err := b.revokeOrQueue(ctx, req.Storage, l)
	if err != nil {
		b.Logger().Warn("revoking token failed; Vault will retry", "role", l.Role, "config", l.Config, "token_ref", l.Ref, "error", err)
		return nil, err
	}
	if queued {
		// The inventory keeps the token until the queue has revoked it.
		return nil, nil
	}
	if err := deleteTokenEntry(ctx, req.Storage, l.Ref); err != nil {
		return nil, err
	}
	b.status.drop(l.Ref)
	return nil, nil
}

// revoke ends a token at the provider that issued it. Errors are transient
// from Vault's point of view: it retries the revocation with backoff.
func (b *backend) revoke(ctx context.Context, s logical.Storage, configName, providerName, baseURL string, h provider.Handle) error {
	client, err := b.revokeClient(ctx, s, configName, providerName, baseURL, h)
	if err != nil {
		return err
	}
	if err := client.Revoke(ctx, h); err != nil {
		return fmt.Errorf("revoke %s token: %w", providerName, err)
	}
	return nil
}

// revokeClient picks the client that can revoke a token. Tokens that revoke
// themselves (Handle.Secret) need no stored credential, so they revoke even after
// their connection is gone (deleted under an earlier release, which allowed
// that while its tokens lived, or moved to another base_url), though then
// without its ca_cert. Others need the issuing connection, and only while it
// still points at the instance that issued the token: its credential is never
// sent to another host.
func (b *backend) revokeClient(ctx context.Context, s logical.Storage, configName, providerName, baseURL string, h provider.Handle) (provider.Client, error) {
	conn, err := b.connection(ctx, s, configName)
	if err != nil {
		return nil, err
	}
	if conn != nil && conn.Provider == providerName && conn.BaseURL == baseURL {
		return b.client(conn)
	}
	if h.Secret == "" {
		if conn == nil {
			return nil, fmt.Errorf("connection %q was deleted; write it again to revoke its tokens", configName)
		}
		return nil, fmt.Errorf("connection %q now points at %s, not at %s which issued the token; point it back to revoke", configName, conn.BaseURL, baseURL)
	}
	kind, err := b.kind(providerName)
	if err != nil {
		return nil, err
	}
	pc := &provider.Connection{Name: configName, Provider: providerName, BaseURL: baseURL}
	if conn != nil && conn.BaseURL == baseURL {
		pc.CACert = conn.CACert
	}
	return kind.NewClient(pc, b.providerOptions())
}
