package gitea

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/vault/sdk/framework"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// DisplayName implements provider.Kind.
func (Kind) DisplayName() string { return "Gitea" }

// ConnectionFields implements provider.Kind: the bot account.
func (Kind) ConnectionFields() map[string]*framework.FieldSchema {
	return map[string]*framework.FieldSchema{
		"username": {
			Type:        framework.TypeString,
			Description: "Bot account the engine signs in as (gitea).",
		},
		"password": {
			Type: framework.TypeString,
			Description: "Password of the bot account (gitea). Write-only. Gitea and Forgejo manage access tokens only " +
				"for a caller signed in with the password; rotate-root changes it where the account is a site administrator.",
			DisplayAttrs: &framework.DisplayAttributes{Sensitive: true},
		},
	}
}

// ApplyConnection implements provider.Kind. The password is kept as
// written: spaces may be part of it.
func (Kind) ApplyConnection(c *provider.Connection, d *framework.FieldData) error {
	s, err := settingsOf(c)
	if err != nil {
		return err
	}
	if v, ok := d.GetOk("username"); ok {
		s.Username = strings.TrimSpace(v.(string))
	}
	if v, ok := d.GetOk("password"); ok {
		s.Password, s.PreviousPassword = v.(string), ""
	}
	c.Settings = provider.Encode(s)
	return nil
}

// CheckConnection implements provider.Kind: Verify said all there is.
func (Kind) CheckConnection(context.Context, *provider.Connection, provider.CredentialInfo, func(string) bool, provider.NewClientFunc) error {
	return nil
}

// ConnectionData implements provider.Kind: the bot account, and the
// registry creds pair with, which is base_url's host unless registry_host
// names another.
func (Kind) ConnectionData(c *provider.Connection) map[string]any {
	s, _ := settingsOf(c) // unreadable settings show no username
	data := map[string]any{"username": s.Username}
	if c.RegistryHost == "" {
		if u, err := url.Parse(c.BaseURL); err == nil {
			data["registry_host"] = u.Host
		}
	}
	return data
}

// CredentialData implements provider.Kind: what Verify (or a rotation)
// said of the account and the server; never the password.
func (Kind) CredentialData(info provider.CredentialInfo) map[string]any {
	data := map[string]any{}
	for _, k := range []string{"username", "user_id", "is_admin", "server", "server_version", "repository_restriction", "rotation", "password_changed_at", "password_confirmed"} {
		if v, ok := info[k]; ok {
			data[k] = v
		}
	}
	return data
}

// RegistryWarning implements provider.Kind: none, the registry is on
// base_url's host (Issue names it for each token).
func (Kind) RegistryWarning(*provider.Connection) string { return "" }

// ExpiryMargin implements provider.Kind: tokens do not expire at the
// server; the lease is the only bound.
func (Kind) ExpiryMargin() time.Duration { return 0 }

// StaticRoleRefusal implements provider.Kind.
func (Kind) StaticRoleRefusal() string {
	return "whose access tokens never expire and are not rotated by static roles; use roles/ and creds/, whose leases end them"
}
