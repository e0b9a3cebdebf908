package gitea

import (
	"slices"
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

func TestValidateScope(t *testing.T) {
	k := Kind{}
	s := provider.Encode(Scope{Scopes: []string{"Read:Repository", "write:repository", "read:package"}, Repositories: []string{"Acme/App", "acme/app"}})
	if err := k.ValidateScope(TokenTypeAccess, &s); err != nil {
		t.Fatal(err)
	}
	if n := decoded(t, s); !slices.Equal(n.Scopes, []string{"read:package", "write:repository"}) || !slices.Equal(n.Repositories, []string{"acme/app"}) {
		t.Fatalf("normalised = %+v", n)
	}
	for name, c := range map[string]struct {
		tokenType string
		scope     provider.Scope
		want      string
	}{
		"no scopes":                {TokenTypeAccess, provider.Scope{}, "scopes are required"},
		"public-only alone":        {TokenTypeAccess, provider.Encode(Scope{Scopes: []string{"public-only"}}), "scopes are required"},
		"all":                      {TokenTypeAccess, provider.Encode(Scope{Scopes: []string{"all"}}), "write:admin"},
		"admin":                    {TokenTypeAccess, provider.Encode(Scope{Scopes: []string{"read:admin"}}), "refused"},
		"unknown":                  {TokenTypeAccess, provider.Encode(Scope{Scopes: []string{"repo"}}), "unknown scope"},
		"gitlab scope":             {TokenTypeAccess, provider.Encode(Scope{Scopes: []string{"read_repository"}}), "unknown scope"},
		"token type":               {"personal", provider.Encode(Scope{Scopes: []string{"read:repository"}}), "token_type"},
		"not a document":           {TokenTypeAccess, provider.Scope(`["read:user"]`), "not readable"},
		"repo not owner/name":      {TokenTypeAccess, provider.Encode(Scope{Scopes: []string{"read:repository"}, Repositories: []string{"app"}}), "owner/name"},
		"repo bad name":            {TokenTypeAccess, provider.Encode(Scope{Scopes: []string{"read:repository"}, Repositories: []string{"acme/a b"}}), "invalid name"},
		"repos without repo scope": {TokenTypeAccess, provider.Encode(Scope{Scopes: []string{"read:package"}, Repositories: []string{"acme/app"}}), "read:repository"},
	} {
		sc := c.scope
		err := k.ValidateScope(c.tokenType, &sc)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error = %v, want %q", name, err, c.want)
		}
	}
}

func TestNarrow(t *testing.T) {
	k := Kind{}
	ceiling := provider.Encode(Scope{Scopes: []string{"write:repository", "read:package", "public-only"}, Repositories: []string{"acme/app", "acme/other"}})
	got, err := k.Narrow(TokenTypeAccess, ceiling, provider.Encode(Scope{Scopes: []string{"read:repository"}, Repositories: []string{"acme/app"}}))
	if err != nil {
		t.Fatal(err)
	}
	if n := decoded(t, got); !slices.Equal(n.Scopes, []string{"public-only", "read:repository"}) || !slices.Equal(n.Repositories, []string{"acme/app"}) {
		t.Fatalf("narrowed = %+v (public-only must stay)", n)
	}
	for name, want := range map[string]Scope{
		"wider scope": {Scopes: []string{"write:package"}},
		"other repo":  {Repositories: []string{"acme/third"}},
	} {
		if _, err := k.Narrow(TokenTypeAccess, ceiling, provider.Encode(want)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// A role without repositories may be narrowed to some: a restriction.
	open := provider.Encode(Scope{Scopes: []string{"read:repository"}})
	if got, err := k.Narrow(TokenTypeAccess, open, provider.Encode(Scope{Repositories: []string{"acme/app"}})); err != nil || len(decoded(t, got).Repositories) != 1 {
		t.Fatalf("narrow to a repository = %s, %v", got, err)
	}
}

func TestHolderRisks(t *testing.T) {
	if r := (Kind{}).HolderRisks(TokenTypeAccess, provider.Encode(Scope{Scopes: []string{"read:repository", "read:package"}})); r != nil {
		t.Fatalf("read scopes: %v", r)
	}
	if r := (Kind{}).HolderRisks(TokenTypeAccess, provider.Encode(Scope{Scopes: []string{"write:repository", "read:user"}})); len(r) != 1 {
		t.Fatalf("write scopes: %v", r)
	}
}
