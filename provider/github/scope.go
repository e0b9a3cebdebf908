package github

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// maxRepositories is GitHub's limit on repositories in one token request.
const maxRepositories = 500

var (
	// ownerPattern is a GitHub login: letters, digits and hyphens, plus the
	// underscore and dot that Enterprise Managed Users and GHES logins use.
	ownerPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$`)
)

// Scope is GitHub's provider.Scope document: a role's ceiling or what a
// token got. The JSON keys are the stored format.
type Scope struct {
	Owner          string   `json:"owner,omitempty"`
	InstallationID int64    `json:"installation_id,omitempty"`
	Repositories   []string `json:"repositories,omitempty"`
	// RepositoryIDs are decimal repository ids, kept as strings so a
	// role's entries may hold identity templates like the other fields.
	RepositoryIDs []string          `json:"repository_ids,omitempty"`
	Permissions   map[string]string `json:"permissions,omitempty"`
}

// scopeOf reads GitHub's scope from its document.
func scopeOf(d provider.Scope) (Scope, error) { return provider.ScopeOf[Scope](d, "github", false) }

// ownScopeOf is scopeOf for a scope that must hold GitHub's fields only
// (ValidateScope, Narrow): another provider's field in it is refused, not
// ignored.
func ownScopeOf(d provider.Scope) (Scope, error) { return provider.ScopeOf[Scope](d, "github", true) }

// ValidateScope implements provider.Kind. It normalises s in place: the
// owner, repository and permission names lower-cased, repositories
// de-duplicated and sorted.
func (Kind) ValidateScope(tokenType string, s *provider.Scope) error {
	if err := checkTokenType(tokenType); err != nil {
		return err
	}
	in, err := ownScopeOf(*s)
	if err != nil {
		return err
	}
	n, err := normalizeScope(in)
	if err != nil {
		return err
	}
	*s = provider.Encode(n)
	return nil
}

// Narrow implements provider.Kind. want may name repositories and
// permissions within the ceiling; the owner and installation come from the
// ceiling. An empty list in the ceiling means everything the installation
// has.
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
	if err := checkTokenType(tokenType); err != nil {
		return Scope{}, err
	}
	ceil, err := normalizeScope(ceiling)
	if err != nil {
		return Scope{}, fmt.Errorf("the role's scope is invalid: %w", err)
	}
	if want.Owner != "" && !strings.EqualFold(strings.TrimSpace(want.Owner), ceil.Owner) {
		return Scope{}, fmt.Errorf("owner is set by the role (%q) and cannot be changed per request", ceil.Owner)
	}
	if want.InstallationID != 0 && want.InstallationID != ceil.InstallationID {
		return Scope{}, errors.New("installation_id is set by the role and cannot be changed per request")
	}

	out := Scope{Owner: ceil.Owner, InstallationID: ceil.InstallationID}
	repos, err := normalizeRepositories(ceil.Owner, want.Repositories)
	if err != nil {
		return Scope{}, err
	}
	if hasPatterns(repos) {
		return Scope{}, fmt.Errorf("a creds request names repositories, not patterns (%s): the role's patterns bound which", quoteAll(slices.DeleteFunc(repos, func(r string) bool { return !isPattern(r) })))
	}
	ids, err := normalizeRepositoryIDs(want.RepositoryIDs)
	if err != nil {
		return Scope{}, err
	}
	if out.Repositories, out.RepositoryIDs, err = narrowRepositorySet(ceil.Repositories, ceil.RepositoryIDs, repos, ids); err != nil {
		return Scope{}, err
	}
	perms, err := normalizePermissions(want.Permissions)
	if err != nil {
		return Scope{}, err
	}
	if out.Permissions, err = narrowPermissions(ceil.Permissions, perms); err != nil {
		return Scope{}, err
	}
	return out, nil
}

func checkTokenType(tokenType string) error {
	if tokenType != TokenTypeInstallation {
		return fmt.Errorf("token_type %q does not exist on github; use %q", tokenType, TokenTypeInstallation)
	}
	return nil
}

// normalizeScope checks a whole scope and returns it normalised, leaving
// the caller's slices and maps untouched.
func normalizeScope(s Scope) (Scope, error) {
	owner := strings.ToLower(strings.TrimSpace(s.Owner))
	if owner != "" && !ownerPattern.MatchString(owner) {
		return Scope{}, fmt.Errorf("owner %q is not a GitHub login: use the org or user name (letters, digits, '-', '_', '.'; at most 100)", s.Owner)
	}
	if s.InstallationID < 0 {
		return Scope{}, errors.New("installation_id must be a positive number")
	}
	if owner == "" && s.InstallationID == 0 {
		return Scope{}, errors.New("owner (the org or user login that installed the App) or installation_id is required")
	}
	repos, err := normalizeRepositories(owner, s.Repositories)
	if err != nil {
		return Scope{}, err
	}
	ids, err := normalizeRepositoryIDs(s.RepositoryIDs)
	if err != nil {
		return Scope{}, err
	}
	if n := len(repos) + len(ids); n > maxRepositories {
		return Scope{}, fmt.Errorf("%d repositories and repository_ids given; GitHub allows at most %d per token", n, maxRepositories)
	}
	perms, err := normalizePermissions(s.Permissions)
	if err != nil {
		return Scope{}, err
	}
	return Scope{Owner: owner, InstallationID: s.InstallationID, Repositories: repos, RepositoryIDs: ids, Permissions: perms}, nil
}

// normalizeRepositories lower-cases, de-duplicates and sorts repository
// names (GitHub matches them case-insensitively). Empty means all. An entry
// may be written owner/name when owner is the role's owner (the form of the
// GitHub Actions repository claim); it is kept as the name.
func normalizeRepositories(owner string, in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]string, 0, len(in))
	for _, r := range in {
		r = strings.TrimSpace(r)
		if prefix, name, ok := strings.Cut(r, "/"); ok {
			if owner == "" || !strings.EqualFold(prefix, owner) {
				return nil, fmt.Errorf("repository %q is not of the role's owner %q: give the name, or owner/name with the role's owner", r, owner)
			}
			r = name
		}
		if !globPattern.MatchString(r) || r == "." || r == ".." {
			return nil, fmt.Errorf("repository %q is not a GitHub repository name (letters, digits, '.', '_', '-'; at most 100) or a pattern of one ('*', '?')", r)
		}
		out = append(out, strings.ToLower(r))
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > maxRepositories {
		return nil, fmt.Errorf("%d repositories given; GitHub allows at most %d per token", len(out), maxRepositories)
	}
	return out, nil
}

// normalizePermissions checks each name=level against the table and
// returns a lower-cased copy. Empty means the installation's full grant.
func normalizePermissions(in map[string]string) (map[string]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(in))
	for _, name := range slices.Sorted(maps.Keys(in)) {
		n, l, err := checkPermission(name, in[name])
		if err != nil {
			return nil, err
		}
		if prev, dup := out[n]; dup && prev != l {
			return nil, fmt.Errorf("permission %q is given twice with different levels", n)
		}
		out[n] = l
	}
	return out, nil
}

// narrowRepositories returns want when each name is in ceiling or matches
// one of its patterns, or the
// ceiling when want is empty. Both are normalised.
func narrowRepositories(ceiling, want []string) ([]string, error) {
	if len(want) == 0 {
		return slices.Clone(ceiling), nil
	}
	if len(ceiling) == 0 {
		return want, nil
	}
	var outside []string
	for _, r := range want {
		if !slices.ContainsFunc(ceiling, func(entry string) bool { return matchName(entry, r) }) {
			outside = append(outside, fmt.Sprintf("%q", r))
		}
	}
	if len(outside) > 0 {
		return nil, fmt.Errorf("repositories not allowed by the role: %s", strings.Join(outside, ", "))
	}
	return want, nil
}

// narrowPermissions returns want when each permission is at or below the
// ceiling's level, or the ceiling when want is empty. An empty ceiling
// allows any permission the installation has.
func narrowPermissions(ceiling, want map[string]string) (map[string]string, error) {
	if len(want) == 0 {
		return maps.Clone(ceiling), nil
	}
	if len(ceiling) == 0 {
		return want, nil
	}
	var problems []string
	for _, name := range slices.Sorted(maps.Keys(want)) {
		limit, ok := ceiling[name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("permission %q is not granted by the role", name))
		case !within(want[name], limit):
			problems = append(problems, fmt.Sprintf("permission %q=%s exceeds the role's %s", name, want[name], limit))
		}
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return want, nil
}
