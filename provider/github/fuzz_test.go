package github

import (
	"slices"
	"strings"
	"testing"
)

// FuzzNarrow feeds arbitrary text through ValidateScope and Narrow. They
// must never panic, and whatever Narrow accepts must lie within the
// ceiling.
func FuzzNarrow(f *testing.F) {
	f.Add("acme", "api,web", "contents=write,issues=read", "web", "contents=read")
	f.Add("", "", "", "", "")
	f.Add("ACME", "a/b,,", "workflows=write", "A", "workflows=read,=")
	f.Add("-x", "..", "repository_projects=admin", "..", "repository_projects=admin")
	f.Fuzz(func(t *testing.T, owner, ceilRepos, ceilPerms, wantRepos, wantPerms string) {
		ceiling := Scope{Owner: owner, Repositories: splitList(ceilRepos), Permissions: splitMap(ceilPerms)}
		want := Scope{Repositories: splitList(wantRepos), Permissions: splitMap(wantPerms)}

		validated := ceiling
		validErr := validateScope(TokenTypeInstallation, &validated)
		out, err := narrow(TokenTypeInstallation, ceiling, want)
		if err != nil {
			return
		}
		if validErr != nil {
			t.Fatalf("Narrow accepted a ceiling ValidateScope refuses: %v", validErr)
		}
		if len(validated.Repositories) > 0 {
			for _, r := range out.Repositories {
				if !slices.Contains(validated.Repositories, r) {
					t.Fatalf("repository %q is outside the ceiling %v", r, validated.Repositories)
				}
			}
			if len(out.Repositories) == 0 {
				t.Fatal("a limited ceiling became all repositories")
			}
		}
		if len(validated.Permissions) > 0 {
			if len(out.Permissions) == 0 {
				t.Fatal("a limited ceiling became the full grant")
			}
			for name, level := range out.Permissions {
				if !within(level, validated.Permissions[name]) {
					t.Fatalf("%s=%s is beyond the ceiling %v", name, level, validated.Permissions)
				}
			}
		}
	})
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func splitMap(s string) map[string]string {
	if s == "" {
		return nil
	}
	m := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}
