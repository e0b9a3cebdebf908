package gitsecrets

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/vault/sdk/framework"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// scopeFields are the request fields that make up a provider.Scope, shared by
// roles/ (the ceiling) and creds/ (narrowing), with the provider they apply to.
var scopeFieldProvider = map[string]string{
	"owner":           "github",
	"installation_id": "github",
	"repositories":    "github",
	"repository_ids":  "github",
	"permissions":     "github",
	"path":            "gitlab",
	"scopes":          "gitlab",
	"access_level":    "gitlab",
}

func scopeFieldSchemas() map[string]*framework.FieldSchema {
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

// scopeFromRequest reads the scope fields present in the request onto s.
// Only fields the caller sent are touched, so it serves partial updates.
func scopeFromRequest(d *framework.FieldData, providerName string, s *provider.Scope) error {
	for field, p := range scopeFieldProvider {
		if _, ok := d.Raw[field]; ok && p != providerName {
			return fmt.Errorf("%s applies to %s roles only; this connection is %s", field, p, providerName)
		}
	}
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
		s.Repositories = cleanList(d.Get("repositories").([]string))
	}
	if _, ok := d.Raw["repository_ids"]; ok {
		s.RepositoryIDs = cleanList(d.Get("repository_ids").([]string))
	}
	if raw, ok := d.Raw["permissions"]; ok {
		perms, err := parsePermissions(raw)
		if err != nil {
			return err
		}
		s.Permissions = perms
	}
	if v, ok := d.GetOk("path"); ok {
		s.Path = strings.TrimSpace(v.(string))
	}
	if _, ok := d.Raw["scopes"]; ok {
		s.Scopes = cleanList(d.Get("scopes").([]string))
	}
	if v, ok := d.GetOk("access_level"); ok {
		s.AccessLevel = strings.ToLower(strings.TrimSpace(v.(string)))
	}
	return nil
}

// unknownFields lists, sorted, the request fields schema does not have.
func unknownFields(data map[string]any, schema map[string]*framework.FieldSchema) []string {
	var out []string
	for k := range data {
		if _, ok := schema[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// settableFields lists schema's fields other than name (which the path
// carries), with the provider a scope field applies to.
func settableFields(schema map[string]*framework.FieldSchema) string {
	var out []string
	for k := range schema {
		if k == "name" {
			continue
		}
		if p, ok := scopeFieldProvider[k]; ok {
			k += " (" + p + ")"
		}
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
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

// cleanList trims, drops empty entries, dedupes and sorts.
func cleanList(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := make([]string, 0, len(in))
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil
	}
	return out
}

// durationField reads a TTL field, refusing negative values the framework
// lets through.
func durationField(d *framework.FieldData, name string) (time.Duration, bool, error) {
	v, ok := d.GetOk(name)
	if !ok {
		return 0, false, nil
	}
	secs := v.(int)
	if secs < 0 {
		return 0, true, fmt.Errorf("%s must not be negative", name)
	}
	return time.Duration(secs) * time.Second, true, nil
}
