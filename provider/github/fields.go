package github

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/vault/sdk/framework"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// DisplayName implements provider.Kind.
func (Kind) DisplayName() string { return "GitHub" }

// ConnectionFields implements provider.Kind: the App's id and keys.
func (Kind) ConnectionFields() map[string]*framework.FieldSchema {
	return map[string]*framework.FieldSchema{
		"app_id": {
			Type:        framework.TypeInt64,
			Description: "GitHub App ID (github).",
		},
		"client_id": {
			Type:        framework.TypeString,
			Description: "GitHub App client ID (github, optional). Used as the JWT issuer when set.",
		},
		"private_key": {
			Type: framework.TypeString,
			Description: "GitHub App private key that signs, PEM, PKCS#1 or PKCS#8 RSA (github). Write-only. " +
				"Replaces the signing key; staged keys are kept.",
			DisplayAttrs: &framework.DisplayAttributes{Sensitive: true},
		},
		"staged_private_keys": {
			Type: framework.TypeCommaStringSlice,
			Description: "GitHub App private keys (PEM) waiting to sign, in the order rotate-root moves to them (github). Write-only. " +
				"Generate each on the App's settings page first: GitHub must accept every one. A write replaces the whole list; " +
				"an empty list clears it. At most 24, since an App holds at most 25 keys. " +
				"A read shows signing_key_fingerprint and staged_key_fingerprints.",
			DisplayAttrs: &framework.DisplayAttributes{Sensitive: true},
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
	if v, ok := d.GetOk("app_id"); ok {
		c.AppID = v.(int64)
	}
	if v, ok := d.GetOk("client_id"); ok {
		c.ClientID = strings.TrimSpace(v.(string))
	}
	if v, ok := d.GetOk("private_key"); ok {
		key := strings.TrimSpace(v.(string))
		if len(c.PrivateKeys) == 0 {
			c.PrivateKeys = []string{key}
		} else {
			c.PrivateKeys = append([]string{key}, c.PrivateKeys[1:]...)
		}
	}
	if _, ok := d.Raw["staged_private_keys"]; ok {
		staged := []string{}
		for _, k := range d.Get("staged_private_keys").([]string) {
			if k = strings.TrimSpace(k); k != "" {
				staged = append(staged, k)
			}
		}
		if len(staged) > maxAppKeys-1 {
			return fmt.Errorf("staged_private_keys holds %d keys; a GitHub App holds at most %d, the signing key included", len(staged), maxAppKeys)
		}
		if len(c.PrivateKeys) == 0 {
			return fmt.Errorf("private_key is required before keys can be staged")
		}
		c.PrivateKeys = append(c.PrivateKeys[:1:1], staged...)
	}
	return nil
}

// ConnectionData implements provider.Kind.
func (Kind) ConnectionData(pc *provider.Connection) map[string]any {
	c, _ := settingsOf(pc) // unreadable settings show as empty
	return map[string]any{"app_id": c.AppID, "client_id": c.ClientID}
}

// CredentialData implements provider.Kind: the keys' fingerprints, as
// GitHub shows them on the App's settings page.
func (Kind) CredentialData(info provider.CredentialInfo) map[string]any {
	fps := keyFingerprints(info)
	if len(fps) == 0 {
		return nil
	}
	return map[string]any{"signing_key_fingerprint": fps[0], "staged_key_fingerprints": fps[1:]}
}

// RegistryWarning implements provider.Kind.
func (k Kind) RegistryWarning(*provider.Connection) string {
	return fmt.Sprintf("registry_host is not set and base_url is not %s: creds get no registry or docker_config_json "+
		"until registry_host names this server's container registry", k.DefaultBaseURL())
}

// ExpiryMargin implements provider.Kind: GitHub fixes a token's lifetime at
// one hour from its own clock, so a lease ends a little before, in case
// the clocks differ.
func (Kind) ExpiryMargin() time.Duration { return ExpiryMargin }

// ExpiryMargin keeps a lease ending a little before GitHub's own expiry,
// so a consumer never holds a lease whose token is already dead.
const ExpiryMargin = time.Minute

// StaticRoleRefusal implements provider.Kind.
func (Kind) StaticRoleRefusal() string {
	return "whose installation tokens live at most an hour: use roles/ and creds/ for it"
}
