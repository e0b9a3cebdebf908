package gitsecrets

import (
	"strings"
	"testing"

	"github.com/hashicorp/vault/sdk/logical"
)

// FuzzRoleAndCredsRequests sends arbitrary field values through roles/ and
// creds/: nothing panics, a refused creds request never reaches GitHub, and
// an accepted one yields a token inside the role.
func FuzzRoleAndCredsRequests(f *testing.F) {
	f.Add("installation", "acme", "app,infra", "contents=read", "15m", "app", "contents=read", "5m")
	f.Add("project", "", "", "", "-1", "", "", "")
	f.Add("installation", "acme", "a/b", "contents=admin", "2h", "x", "x=y", "0")
	f.Add("", "ACME", " app ,, app", "Contents=Read", "3600", "APP", "contents=read,metadata=read", "1h")
	e := newGitHubEnv(f)
	f.Fuzz(func(t *testing.T, tokenType, owner, repos, perms, ttl, wantRepos, wantPerms, wantTTL string) {
		e.t = t
		role := map[string]any{"config": "gh", "token_type": tokenType, "owner": owner, "repositories": repos, "permissions": perms, "ttl": ttl}
		resp, err := e.request(logical.UpdateOperation, "roles/fuzz", role)
		if err != nil {
			t.Fatalf("role write errored instead of a 400: %v", err)
		}
		if resp != nil && resp.IsError() {
			return
		}
		before := e.gh.TotalCalls()
		resp, err = e.request(logical.UpdateOperation, "creds/fuzz", map[string]any{"repositories": wantRepos, "permissions": wantPerms, "ttl": wantTTL})
		if err != nil {
			return // a provider refusal or outage is not a parsing bug
		}
		if resp.IsError() {
			// Only GitHub's own refusal (an owner without the App, say)
			// may come after a call; the engine's checks come before any.
			githubSaid := strings.Contains(resp.Error().Error(), "(HTTP 4")
			if calls := e.gh.TotalCalls() - before; calls != 0 && !githubSaid {
				t.Fatalf("refused creds request made %d GitHub calls: %v", calls, resp.Error())
			}
			return
		}
		if err := e.revoke(resp); err != nil {
			t.Fatal(err)
		}
	})
}
