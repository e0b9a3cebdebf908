package gitlab

import (
	"slices"
	"strings"
	"testing"
)

// FuzzScope feeds arbitrary roles and requests to ValidateScope and Narrow.
// Neither may panic, and whatever Narrow accepts must lie within the
// validated role: the same path and level, scopes a subset.
func FuzzScope(f *testing.F) {
	f.Add(uint8(0), "grp/app", "read_api,read_repository", "developer", "", "read_api", "")
	f.Add(uint8(1), "42", "api", "owner", "42", "", "owner")
	f.Add(uint8(2), "grp/app", "read_registry", "", "GRP/APP", "read_registry,read_registry", "")
	f.Add(uint8(3), "svc-bot", "read_user,api", "", "", "sudo", "")
	f.Add(uint8(0), "../etc", "api", "", "", "", "")
	f.Add(uint8(1), "a//b", ",", "OWNER", "/", ",api,", "guest")
	f.Add(uint8(2), "%2e%2e/x", "read_registry", "x", "", "api", "")
	f.Fuzz(func(t *testing.T, typeIndex uint8, path, scopes, level, wantPath, wantScopes, wantLevel string) {
		types := Kind{}.TokenTypes()
		tokenType := "unknown"
		if int(typeIndex) < len(types) {
			tokenType = types[typeIndex]
		}
		ceiling := Scope{Path: path, Scopes: splitList(scopes), AccessLevel: level}
		want := Scope{Path: wantPath, Scopes: splitList(wantScopes), AccessLevel: wantLevel}

		validated := ceiling
		validated.Scopes = slices.Clone(ceiling.Scopes)
		validErr := validateScope(tokenType, &validated)

		out, err := narrow(tokenType, ceiling, want)
		if err != nil {
			return
		}
		if validErr != nil {
			t.Fatalf("Narrow accepted a ceiling ValidateScope refuses (%v)", validErr)
		}
		if out.Path != validated.Path || out.AccessLevel != validated.AccessLevel {
			t.Fatalf("Narrow changed path or level: %+v from %+v", out, validated)
		}
		if len(out.Scopes) == 0 {
			t.Fatal("Narrow returned no scopes")
		}
		for _, s := range out.Scopes {
			if !slices.Contains(validated.Scopes, s) {
				t.Fatalf("Narrow granted %q beyond %v", s, validated.Scopes)
			}
		}
		if strings.Contains(out.Path, "..") || strings.Contains(out.Path, "//") {
			t.Fatalf("Narrow accepted path %q", out.Path)
		}
	})
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
