package gitea

import (
	"slices"
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

func TestValidateScope(t *testing.T) {
	k := Kind{}
	s := provider.Scope{Scopes: []string{"Read:Repository", "write:repository", "read:package"}, Repositories: []string{"Acme/App", "acme/app"}}
	if err := k.ValidateScope(TokenTypeAccess, &s); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Scopes, []string{"read:package", "write:repository"}) || !slices.Equal(s.Repositories, []string{"acme/app"}) {
		t.Fatalf("normalised = %+v", s)
	}
	for name, c := range map[string]struct {
		tokenType string
		scope     provider.Scope
		want      string
	}{
		"no scopes":                {TokenTypeAccess, provider.Scope{}, "scopes are required"},
		"public-only alone":        {TokenTypeAccess, provider.Scope{Scopes: []string{"public-only"}}, "scopes are required"},
		"all":                      {TokenTypeAccess, provider.Scope{Scopes: []string{"all"}}, "write:admin"},
		"admin":                    {TokenTypeAccess, provider.Scope{Scopes: []string{"read:admin"}}, "refused"},
		"unknown":                  {TokenTypeAccess, provider.Scope{Scopes: []string{"repo"}}, "unknown scope"},
		"gitlab scope":             {TokenTypeAccess, provider.Scope{Scopes: []string{"read_repository"}}, "unknown scope"},
		"token type":               {"personal", provider.Scope{Scopes: []string{"read:repository"}}, "token_type"},
		"github field":             {TokenTypeAccess, provider.Scope{Scopes: []string{"read:user"}, Owner: "acme"}, "owner"},
		"gitlab field":             {TokenTypeAccess, provider.Scope{Scopes: []string{"read:user"}, Path: "acme"}, "path"},
		"repo not owner/name":      {TokenTypeAccess, provider.Scope{Scopes: []string{"read:repository"}, Repositories: []string{"app"}}, "owner/name"},
		"repo bad name":            {TokenTypeAccess, provider.Scope{Scopes: []string{"read:repository"}, Repositories: []string{"acme/a b"}}, "invalid name"},
		"repos without repo scope": {TokenTypeAccess, provider.Scope{Scopes: []string{"read:package"}, Repositories: []string{"acme/app"}}, "read:repository"},
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
	ceiling := provider.Scope{Scopes: []string{"write:repository", "read:package", "public-only"}, Repositories: []string{"acme/app", "acme/other"}}
	got, err := k.Narrow(TokenTypeAccess, ceiling, provider.Scope{Scopes: []string{"read:repository"}, Repositories: []string{"acme/app"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Scopes, []string{"public-only", "read:repository"}) || !slices.Equal(got.Repositories, []string{"acme/app"}) {
		t.Fatalf("narrowed = %+v (public-only must stay)", got)
	}
	for name, want := range map[string]provider.Scope{
		"wider scope":   {Scopes: []string{"write:package"}},
		"other repo":    {Repositories: []string{"acme/third"}},
		"foreign field": {Path: "acme"},
	} {
		if _, err := k.Narrow(TokenTypeAccess, ceiling, want); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// A role without repositories may be narrowed to some: a restriction.
	open := provider.Scope{Scopes: []string{"read:repository"}}
	if got, err := k.Narrow(TokenTypeAccess, open, provider.Scope{Repositories: []string{"acme/app"}}); err != nil || len(got.Repositories) != 1 {
		t.Fatalf("narrow to a repository = %+v, %v", got, err)
	}
}

func TestHolderRisks(t *testing.T) {
	if r := (Kind{}).HolderRisks(TokenTypeAccess, provider.Scope{Scopes: []string{"read:repository", "read:package"}}); r != nil {
		t.Fatalf("read scopes: %v", r)
	}
	if r := (Kind{}).HolderRisks(TokenTypeAccess, provider.Scope{Scopes: []string{"write:repository", "write:user"}}); len(r) != 2 {
		t.Fatalf("write scopes: %v", r)
	}
}
