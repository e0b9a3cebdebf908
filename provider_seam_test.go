package gitsecrets

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/vault/sdk/framework"
)

// TestRootNamesNoProvider: the backend (this package's non-test files) holds
// no provider knowledge; everything about one service lives in its folder
// under provider/, and providers.go registers it. Comments and help texts
// count: help is built from what the providers contribute. Import paths are
// not names (the module itself lives on github.com).
func TestRootNamesNoProvider(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	importPath := regexp.MustCompile(`github\.com/[A-Za-z0-9_./-]*`)
	name := regexp.MustCompile(`(?i)github|gitlab|gitea|forgejo`)
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "providers.go" {
			continue
		}
		checked++
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(raw), "\n") {
			if m := name.FindString(importPath.ReplaceAllString(line, "")); m != "" {
				t.Errorf("%s:%d names a provider (%s): %s", f, i+1, m, strings.TrimSpace(line))
			}
		}
	}
	if checked == 0 {
		t.Fatal("no files checked")
	}
}

// TestSharedFieldsKeepEachDescription: where providers share a field name
// (roles' scopes, repositories), the merged schema keeps every provider's
// description and one type, so registering a provider hides no other's
// documentation.
func TestSharedFieldsKeepEachDescription(t *testing.T) {
	t.Parallel()
	b := newBackend(registeredKinds())
	for what, merged := range map[string]map[string]*framework.FieldSchema{
		"scope": b.scopeFieldSchemas(), "config": b.configFieldSchemas(),
	} {
		for _, k := range registeredKinds() {
			own := k.ScopeFields()
			if what == "config" {
				own = k.ConnectionFields()
			}
			for name, f := range own {
				got := merged[name]
				if got == nil || !strings.Contains(got.Description, f.Description) {
					t.Errorf("%s field %s: the merged description lacks %s's %q", what, name, k.Name(), f.Description)
				} else if got.Type != f.Type {
					t.Errorf("%s field %s: %s's type %v, merged %v", what, name, k.Name(), f.Type, got.Type)
				}
			}
		}
	}
}
