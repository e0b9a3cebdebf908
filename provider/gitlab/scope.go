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
	n, err := normalizeScope(tokenType, *s)
	if err != nil {
		return err
	}
	*s = n
	return nil
}

// Narrow implements provider.Kind. A request may only drop scopes: the path
// and access level come from the role, and naming another one is refused
// rather than ignored, so a caller never believes it got what it did not.
func (Kind) Narrow(tokenType string, ceiling, want provider.Scope) (provider.Scope, error) {
	ceil, err := normalizeScope(tokenType, ceiling)
	if err != nil {
		return provider.Scope{}, fmt.Errorf("the role's scope is invalid: %w", err)
	}
	if err := checkNotGitHub(want); err != nil {
		return provider.Scope{}, err
	}
	if want.ServiceAccount != "" && !strings.EqualFold(want.ServiceAccount, ceil.ServiceAccount) {
		return provider.Scope{}, fmt.Errorf("service_account is set by the role (%q) and cannot be changed per request", ceil.ServiceAccount)
	}
	if want.Path != "" && !strings.EqualFold(want.Path, ceil.Path) {
		return provider.Scope{}, fmt.Errorf("path is set by the role (%q) and cannot be changed per request", ceil.Path)
	}
	if level := normalName(want.AccessLevel); level != "" && level != ceil.AccessLevel {
		if ceil.AccessLevel == "" {
			return provider.Scope{}, fmt.Errorf("access_level does not apply to %s tokens", tokenType)
		}
		return provider.Scope{}, fmt.Errorf("access_level is set by the role (%s) and cannot be changed per request", ceil.AccessLevel)
	}

	out := ceil
	if len(want.Scopes) == 0 {
		return out, nil
	}
	scopes, err := normalizeScopes(tokenType, want.Scopes)
	if err != nil {
		return provider.Scope{}, err
	}
	for _, s := range scopes {
		if !slices.Contains(ceil.Scopes, s) {
			return provider.Scope{}, fmt.Errorf("scope %q is beyond the role's scopes (%s)", s, strings.Join(ceil.Scopes, ", "))
		}
	}
	out.Scopes = scopes
	return out, nil
}

// normalizeScope checks a whole scope and returns it normalised, leaving
// the caller's slices untouched.
func normalizeScope(tokenType string, s provider.Scope) (provider.Scope, error) {
	if err := checkTokenType(tokenType); err != nil {
		return provider.Scope{}, err
	}
	if err := checkNotGitHub(s); err != nil {
		return provider.Scope{}, err
	}
	switch {
	case tokenType == TokenTypeServiceAccount:
		if err := checkServiceAccount(s.Path, s.ServiceAccount); err != nil {
			return provider.Scope{}, err
		}
	case s.ServiceAccount != "":
		return provider.Scope{}, fmt.Errorf("service_account applies to service_account roles only, not %s tokens", tokenType)
	case tokenType == TokenTypePersonal:
		if err := checkUsername(s.Path); err != nil {
			return provider.Scope{}, err
		}
	default:
		if err := checkResourcePath(s.Path); err != nil {
			return provider.Scope{}, err
		}
	}
	if len(s.Scopes) == 0 {
		return provider.Scope{}, fmt.Errorf("scopes is required: at least one of %s", strings.Join(scopesFor(tokenType), ", "))
	}
	scopes, err := normalizeScopes(tokenType, s.Scopes)
	if err != nil {
		return provider.Scope{}, err
	}
	level, err := normalizeAccessLevel(tokenType, s.AccessLevel)
	if err != nil {
		return provider.Scope{}, err
	}
	return provider.Scope{Path: s.Path, Scopes: scopes, AccessLevel: level, ServiceAccount: s.ServiceAccount}, nil
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

func checkNotGitHub(s provider.Scope) error {
	switch {
	case s.Owner != "":
		return errors.New("owner applies to github only; gitlab roles take path")
	case s.InstallationID != 0:
		return errors.New("installation_id applies to github only; gitlab roles take path")
	case len(s.Repositories) > 0:
		return errors.New("repositories apply to github only; gitlab roles take path")
	case len(s.RepositoryIDs) > 0:
		return errors.New("repository_ids apply to github only; gitlab roles take path")
	case len(s.Permissions) > 0:
		return errors.New("permissions apply to github only; gitlab roles take scopes and access_level")
	}
	return nil
}
