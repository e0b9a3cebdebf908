package gitsecrets

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/vault/sdk/logical"
)

func TestRoleGitHubWriteRead(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{
		"config":       "gh",
		"owner":        "acme",
		"repositories": "infra,app",
		"permissions":  "contents=read,pull_requests=write",
		"ttl":          "15m",
	})
	resp := e.ok(logical.ReadOperation, "roles/ci", nil)
	want := map[string]any{
		"config":          "gh",
		"token_type":      "installation",
		"owner":           "acme",
		"installation_id": int64(0),
		"repositories":    []string{"app", "infra"},
		"repository_ids":  []string{},
		"permissions":     map[string]string{"contents": "read", "pull_requests": "write"},
		"ttl":             int64(900),
		"max_ttl":         int64(0),
		"scope_template":  false,
	}
	if !reflect.DeepEqual(resp.Data, want) {
		t.Fatalf("role read:\n got %#v\nwant %#v", resp.Data, want)
	}
	// A partial update keeps what it does not name.
	e.ok(logical.UpdateOperation, "roles/ci", map[string]any{"ttl": "10m"})
	resp = e.ok(logical.ReadOperation, "roles/ci", nil)
	if resp.Data["ttl"] != int64(600) || !reflect.DeepEqual(resp.Data["repositories"], []string{"app", "infra"}) {
		t.Fatalf("partial update lost fields: %v", resp.Data)
	}
	list := e.ok(logical.ListOperation, "roles/", nil)
	if keys := list.Data["keys"].([]string); len(keys) != 1 || keys[0] != "ci" {
		t.Fatalf("list: %v", list.Data)
	}
}

func TestRoleGitHubPermissionsAsMapAndList(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	for _, perms := range []any{
		map[string]any{"contents": "read", "issues": "write"},
		[]any{"contents=read", "issues=write"},
		"contents=read, issues=write",
	} {
		e.ok(logical.UpdateOperation, "roles/p", map[string]any{"config": "gh", "owner": "acme", "permissions": perms})
		got := e.ok(logical.ReadOperation, "roles/p", nil).Data["permissions"]
		if !reflect.DeepEqual(got, map[string]string{"contents": "read", "issues": "write"}) {
			t.Fatalf("permissions %#v read back as %#v", perms, got)
		}
	}
}

func TestRoleWriteRefusals(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	calls := e.gh.TotalCalls()
	cases := []struct {
		name string
		data map[string]any
		want string
	}{
		{"no config", map[string]any{"owner": "acme"}, "config is required"},
		{"missing config", map[string]any{"config": "nope", "owner": "acme"}, "does not exist"},
		{"gitlab token type", map[string]any{"config": "gh", "owner": "acme", "token_type": "project"}, "token_type"},
		{"gitlab field", map[string]any{"config": "gh", "owner": "acme", "access_level": "developer"}, "access_level applies to gitlab"},
		{"other providers' field", map[string]any{"config": "gh", "owner": "acme", "scopes": "api"}, "scopes applies to"},
		{"no owner", map[string]any{"config": "gh"}, "owner"},
		{"unknown permission", map[string]any{"config": "gh", "owner": "acme", "permissions": "contnets=read"}, "contnets"},
		{"bad level", map[string]any{"config": "gh", "owner": "acme", "permissions": "contents=admin"}, "contents"},
		{"malformed permissions", map[string]any{"config": "gh", "owner": "acme", "permissions": "contents"}, "contents"},
		{"bad repo name", map[string]any{"config": "gh", "owner": "acme", "repositories": "a/b/c"}, "a/b/c"},
		{"ttl over an hour", map[string]any{"config": "gh", "owner": "acme", "ttl": "2h"}, "1h"},
		{"ttl over max_ttl", map[string]any{"config": "gh", "owner": "acme", "ttl": "30m", "max_ttl": "10m"}, "max_ttl"},
		{"negative ttl", map[string]any{"config": "gh", "owner": "acme", "ttl": "-5m"}, "negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := e.bad(logical.UpdateOperation, "roles/r", c.data)
			if !strings.Contains(msg, c.want) {
				t.Fatalf("message %q does not mention %q", msg, c.want)
			}
		})
	}
	if got := e.gh.TotalCalls(); got != calls {
		t.Fatalf("role validation called GitHub %d times", got-calls)
	}
}
