package gitsecrets

import (
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/logical"
)

// A static role's tokens are in tokens/ while the role holds them: the
// current one, then also the replaced one through its grace period.
func TestStaticTokensInTheInventory(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	e.ok(logical.CreateOperation, "static-roles/cd", map[string]any{
		"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_registry",
		"rotation_period": "24h", "grace_period": "30m",
	})
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api"})
	leased := e.ok(logical.ReadOperation, "creds/ci", nil)
	defer e.revoke(leased)

	list := func(filter map[string]any) map[string]any {
		t.Helper()
		resp := e.ok(logical.ListOperation, "tokens/", filter)
		info, _ := resp.Data["key_info"].(map[string]any)
		return info
	}
	first := staticCreds(t, e, w, "cd")
	firstRef := first["token_ref"].(string)
	info := list(nil)
	if len(info) != 2 || info[firstRef] == nil || info[leased.Data["token_ref"].(string)] == nil {
		t.Fatalf("tokens/ lists %v, want the leased token and the static one", info)
	}
	row := info[firstRef].(map[string]any)
	if row["static"] != true || row["current"] != true || row["role"] != "cd" || row["config"] != "gl" {
		t.Errorf("static token's row: %v", row)
	}

	read := e.ok(logical.ReadOperation, "tokens/"+firstRef, nil).Data
	if read["static"] != true || read["hashed_token"] != hashToken(first["token"].(string)) || read["token"] != nil {
		t.Errorf("tokens/%s: %v, want the static token by hash, never the token", firstRef, read)
	}
	assertNoSecret(t, read, first["token"].(string))

	e.at(rotationStart.Add(24 * time.Hour))
	second := staticCreds(t, e, w, "cd")
	info = list(map[string]any{"role": "cd"})
	if len(info) != 2 || info[firstRef] == nil || info[second["token_ref"].(string)] == nil {
		t.Fatalf("tokens/?role=cd in the grace period lists %v, want the old and the new token", info)
	}
	if old := info[firstRef].(map[string]any); old["current"] != false || old["revoke_after"] == nil {
		t.Errorf("replaced token's row: %v, want current false and revoke_after", old)
	}

	e.at(rotationStart.Add(24*time.Hour + 30*time.Minute))
	info = list(map[string]any{"role": "cd"})
	if len(info) != 1 || info[second["token_ref"].(string)] == nil {
		t.Errorf("tokens/?role=cd after the grace period lists %v, want the current token only", info)
	}
	if resp, err := e.request(logical.ReadOperation, "tokens/"+firstRef, nil); err != nil || resp != nil {
		t.Errorf("tokens/%s after its revocation: %v %v, want nothing", firstRef, resp, err)
	}

	e.ok(logical.DeleteOperation, "static-roles/cd", nil)
	if info := list(map[string]any{"role": "cd"}); len(info) != 0 {
		t.Errorf("tokens/?role=cd after the role is deleted lists %v", info)
	}
}
