package github

import (
	"fmt"
	"strings"

	"github.com/hashicorp/vault/sdk/framework"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// ScopeFields implements provider.Kind.
func (Kind) ScopeFields() map[string]*framework.FieldSchema {
	return map[string]*framework.FieldSchema{
		"owner": {
			Type:        framework.TypeString,
			Description: "github: login of the organization or user that has the App installed.",
		},
		"installation_id": {
			Type:        framework.TypeInt64,
			Description: "github: installation to issue tokens from, instead of looking it up by owner.",
		},
		"repositories": {
			Type: framework.TypeCommaStringSlice,
			Description: "github: repository names tokens may reach, as name or owner/name with the role's owner. " +
				"On a role an entry may be a pattern (* and ?, case-insensitive): a read gets every installation repository that matches. " +
				"Empty: every repository of the installation.",
		},
		"repository_ids": {
			Type: framework.TypeCommaStringSlice,
			Description: "github: numeric ids of repositories tokens may reach, sent to GitHub as repository_ids; unlike a name, an id is never reused. " +
				"With repositories too, tokens reach both. Empty: no restriction by id.",
		},
		"permissions": {
			Type: framework.TypeKVPairs,
			Description: "github: permission=level pairs tokens may get, e.g. contents=read,pull_requests=write. " +
				"Empty: every permission the App was granted.",
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
	if v, ok := d.GetOk("owner"); ok {
		s.Owner = strings.TrimSpace(v.(string))
	}
	if v, ok := d.GetOk("installation_id"); ok {
		s.InstallationID = v.(int64)
		if s.InstallationID < 0 {
			return fmt.Errorf("installation_id must be a positive number")
		}
	}
	if _, ok := d.Raw["repositories"]; ok {
		s.Repositories = provider.CleanList(d.Get("repositories").([]string))
	}
	if _, ok := d.Raw["repository_ids"]; ok {
		s.RepositoryIDs = provider.CleanList(d.Get("repository_ids").([]string))
	}
	if raw, ok := d.Raw["permissions"]; ok {
		perms, err := parsePermissions(raw)
		if err != nil {
			return err
		}
		s.Permissions = perms
	}
	return nil
}

// ScopeData implements provider.Kind.
func (Kind) ScopeData(doc provider.Scope) map[string]any {
	s, _ := scopeOf(doc) // an unreadable scope shows as empty
	perms := s.Permissions
	if perms == nil {
		perms = map[string]string{}
	}
	return map[string]any{
		"owner":           s.Owner,
		"installation_id": s.InstallationID,
		"repositories":    provider.NonNil(s.Repositories),
		"repository_ids":  provider.NonNil(s.RepositoryIDs),
		"permissions":     perms,
	}
}

// TokenData implements provider.Kind: what the token got. The owner is the
// role's, so it is left out.
func (k Kind) TokenData(t *provider.Token) map[string]any {
	data := k.ScopeData(t.Scope)
	delete(data, "owner")
	return data
}

// parsePermissions accepts what Vault clients send for a name=level map: a
// JSON object, a list of "name=level" strings, or one comma-separated string
// (the CLI's permissions=contents=read,issues=write). The framework's own
// key-value parsing would read the last form as one pair.
func parsePermissions(raw any) (map[string]string, error) {
	out := map[string]string{}
	add := func(name, level string) error {
		name = strings.ToLower(strings.TrimSpace(name))
		level = strings.ToLower(strings.TrimSpace(level))
		if name == "" || level == "" {
			return fmt.Errorf("permissions: each entry needs a name and a level, as in contents=read")
		}
		if prev, dup := out[name]; dup && prev != level {
			return fmt.Errorf("permissions: %s is given twice (%s and %s)", name, prev, level)
		}
		out[name] = level
		return nil
	}
	addPairs := func(s string) error {
		for _, pair := range strings.Split(s, ",") {
			if strings.TrimSpace(pair) == "" {
				continue
			}
			name, level, ok := strings.Cut(pair, "=")
			if !ok {
				return fmt.Errorf("permissions: %q is not name=level", pair)
			}
			if err := add(name, level); err != nil {
				return err
			}
		}
		return nil
	}
	switch v := raw.(type) {
	case nil:
	case string:
		if err := addPairs(v); err != nil {
			return nil, err
		}
	case []string:
		for _, s := range v {
			if err := addPairs(s); err != nil {
				return nil, err
			}
		}
	case []any:
		for _, item := range v {
			s, ok := item.(string)
			if !ok {
				return nil, fmt.Errorf("permissions: list entries must be name=level strings")
			}
			if err := addPairs(s); err != nil {
				return nil, err
			}
		}
	case map[string]any:
		for name, level := range v {
			s, ok := level.(string)
			if !ok {
				return nil, fmt.Errorf("permissions: the level of %s must be a string", name)
			}
			if err := add(name, s); err != nil {
				return nil, err
			}
		}
	case map[string]string:
		for name, level := range v {
			if err := add(name, level); err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("permissions must be name=level pairs or a map of name to level")
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// NarrowFields implements provider.Kind: the owner and installation come
// from the role.
func (Kind) NarrowFields() []string {
	return []string{"repositories", "repository_ids", "permissions"}
}
