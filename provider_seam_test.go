package gitsecrets

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
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
