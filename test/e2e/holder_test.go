package e2e

import (
	"strings"
	"testing"
)

// testHolderWarnings checks that a role write through a real Vault carries
// the provider's warning when the role's tokens let a holder create
// credentials that outlive them, and carries none otherwise.
func testHolderWarnings(t *testing.T, e *engine) {
	for _, c := range []struct {
		role   string
		fields []string
		want   string // "" for no warning
	}{
		{"gl-api", []string{"config=gl", "token_type=project", "path=" + gitlabProj, "scopes=api"},
			"scopes include api with access_level maintainer: a holder can create deploy tokens"},
		{"gl-read", []string{"config=gl", "token_type=project", "path=" + gitlabProj, "scopes=read_api"}, ""},
		{"gh-admin", []string{"config=gh", "owner=" + githubOwner, "permissions=administration=write"},
			"permissions include administration=write: a holder can create deploy keys"},
		{"gh-contents", []string{"config=gh", "owner=" + githubOwner, "permissions=contents=read"}, ""},
	} {
		stdout, stderr, err := e.v.srv.CLI(append([]string{"write", e.path + "/roles/" + c.role}, c.fields...)...)
		if err != nil {
			t.Fatalf("role %s: %v", c.role, err)
		}
		out := strings.Join(strings.Fields(stdout+" "+stderr), " ")
		switch {
		case c.want == "" && strings.Contains(out, "a holder can create"):
			t.Errorf("role %s warned: %s", c.role, out)
		case c.want != "" && !strings.Contains(out, c.want):
			t.Errorf("role %s: %q, want a warning with %q", c.role, out, c.want)
		}
	}
}
