package gitsecrets

import (
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/logical"
)

// TestNameRegexIsGenericWithoutDotDot: the name pattern matches exactly
// what framework.GenericNameRegex matches, except names holding "..",
// which Vault's storage refuses.
func TestNameRegexIsGenericWithoutDotDot(t *testing.T) {
	t.Parallel()
	ours := regexp.MustCompile("^" + nameRegex("name") + "$")
	generic := regexp.MustCompile("^" + framework.GenericNameRegex("name") + "$")
	for _, name := range []string{
		"a", "ab", "a.b", "a-b", "a_b", "a.b.c", "a.-b", "a-.b", "a--b", "v1.2.3", "ci-deploy_2",
		"a..b", "..", ".", "a.", ".a", "-a", "a-", "a...b", "a/b", "r\u00f4le", "", "a b",
	} {
		want := generic.MatchString(name) && !strings.Contains(name, "..")
		if got := ours.MatchString(name); got != want {
			t.Errorf("%q: matched %v, want %v", name, got, want)
		}
	}
}

// TestNamesWithDotDotOrTooLongAreRefused: a name Vault's storage cannot
// hold is an unsupported path (as one with '/' is), not a server error;
// an overlong new name is a 400 that says so.
func TestNamesWithDotDotOrTooLongAreRefused(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	for _, path := range []string{"roles/a..b", "creds/a..b", "config/a..b", "static-roles/a..b", "rotate-role/a..b", "tokens/a..b"} {
		if _, err := e.request(logical.UpdateOperation, path, map[string]any{"config": "gh"}); err != logical.ErrUnsupportedPath {
			t.Errorf("%s: %v, want an unsupported path", path, err)
		}
	}
	long := strings.Repeat("a", maxNameLength+1)
	for _, c := range []struct{ path string }{{"roles/" + long}, {"config/" + long}, {"static-roles/" + long}} {
		msg := e.bad(logical.UpdateOperation, c.path, map[string]any{"config": "gh", "provider": "github", "owner": "acme"})
		if !strings.Contains(msg, "at most 128") {
			t.Errorf("%s: %q", c.path[:20], msg)
		}
	}
	e.ok(logical.UpdateOperation, "roles/"+strings.Repeat("a", maxNameLength), map[string]any{"config": "gh", "owner": "acme"})
}
