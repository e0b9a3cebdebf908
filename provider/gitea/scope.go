package gitea

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/vault/sdk/framework"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// Scope is what a Gitea token may reach: its scopes and, on a server that
// can restrict a token (Forgejo v15.0+), the repositories ("owner/name")
// it is limited to; none means every repository the bot account reaches.
// It is Gitea's provider.Scope document; the JSON keys are the stored
// format.
type Scope struct {
	Scopes       []string `json:"scopes"`
	Repositories []string `json:"repositories,omitempty"`
}

// scopeOf reads Gitea's scope from its document.
func scopeOf(d provider.Scope) (Scope, error) { return provider.ScopeOf[Scope](d, "gitea", false) }

// ownScopeOf is scopeOf for a scope that must hold Gitea's fields only
// (ValidateScope, Narrow): another provider's field in it is refused, not
// ignored.
func ownScopeOf(d provider.Scope) (Scope, error) { return provider.ScopeOf[Scope](d, "gitea", true) }

// ValidateScope implements provider.Kind, normalising s in place when it is
// valid: scopes as the server stores them, repositories lower-cased (Gitea
// looks owners and names up case-insensitively), both sorted.
func (Kind) ValidateScope(tokenType string, s *provider.Scope) error {
	if s == nil {
		return errors.New("scope is required")
	}
	if err := checkTokenType(tokenType); err != nil {
		return err
	}
	in, err := ownScopeOf(*s)
	if err != nil {
		return err
	}
	n, err := in.normalize()
	if err != nil {
		return err
	}
	*s = provider.Encode(n)
	return nil
}

// Narrow implements provider.Kind. A request may drop scopes (write:X
// covers read:X) and name fewer repositories; public-only on the role
// stays. Naming a repository on a role without repositories asks for a
// restriction, which is narrower and allowed; the client refuses it where
// the server cannot make it.
func (Kind) Narrow(tokenType string, ceiling, want provider.Scope) (provider.Scope, error) {
	if err := checkTokenType(tokenType); err != nil {
		return nil, err
	}
	c, err := ownScopeOf(ceiling)
	if err != nil {
		return nil, err
	}
	w, err := ownScopeOf(want)
	if err != nil {
		return nil, err
	}
	out, err := narrow(c, w)
	if err != nil {
		return nil, err
	}
	return provider.Encode(out), nil
}

func narrow(ceiling, want Scope) (Scope, error) {
	ceil, err := ceiling.normalize()
	if err != nil {
		return Scope{}, fmt.Errorf("the role's scope is invalid: %w", err)
	}
	out := ceil
	if len(want.Scopes) > 0 {
		scopes, err := normalizeScopes(want.Scopes)
		if err != nil {
			return Scope{}, err
		}
		for _, s := range scopes {
			if !grants(ceil.Scopes, s) {
				return Scope{}, fmt.Errorf("scope %q is beyond the role's scopes (%s)", s, strings.Join(ceil.Scopes, ", "))
			}
		}
		if slices.Contains(ceil.Scopes, publicOnly) && !slices.Contains(scopes, publicOnly) {
			scopes = append(scopes, publicOnly)
			slices.Sort(scopes)
		}
		out.Scopes = scopes
	}
	if len(want.Repositories) > 0 {
		repos, err := normalizeRepositories(want.Repositories)
		if err != nil {
			return Scope{}, err
		}
		if len(ceil.Repositories) > 0 {
			for _, r := range repos {
				if !slices.Contains(ceil.Repositories, r) {
					return Scope{}, fmt.Errorf("repository %q is beyond the role's repositories (%s)", r, strings.Join(ceil.Repositories, ", "))
				}
			}
		}
		out.Repositories = repos
	}
	return out, nil
}

func (s Scope) normalize() (Scope, error) {
	scopes, err := normalizeScopes(s.Scopes)
	if err != nil {
		return Scope{}, err
	}
	repos, err := normalizeRepositories(s.Repositories)
	if err != nil {
		return Scope{}, err
	}
	if len(repos) > 0 && !restrictable(scopes) {
		return Scope{}, errors.New("repositories restrict a token only through its repository and issue scopes; add read:repository or read:issue")
	}
	return Scope{Scopes: scopes, Repositories: repos}, nil
}

// restrictable reports scopes a repository restriction acts on.
func restrictable(scopes []string) bool {
	return grants(scopes, "read:repository") || grants(scopes, "read:issue")
}

func checkTokenType(tokenType string) error {
	if tokenType != TokenTypeAccess {
		return fmt.Errorf("token_type %q is not a Gitea token type; use %q", tokenType, TokenTypeAccess)
	}
	return nil
}

// normalizeRepositories checks "owner/name" entries against Gitea's name
// rules (letters, digits, '-', '_', '.'; owners up to 40, names up to 100)
// and returns them lower-cased, de-duplicated and sorted.
func normalizeRepositories(in []string) ([]string, error) {
	var out []string
	for _, raw := range in {
		r := strings.ToLower(strings.TrimSpace(raw))
		if r == "" {
			continue
		}
		owner, name, ok := strings.Cut(r, "/")
		if !ok || strings.Contains(name, "/") {
			return nil, fmt.Errorf("repository %q must be owner/name", raw)
		}
		if err := checkUsername(owner); err != nil || owner == "" {
			return nil, fmt.Errorf("repository %q has an invalid owner", raw)
		}
		if name == "" || name == "." || name == ".." || len(name) > 100 || !nameChars(name) {
			return nil, fmt.Errorf("repository %q has an invalid name", raw)
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out, nil
}

func nameChars(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// ScopeFields implements provider.Kind.
func (Kind) ScopeFields() map[string]*framework.FieldSchema {
	return map[string]*framework.FieldSchema{
		"scopes": {
			Type: framework.TypeCommaStringSlice,
			Description: "gitea: token scopes, read:X or write:X (write covers read) for X in activitypub, issue, misc, " +
				"notification, organization, package, repository, user, e.g. read:repository,read:package; public-only limits " +
				"the token to public resources. The admin scopes, all and write:user are refused.",
		},
		"repositories": {
			Type: framework.TypeCommaStringSlice,
			Description: "gitea: repositories (owner/name) tokens are limited to, on Forgejo v15 and later only; a role naming " +
				"repositories on a server that cannot restrict tokens is refused. Empty: every repository the bot account reaches.",
		},
	}
}

// ApplyScope implements provider.Kind.
func (Kind) ApplyScope(d *framework.FieldData, doc *provider.Scope) error {
	s, err := scopeOf(*doc)
	if err != nil {
		return err
	}
	if _, ok := d.Raw["scopes"]; ok {
		s.Scopes = provider.CleanList(d.Get("scopes").([]string))
	}
	if _, ok := d.Raw["repositories"]; ok {
		s.Repositories = provider.CleanList(d.Get("repositories").([]string))
	}
	*doc = provider.Encode(s)
	return nil
}

// NarrowFields implements provider.Kind: a request may drop scopes and
// name fewer repositories.
func (Kind) NarrowFields() []string { return []string{"scopes", "repositories"} }

// ScopeData implements provider.Kind.
func (Kind) ScopeData(doc provider.Scope) map[string]any {
	s, _ := scopeOf(doc) // an unreadable scope shows as empty
	return map[string]any{
		"scopes":       provider.NonNil(s.Scopes),
		"repositories": provider.NonNil(s.Repositories),
	}
}

// TokenData implements provider.Kind: the scope the token got and its id
// at the server.
func (k Kind) TokenData(t *provider.Token) map[string]any {
	data := k.ScopeData(t.Scope)
	data["token_id"] = t.Handle.ID
	return data
}
