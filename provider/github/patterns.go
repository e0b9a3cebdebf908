package github

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// Repository patterns: a role's repositories may hold globs (svc-*,
// team-?-api; '*' and '?' only, matched case-insensitively, as GitHub
// compares names). A creds request names concrete repositories within
// them; a read without narrowing gets every installation repository that
// matches, found in the installation's repository list (repolist.go).
// GitHub itself takes only names, so patterns never reach it.

// globPattern is a repository name in which '*' and '?' may stand for
// name characters.
var globPattern = regexp.MustCompile(`^[A-Za-z0-9._*?-]{1,100}$`)

func isPattern(name string) bool { return strings.ContainsAny(name, "*?") }

func hasPatterns(names []string) bool { return slices.ContainsFunc(names, isPattern) }

// matchName reports whether name (lower-cased) matches entry, a name or a
// pattern (lower-cased). The charset holds no '/', '[' or '\', so
// path.Match reads only '*' and '?' and never fails.
func matchName(entry, name string) bool {
	if !isPattern(entry) {
		return entry == name
	}
	ok, _ := path.Match(entry, name)
	return ok
}

// expandPatterns replaces the patterns among names with the installation
// repositories they match, keeping literal names as they are (GitHub says
// whether those exist). Patterns that together match nothing, or a result
// beyond GitHub's 500 with ids, are refused before any token request.
func expandPatterns(names, ids []string, installed []string) ([]string, error) {
	var out, patterns []string
	for _, n := range names {
		if isPattern(n) {
			patterns = append(patterns, n)
		} else {
			out = append(out, n)
		}
	}
	matched := 0
	for _, r := range installed {
		lower := strings.ToLower(r)
		if slices.ContainsFunc(patterns, func(p string) bool { return matchName(p, lower) }) {
			matched++
			if !slices.Contains(out, lower) {
				out = append(out, lower)
			}
		}
	}
	if matched == 0 {
		return nil, &provider.Error{Kind: provider.ErrInvalidRequest, Message: fmt.Sprintf(
			"the role's repository patterns %s match no repository of the installation", quoteAll(patterns))}
	}
	if n := len(out) + len(ids); n > maxRepositories {
		return nil, &provider.Error{Kind: provider.ErrInvalidRequest, Message: fmt.Sprintf(
			"the role's repository patterns %s match %d repositories; GitHub allows at most %d per token: narrow the request to some of them",
			quoteAll(patterns), n, maxRepositories)}
	}
	slices.Sort(out)
	return out, nil
}

func quoteAll(in []string) string {
	q := make([]string, len(in))
	for i, s := range in {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
