package gitlab

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/vault/sdk/framework"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// DisplayName implements provider.Kind.
func (Kind) DisplayName() string { return "GitLab" }

// ConnectionFields implements provider.Kind: the token the engine acts with.
func (Kind) ConnectionFields() map[string]*framework.FieldSchema {
	return map[string]*framework.FieldSchema{
		"token": {
			Type:         framework.TypeString,
			Description:  "GitLab token the engine acts with (gitlab). Write-only. Rotation needs the api or self_rotate scope.",
			DisplayAttrs: &framework.DisplayAttributes{Sensitive: true},
		},
		"token_lifetime": {
			Type: framework.TypeDurationSecond,
			Description: "Lifetime of each new token when the engine rotates its GitLab token (gitlab). " +
				"Defaults to the lifetime of the token as written (its creation to its expiry date), " +
				"or 364 days for a token without expiry; 0 means 364 days. Never shorter than the rotation schedule needs, plus 7 days; " +
				"never longer than GitLab allows (364 days).",
		},
	}
}

// ApplyConnection implements provider.Kind.
func (Kind) ApplyConnection(pc *provider.Connection, d *framework.FieldData) error {
	c, err := settingsOf(pc)
	if err != nil {
		return err
	}
	defer func() { pc.Settings = provider.Encode(c) }()
	if v, ok := d.GetOk("token"); ok {
		c.Token = strings.TrimSpace(v.(string))
	}
	if v, ok := d.GetOk("token_lifetime"); ok {
		secs := v.(int)
		if secs < 0 {
			return fmt.Errorf("token_lifetime must not be negative")
		}
		lifetime := time.Duration(secs) * time.Second
		if lifetime != 0 && lifetime < 24*time.Hour {
			return fmt.Errorf("token_lifetime must be at least a day (GitLab tokens expire on a date); leave it out for the default")
		}
		c.TokenLifetime = lifetime
	}
	return nil
}

// CheckConnection implements provider.Kind: a token written without
// token_lifetime keeps the lifetime it was created with for the tokens
// the engine rotates it to.
func (Kind) CheckConnection(_ context.Context, pc *provider.Connection, info provider.CredentialInfo, written func(string) bool, _ provider.NewClientFunc) error {
	if !written("token") || written("token_lifetime") {
		return nil
	}
	c, err := settingsOf(pc)
	if err != nil {
		return err
	}
	c.TokenLifetime = tokenLifetimeOf(info)
	pc.Settings = provider.Encode(c)
	return nil
}

// tokenLifetimeOf is the lifetime a token was created with.
func tokenLifetimeOf(info provider.CredentialInfo) time.Duration {
	created, okC := info["created_at"].(time.Time)
	expires, okE := info["expires_at"].(time.Time)
	if !okC || !okE || !expires.After(created) {
		return maxAccessTokenTTL
	}
	return min(expires.Sub(created), maxAccessTokenTTL)
}

// ConnectionData implements provider.Kind.
func (k Kind) ConnectionData(c *provider.Connection) map[string]any {
	lifetime, _ := k.CredentialLifetime(c)
	return map[string]any{"token_lifetime": int64(lifetime.Seconds())}
}

// CredentialData implements provider.Kind: the token's id, expiry and
// scopes.
func (Kind) CredentialData(info provider.CredentialInfo) map[string]any {
	data := map[string]any{}
	for _, k := range []string{"token_id", "expires_at", "scopes"} {
		if v, ok := info[k]; ok {
			data[k] = v
		}
	}
	return data
}

// RegistryWarning implements provider.Kind.
func (k Kind) RegistryWarning(*provider.Connection) string {
	return fmt.Sprintf("registry_host is not set and base_url is not %s: creds for project and deploy tokens on a project "+
		"use the registry GitLab names in the project's container_registry_image_prefix; other tokens, and every token when "+
		"GitLab names none, get no registry or docker_config_json until registry_host is set", k.DefaultBaseURL())
}

// ExpiryMargin implements provider.Kind: a token's expiry at GitLab is a
// backstop after its lease.
func (Kind) ExpiryMargin() time.Duration { return 0 }

// StaticRoleRefusal implements provider.Kind: static roles hold GitLab
// tokens.
func (Kind) StaticRoleRefusal() string { return "" }
