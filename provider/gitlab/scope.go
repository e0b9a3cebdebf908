package gitlab

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// ValidateScope implements provider.Kind. It normalises s in place, and only
// when it is valid: scope and access-level names lower-cased, scopes
// de-duplicated and sorted, a project or group token's access level
// defaulted to maintainer. The path keeps its case; GitLab resolves paths
// case-insensitively.
func (Kind) ValidateScope(tokenType string, s *provider.Scope) error {
	if s == nil {
		return errors.New("scope is required")
	}
	in, err := ownScopeOf(*s)
	if err != nil {
		return err
	}
	n, err := normalizeScope(tokenType, in)
	if err != nil {
		return err
	}
	*s = provider.Encode(n)
	return nil
}

// Scope is GitLab's provider.Scope document: a role's ceiling or what a
// token got. The JSON keys are the stored format.
type Scope struct {
	Path        string   `json:"path,omitempty"`
	Scopes      []string `json:"scopes,omitempty"`
	AccessLevel string   `json:"access_level,omitempty"`
	// ServiceAccount is the username of the service account a
	// service_account role issues tokens of (path is then its group).
	ServiceAccount string `json:"service_account,omitempty"`
}

// scopeOf reads GitLab's scope from its document.
func scopeOf(d provider.Scope) (Scope, error) { return provider.ScopeOf[Scope](d, "gitlab", false) }

// ownScopeOf is scopeOf for a scope that must hold GitLab's fields only
// (ValidateScope, Narrow): another provider's field in it is refused, not
// ignored.
func ownScopeOf(d provider.Scope) (Scope, error) { return provider.ScopeOf[Scope](d, "gitlab", true) }

// Narrow implements provider.Kind. A request may only drop scopes: the path
// and access level come from the role, and naming another one is refused
// rather than ignored, so a caller never believes it got what it did not.
func (Kind) Narrow(tokenType string, ceiling, want provider.Scope) (provider.Scope, error) {
	c, err := ownScopeOf(ceiling)
	if err != nil {
		return nil, fmt.Errorf("the role's scope is invalid: %w", err)
	}
	w, err := ownScopeOf(want)
	if err != nil {
		return nil, err
	}
	out, err := narrow(tokenType, c, w)
	if err != nil {
		return nil, err
	}
	return provider.Encode(out), nil
}

func narrow(tokenType string, ceiling, want Scope) (Scope, error) {
	ceil, err := normalizeScope(tokenType, ceiling)
	if err != nil {
		return Scope{}, fmt.Errorf("the role's scope is invalid: %w", err)
	}
	if want.ServiceAccount != "" && !strings.EqualFold(want.ServiceAccount, ceil.ServiceAccount) {
		return Scope{}, fmt.Errorf("service_account is set by the role (%q) and cannot be changed per request", ceil.ServiceAccount)
	}
	if want.Path != "" && !strings.EqualFold(want.Path, ceil.Path) {
		return Scope{}, fmt.Errorf("path is set by the role (%q) and cannot be changed per request", ceil.Path)
	}
	if level := normalName(want.AccessLevel); level != "" && level != ceil.AccessLevel {
		if ceil.AccessLevel == "" {
			return Scope{}, fmt.Errorf("access_level does not apply to %s tokens", tokenType)
		}
		return Scope{}, fmt.Errorf("access_level is set by the role (%s) and cannot be changed per request", ceil.AccessLevel)
	}

	out := ceil
	if len(want.Scopes) == 0 {
		return out, nil
	}
	scopes, err := normalizeScopes(tokenType, want.Scopes)
	if err != nil {
		return Scope{}, err
	}
	for _, s := range scopes {
		if !slices.Contains(ceil.Scopes, s) {
			return Scope{}, fmt.Errorf("scope %q is beyond the role's scopes (%s)", s, strings.Join(ceil.Scopes, ", "))
		}
	}
	out.Scopes = scopes
	return out, nil
}

// normalizeScope checks a whole scope and returns it normalised, leaving
// the caller's slices untouched.
func normalizeScope(tokenType string, s Scope) (Scope, error) {
	if err := checkTokenType(tokenType); err != nil {
		return Scope{}, err
	}
	switch {
	case tokenType == TokenTypeServiceAccount:
		if err := checkServiceAccount(s.Path, s.ServiceAccount); err != nil {
			return Scope{}, err
		}
	case s.ServiceAccount != "":
		return Scope{}, fmt.Errorf("service_account applies to service_account roles only, not %s tokens", tokenType)
	case tokenType == TokenTypePersonal:
		if err := checkUsername(s.Path); err != nil {
			return Scope{}, err
		}
	default:
		if err := checkResourcePath(s.Path); err != nil {
			return Scope{}, err
		}
	}
	if len(s.Scopes) == 0 {
		return Scope{}, fmt.Errorf("scopes is required: at least one of %s", strings.Join(scopesFor(tokenType), ", "))
	}
	scopes, err := normalizeScopes(tokenType, s.Scopes)
	if err != nil {
		return Scope{}, err
	}
	level, err := normalizeAccessLevel(tokenType, s.AccessLevel)
	if err != nil {
		return Scope{}, err
	}
	return Scope{Path: s.Path, Scopes: scopes, AccessLevel: level, ServiceAccount: s.ServiceAccount}, nil
}

// normalizeScopes lower-cases, de-duplicates and sorts scope names and
// checks each against what the token type can carry.
func normalizeScopes(tokenType string, in []string) ([]string, error) {
	allowed := scopesFor(tokenType)
	out := make([]string, 0, len(in))
	for _, raw := range in {
		s := normalName(raw)
		if s == "" {
			return nil, errors.New("scopes must not contain an empty name")
		}
		if why, refused := refusedScopes[s]; refused {
			return nil, fmt.Errorf("scope %q is refused: %s", s, why)
		}
		if !slices.Contains(allowed, s) {
			return nil, fmt.Errorf("scope %q is not available on %s tokens; use %s", raw, tokenType, strings.Join(allowed, ", "))
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func normalizeAccessLevel(tokenType, raw string) (string, error) {
	level := normalName(raw)
	if !takesAccessLevel(tokenType) {
		if level != "" {
			return "", fmt.Errorf("access_level applies to project and group tokens only, not %s tokens", tokenType)
		}
		return "", nil
	}
	if level == "" {
		return defaultAccessLevel, nil
	}
	if _, ok := accessLevelValue(level); !ok {
		return "", fmt.Errorf("access_level %q is not a GitLab role; use %s", raw, strings.Join(accessLevelNames(), ", "))
	}
	return level, nil
}

func normalName(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

func checkTokenType(tokenType string) error {
	switch tokenType {
	case TokenTypeProject, TokenTypeGroup, TokenTypeDeploy, TokenTypePersonal, TokenTypeServiceAccount:
		return nil
	}
	return fmt.Errorf("token_type %q does not exist on gitlab; use project, group, deploy, personal or service_account", tokenType)
}
