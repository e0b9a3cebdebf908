package gitsecrets

import (
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/hashicorp/vault/sdk/framework"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider/gitea"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider/github"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider/gitlab"
)

// registeredKinds is the one line to touch when adding a provider.
func registeredKinds() []provider.Kind {
	return []provider.Kind{github.Kind{}, gitlab.Kind{}, gitea.Kind{}}
}

func (b *backend) providerNames() []string {
	names := make([]string, 0, len(b.kinds))
	for n := range b.kinds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func errUnknownProvider(name string, known []string) error {
	return fmt.Errorf("unknown provider %q: use one of %s", name, strings.Join(known, ", "))
}

// providerValues are the provider names as a schema's AllowedValues.
func (b *backend) providerValues() []any {
	var out []any
	for _, n := range b.providerNames() {
		out = append(out, n)
	}
	return out
}

// eachKind joins what f says of every provider, in name order.
func (b *backend) eachKind(sep string, f func(provider.Kind) string) string {
	var out []string
	for _, n := range b.providerNames() {
		if v := f(b.kinds[n]); v != "" {
			out = append(out, v)
		}
	}
	return strings.Join(out, sep)
}

// help is a path's help: the backend's text, then each provider's
// paragraph on topic.
func (b *backend) help(text, topic string) string {
	paras := b.eachKind("\n\n", func(k provider.Kind) string { return strings.TrimSpace(k.Help(topic)) })
	if paras == "" {
		return text
	}
	return strings.TrimRight(text, "\n") + "\n\n" + paras + "\n"
}

// foreignField refuses a request field that only other providers have
// (fieldsOf says which fields a provider has), so that it is not silently
// ignored; what names the entries ("connections", "roles").
func (b *backend) foreignField(d *framework.FieldData, own string, fieldsOf func(provider.Kind) map[string]*framework.FieldSchema, what string) string {
	mine := fieldsOf(b.kinds[own])
	fields := make([]string, 0, len(d.Raw))
	for f := range d.Raw {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		if _, ok := mine[f]; ok {
			continue
		}
		var owners []string
		for _, n := range b.providerNames() {
			if _, ok := fieldsOf(b.kinds[n])[f]; ok {
				owners = append(owners, n)
			}
		}
		if len(owners) > 0 {
			return fmt.Sprintf("%s applies to %s %s only; this connection is %s", f, strings.Join(owners, " and "), what, own)
		}
	}
	return ""
}

// fieldOwners says which providers have field, for descriptions: "" when
// it is the backend's own.
func (b *backend) fieldOwners(field string, fieldsOf func(provider.Kind) map[string]*framework.FieldSchema) string {
	return b.eachKind(", ", func(k provider.Kind) string {
		if _, ok := fieldsOf(k)[field]; ok {
			return k.Name()
		}
		return ""
	})
}

// scopeFieldSchemas are every provider's scope fields, for the paths that
// take a scope (roles/, creds/, static-roles/).
func (b *backend) scopeFieldSchemas() map[string]*framework.FieldSchema {
	fields := map[string]*framework.FieldSchema{}
	for _, n := range b.providerNames() {
		addFields(fields, b.kinds[n].ScopeFields())
	}
	return fields
}

// addFields copies a provider's fields into fields. A field several
// providers have (one provider's scopes and another's) keeps each one's
// description, in provider name order, so that none is lost.
func addFields(fields, own map[string]*framework.FieldSchema) {
	for name, f := range own {
		prev, ok := fields[name]
		if !ok {
			fields[name] = f
			continue
		}
		merged := *prev
		merged.Description = prev.Description + " " + f.Description
		fields[name] = &merged
	}
}

// scopeFromRequest reads the scope fields present in the request onto s,
// refusing those of other providers. Only fields the caller sent are
// touched, so it serves partial updates.
func (b *backend) scopeFromRequest(d *framework.FieldData, kind provider.Kind, s *provider.Scope) error {
	if msg := b.foreignField(d, kind.Name(), provider.Kind.ScopeFields, "roles"); msg != "" {
		return errors.New(msg)
	}
	return kind.ApplyScope(d, s)
}

// addScopeData shows the fields of a scope that apply to its provider.
func (b *backend) addScopeData(data map[string]any, providerName string, s provider.Scope) {
	if k, ok := b.kinds[providerName]; ok {
		maps.Copy(data, k.ScopeData(s))
	}
}

// staticKinds names the providers whose tokens static roles hold.
func (b *backend) staticKinds() string {
	return b.eachKind(" or ", func(k provider.Kind) string {
		if k.StaticRoleRefusal() == "" {
			return k.DisplayName()
		}
		return ""
	})
}
