package fakegitea

import (
	"fmt"
	"slices"
	"strings"
)

// categories are the scope categories of Gitea's and Forgejo's token scope
// documentation.
var categories = []string{"activitypub", "admin", "issue", "misc", "notification", "organization", "package", "repository", "user"}

// normalizeScopes checks scope names and reduces them as Gitea's
// AccessTokenScope.Normalize does: "all" stays alone, write:X drops read:X.
func normalizeScopes(in []string) ([]string, error) {
	set := map[string]bool{}
	for _, raw := range in {
		for _, s := range strings.Split(raw, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			if s != "all" && s != "public-only" {
				level, cat, ok := strings.Cut(s, ":")
				if !ok || (level != "read" && level != "write") || !slices.Contains(categories, cat) {
					return nil, fmt.Errorf("invalid access token scope: %s", s)
				}
			}
			set[s] = true
		}
	}
	if set["all"] {
		return []string{"all"}, nil
	}
	var out []string
	for s := range set {
		if cat, ok := strings.CutPrefix(s, "read:"); ok && set["write:"+cat] {
			continue
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out, nil
}

// allows reports whether scopes grant level ("read" or "write") on cat.
func allows(scopes []string, level, cat string) bool {
	for _, s := range scopes {
		if s == "all" || s == "write:"+cat || (level == "read" && s == "read:"+cat) {
			return true
		}
	}
	return false
}
