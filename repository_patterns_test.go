package gitsecrets

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
)

// TestGitHubRepositoryPatterns: a role's repositories may be patterns. A
// read gets every installation repository that matches; a narrowing
// request names repositories within the patterns; patterns that match
// nothing are a 400 with no token request.
func TestGitHubRepositoryPatterns(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	e.ok(logical.CreateOperation, "roles/p", map[string]any{"config": "gh", "owner": "acme", "repositories": "IN*,d?cs"})
	if got := e.ok(logical.ReadOperation, "roles/p", nil).Data["repositories"]; !reflect.DeepEqual(got, []string{"d?cs", "in*"}) {
		t.Fatalf("role read repositories = %v", got)
	}

	resp := e.ok(logical.ReadOperation, "creds/p", nil)
	live, _ := e.gh.Lookup(resp.Data["token"].(string))
	if !reflect.DeepEqual(live.Repositories, []string{"docs", "infra"}) {
		t.Fatalf("a read of the pattern role reaches %v", live.Repositories)
	}
	if err := e.revoke(resp); err != nil {
		t.Fatal(err)
	}

	resp = e.ok(logical.UpdateOperation, "creds/p", map[string]any{"repositories": "acme/infra"})
	live, _ = e.gh.Lookup(resp.Data["token"].(string))
	if !reflect.DeepEqual(live.Repositories, []string{"infra"}) {
		t.Fatalf("narrowed to infra, the token reaches %v", live.Repositories)
	}
	if err := e.revoke(resp); err != nil {
		t.Fatal(err)
	}

	e.gh.ResetCalls()
	for data, want := range map[string]string{
		"app":    `repositories not allowed by the role: "app"`,
		"in*":    "a creds request names repositories, not patterns",
		"infra?": "a creds request names repositories, not patterns",
	} {
		if msg := e.bad(logical.UpdateOperation, "creds/p", map[string]any{"repositories": data}); !strings.Contains(msg, want) {
			t.Errorf("narrowing to %s: %s, want %q", data, msg, want)
		}
	}
	e.ok(logical.CreateOperation, "roles/none", map[string]any{"config": "gh", "owner": "acme", "repositories": "legacy-*"})
	if msg := e.bad(logical.ReadOperation, "creds/none", nil); !strings.Contains(msg, `"legacy-*" match no repository`) {
		t.Fatalf("patterns matching nothing: %s", msg)
	}
	// The installation's list was fetched by the reads above, within the
	// minute: the refusals cost no GitHub call at all.
	if n := e.gh.TotalCalls(); n != 0 {
		t.Fatalf("%d GitHub calls for refused requests", n)
	}
	if n := e.gh.Calls(http.MethodPost, fakegithub.RouteAccessTokens); n != 0 {
		t.Fatalf("%d token requests", n)
	}
}
