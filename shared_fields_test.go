package gitsecrets

import (
	"testing"

	"github.com/hashicorp/vault/sdk/framework"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider/gitlab"
)

// fieldsKind is a provider whose config/ fields are fields.
type fieldsKind struct {
	provider.Kind
	name   string
	fields map[string]*framework.FieldSchema
}

func (k fieldsKind) Name() string { return k.name }

func (k fieldsKind) ConnectionFields() map[string]*framework.FieldSchema { return k.fields }

// TestSharedConfigFieldIsDeterministic: when two providers both take a
// config/ field (a third provider's token, say), the config/ schema holds
// the same one on every start, not whichever the registry map's random
// order put last, so its type and description do not change between
// restarts or nodes.
func TestSharedConfigFieldIsDeterministic(t *testing.T) {
	t.Parallel()
	kinds := []provider.Kind{
		fieldsKind{gitlab.Kind{}, "alpha", map[string]*framework.FieldSchema{"token": {Type: framework.TypeString, Description: "alpha's token"}}},
		fieldsKind{gitlab.Kind{}, "beta", map[string]*framework.FieldSchema{"token": {Type: framework.TypeString, Description: "beta's token"}}},
	}
	first := newBackend(kinds).configFieldSchemas()["token"].Description
	for range 64 {
		if got := newBackend(kinds).configFieldSchemas()["token"].Description; got != first {
			t.Fatalf("config/ took %q on one start and %q on another", first, got)
		}
	}
}

// TestRegisteredKindsAgreeOnSharedFields: a config/ or scope field that
// several registered providers take has one type among them, since the
// paths hold one schema per field: a provider whose field had another type
// would get its values parsed as the other's.
func TestRegisteredKindsAgreeOnSharedFields(t *testing.T) {
	t.Parallel()
	for what, fieldsOf := range map[string]func(provider.Kind) map[string]*framework.FieldSchema{
		"config": provider.Kind.ConnectionFields, "scope": provider.Kind.ScopeFields,
	} {
		types := map[string]framework.FieldType{}
		owner := map[string]string{}
		for _, k := range registeredKinds() {
			for f, s := range fieldsOf(k) {
				if prev, ok := types[f]; ok && prev != s.Type {
					t.Errorf("%s field %s is %s for %s but %s for %s", what, f, prev, owner[f], s.Type, k.Name())
				}
				types[f], owner[f] = s.Type, k.Name()
			}
		}
	}
}

// TestKindFieldsAreNotTheBackends: no registered provider declares a field
// the backend's own paths already have (base_url, registry_host, ttl,
// config, ...). Merged into the path's schema it would replace the
// backend's, and every other provider's write of that field would be
// refused as belonging to that provider only.
func TestKindFieldsAreNotTheBackends(t *testing.T) {
	t.Parallel()
	bare := newBackend(nil)
	own := map[string]map[string]*framework.FieldSchema{}
	for _, p := range bare.Paths {
		if p.Fields != nil {
			own[p.Pattern] = p.Fields
		}
	}
	for _, k := range registeredKinds() {
		for what, fields := range map[string]map[string]*framework.FieldSchema{"config": k.ConnectionFields(), "scope": k.ScopeFields()} {
			for f := range fields {
				for pattern, schema := range own {
					if _, taken := schema[f]; taken {
						t.Errorf("%s declares %s field %s, which %s already has", k.Name(), what, f, pattern)
					}
				}
			}
		}
	}
}
