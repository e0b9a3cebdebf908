package gitlab

import (
	"strings"

	"github.com/hashicorp/vault/sdk/framework"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// ScopeFields implements provider.Kind.
func (Kind) ScopeFields() map[string]*framework.FieldSchema {
	return map[string]*framework.FieldSchema{
		"path": {
			Type:        framework.TypeString,
			Description: "gitlab: project or group full path or numeric id (project, group, deploy), or username (personal).",
		},
		"scopes": {
			Type:        framework.TypeCommaStringSlice,
			Description: "gitlab: token scopes, e.g. read_repository,read_registry.",
		},
		"access_level": {
			Type:        framework.TypeString,
			Description: "gitlab project and group tokens: guest, planner, reporter, developer, maintainer or owner.",
		},
	}
}

// ApplyScope implements provider.Kind.
func (Kind) ApplyScope(d *framework.FieldData, doc *provider.Scope) error {
	s, err := scopeOf(*doc)
	if err != nil {
		return err
	}
	defer func() { *doc = provider.Encode(s) }()
	if v, ok := d.GetOk("path"); ok {
		s.Path = strings.TrimSpace(v.(string))
	}
	if _, ok := d.Raw["scopes"]; ok {
		s.Scopes = provider.CleanList(d.Get("scopes").([]string))
	}
	if v, ok := d.GetOk("access_level"); ok {
		s.AccessLevel = strings.ToLower(strings.TrimSpace(v.(string)))
	}
	return nil
}

// ScopeData implements provider.Kind.
func (Kind) ScopeData(doc provider.Scope) map[string]any {
	s, _ := scopeOf(doc) // an unreadable scope shows as empty
	return map[string]any{
		"path":         s.Path,
		"scopes":       provider.NonNil(s.Scopes),
		"access_level": s.AccessLevel,
	}
}

// TokenData implements provider.Kind: the scope the token got and its id
// at GitLab.
func (k Kind) TokenData(t *provider.Token) map[string]any {
	data := k.ScopeData(t.Scope)
	data["token_id"] = t.Handle.ID
	return data
}

// NarrowFields implements provider.Kind: the path and access level come
// from the role.
func (Kind) NarrowFields() []string { return []string{"scopes"} }
