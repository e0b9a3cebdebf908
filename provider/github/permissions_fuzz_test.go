package github

import (
	"strings"
	"testing"
)

// FuzzParsePermissions feeds arbitrary CLI-style permission strings: parsing
// must never panic, and what it accepts must be clean name=level pairs.
func FuzzParsePermissions(f *testing.F) {
	for _, s := range []string{"contents=read", "contents=read,issues=write", "a=b=c", ",,", "=", "x=", "contents=read,contents=write"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		perms, err := parsePermissions(s)
		if err != nil {
			return
		}
		for name, level := range perms {
			if name == "" || level == "" || strings.Contains(name, ",") || strings.Contains(name, "=") {
				t.Fatalf("accepted %q as %q=%q", s, name, level)
			}
		}
	})
}
