package provider

import (
	"sort"
	"strings"
)

// CleanList trims, drops empty entries, dedupes and sorts a list field.
func CleanList(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := make([]string, 0, len(in))
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil
	}
	return out
}

// NonNil shows an unset list as empty rather than null.
func NonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
