package gitsecrets

import (
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/logical"
)

// FuzzStaticRoleRequests sends arbitrary static-roles/ writes: a refusal is
// a 400, never a server error, and an accepted role holds a token that
// GitLab keeps valid until past the role's next rotation and grace period,
// so consumers never hold a dead token.
func FuzzStaticRoleRequests(f *testing.F) {
	f.Add("deploy", "acme/app", "read_repository", "", "24h", "", "", "1h")
	f.Add("project", "acme/app", "read_api", "developer", "", "0 3 * * 1", "2h", "0")
	f.Add("group", "acme", "read_registry", "reporter", "168h", "0 3 * * 1", "", "")
	f.Add("personal", "ci-bot", "read_api", "", "", "0 0 30 2 *", "", "")
	f.Add("project", "acme/app", "read_api", "developer", "106751d", "", "", "")
	f.Add("project", "acme/app", "read_api", "developer", "24h", "", "", "106751d")
	f.Add("deploy", "../acme", "api", "", "-1", "", "1h", "-5")
	f.Add("installation", "acme/app", "read_api", "owner", "59s", "* * * * * *", "", "x")
	e, w := newGitLabRotEnv(f, nil)
	f.Fuzz(func(t *testing.T, tokenType, path, scopes, level, period, schedule, window, grace string) {
		e.t = t
		role := map[string]any{"config": "gl", "token_type": tokenType, "path": path, "scopes": scopes}
		for field, v := range map[string]string{"access_level": level, "rotation_period": period,
			"rotation_schedule": schedule, "rotation_window": window, "grace_period": grace} {
			if v != "" {
				role[field] = v
			}
		}
		resp, err := e.request(logical.CreateOperation, "static-roles/fuzz", role)
		if err != nil {
			t.Fatalf("static role write errored instead of a 400: %v", err)
		}
		if resp != nil && resp.IsError() {
			return
		}
		defer e.ok(logical.DeleteOperation, "static-roles/fuzz", nil)
		read := e.ok(logical.ReadOperation, "static-roles/fuzz", nil).Data
		creds := e.ok(logical.ReadOperation, "static-creds/fuzz", nil).Data
		tok, live := w.gl.Lookup(creds["token"].(string))
		if !live {
			t.Fatal("an accepted static role hands out a dead token")
		}
		next := mustTime(t, read["next_rotation"])
		graceSecs, _ := read["grace_period"].(int64)
		needed := next.Add(time.Duration(graceSecs) * time.Second)
		if !next.After(e.clock.Now()) {
			t.Fatalf("next rotation %s is not after now %s", next, e.clock.Now())
		}
		if !tok.ExpiresAt.IsZero() && tok.ExpiresAt.Before(needed) {
			t.Fatalf("GitLab expires the token at %s, before the next rotation plus grace (%s)", tok.ExpiresAt, needed)
		}
	})
}
