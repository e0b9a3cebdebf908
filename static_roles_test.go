package gitsecrets

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
)

// staticCreds reads a static role's current token and checks it works at
// GitLab.
func staticCreds(t *testing.T, e *rotEnv, w *gitlabWorld, name string) map[string]any {
	t.Helper()
	resp := e.ok(logical.ReadOperation, "static-creds/"+name, nil)
	if resp.Secret != nil {
		t.Fatal("static-creds returned a lease")
	}
	token, _ := resp.Data["token"].(string)
	if _, live := w.gl.Lookup(token); !live {
		t.Fatalf("static-creds/%s hands out a token GitLab does not accept", name)
	}
	return resp.Data
}

func live(w *gitlabWorld, token string) bool {
	_, ok := w.gl.Lookup(token)
	return ok
}

func TestStaticRoleEachTokenType(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		role     map[string]any
		kind     string
		registry bool
	}{
		{"project", map[string]any{"token_type": "project", "path": "acme/app", "scopes": "read_repository", "access_level": "reporter"}, fakegitlab.KindProject, false},
		// The fake is a self-managed instance: a deploy token on a project
		// gets the registry GitLab names for it, a group token none.
		{"group", map[string]any{"token_type": "group", "path": "acme", "scopes": "read_registry"}, fakegitlab.KindGroup, false},
		{"deploy", map[string]any{"token_type": "deploy", "path": "acme/app", "scopes": "read_registry,read_repository"}, fakegitlab.KindDeploy, true},
		{"personal", map[string]any{"token_type": "personal", "path": "ci-bot", "scopes": "read_api"}, fakegitlab.KindPersonal, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e, w := newGitLabRotEnv(t, nil)
			role := map[string]any{"config": "gl", "rotation_period": "168h", "grace_period": "1h"}
			for k, v := range c.role {
				role[k] = v
			}
			e.ok(logical.CreateOperation, "static-roles/"+c.name, role)
			data := staticCreds(t, e, w, c.name)
			token := data["token"].(string)
			got, _ := w.gl.Lookup(token)
			if got.Kind != c.kind {
				t.Fatalf("GitLab has a %s token", got.Kind)
			}
			if data["username"] == "" || (c.kind == fakegitlab.KindDeploy && data["username"] != got.Username) {
				t.Fatalf("username %v (GitLab: %s)", data["username"], got.Username)
			}
			now := e.clock.Now()
			if mustTime(t, data["last_rotated"]) != now || !mustTime(t, data["next_rotation"]).Equal(now.Add(168*time.Hour)) {
				t.Fatalf("last_rotated %v next_rotation %v", data["last_rotated"], data["next_rotation"])
			}
			if data["ttl"] != int64(168*3600) || data["rotation_period"] != int64(168*3600) {
				t.Fatalf("ttl %v rotation_period %v", data["ttl"], data["rotation_period"])
			}
			// GitLab's own expiry outlives the next rotation plus grace.
			if min := now.Add(168*time.Hour + time.Hour); got.ExpiresAt.Before(min) {
				t.Fatalf("GitLab expiry %s is before the next rotation plus grace (%s)", got.ExpiresAt, min)
			}
			if _, has := data["docker_config_json"]; has != c.registry {
				t.Fatalf("docker_config_json present %v, want %v", has, c.registry)
			}
			if c.registry {
				var doc struct {
					Auths map[string]struct{ Username, Password string } `json:"auths"`
				}
				_ = json.Unmarshal([]byte(data["docker_config_json"].(string)), &doc)
				host := strings.TrimPrefix(w.gl.URL(), "http://")
				if a := doc.Auths[host]; a.Password != token || data["registry"] != host {
					t.Fatalf("registry %v, docker config %+v", data["registry"], doc)
				}
			}
			read := e.ok(logical.ReadOperation, "static-roles/"+c.name, nil)
			assertNoSecret(t, read.Data, token)

			// rotate-role: a new token; the old one lives out its grace.
			e.clock.Advance(time.Minute)
			e.ok(logical.UpdateOperation, "rotate-role/"+c.name, nil)
			next := staticCreds(t, e, w, c.name)["token"].(string)
			if next == token || !live(w, token) {
				t.Fatal("rotate-role did not make a new token, or killed the old one before its grace period")
			}
			e.at(e.clock.Now().Add(time.Hour))
			if live(w, token) {
				t.Fatal("the old token outlived its grace period")
			}

			// Deleting the role revokes its token (the fake's leak check
			// catches any left behind).
			e.ok(logical.DeleteOperation, "static-roles/"+c.name, nil)
			if live(w, next) {
				t.Fatal("the token outlived its static role")
			}
		})
	}
}

// TestStaticRoleScheduledRotation: rotations happen at the scheduled
// times, and each previous token is revoked exactly when its grace period
// ends.
func TestStaticRoleScheduledRotation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		role  map[string]any
		times []time.Time // the rotations expected
	}{
		{
			name:  "period",
			role:  map[string]any{"rotation_period": "24h"},
			times: []time.Time{rotationStart.Add(24 * time.Hour), rotationStart.Add(48 * time.Hour)},
		},
		{
			name:  "cron",
			role:  map[string]any{"rotation_schedule": "0 3 * * *", "rotation_window": "2h"},
			times: []time.Time{at("2025-03-12T03:00:00Z"), at("2025-03-13T03:00:00Z")},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e, w := newGitLabRotEnv(t, nil)
			role := map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_registry", "grace_period": "30m"}
			for k, v := range c.role {
				role[k] = v
			}
			e.ok(logical.CreateOperation, "static-roles/cd", role)
			token := staticCreds(t, e, w, "cd")["token"].(string)
			for _, due := range c.times {
				e.at(due.Add(-time.Minute))
				if got := staticCreds(t, e, w, "cd"); got["token"] != token || got["ttl"] != int64(60) {
					t.Fatalf("a minute before %s: rotated already, or ttl %v", due, got["ttl"])
				}
				e.at(due)
				data := staticCreds(t, e, w, "cd")
				if data["token"] == token {
					t.Fatalf("not rotated at %s", due)
				}
				if !mustTime(t, data["last_rotated"]).Equal(due) {
					t.Fatalf("last_rotated %v, want %s", data["last_rotated"], due)
				}
				e.at(due.Add(29 * time.Minute))
				if !live(w, token) {
					t.Fatal("the previous token was revoked inside its grace period")
				}
				e.at(due.Add(30 * time.Minute))
				if live(w, token) {
					t.Fatal("the previous token was not revoked when its grace period ended")
				}
				token = data["token"].(string)
			}
			e.ok(logical.DeleteOperation, "static-roles/cd", nil)
		})
	}
}

// TestStaticRoleRotationFailureRetried: GitLab failing a rotation leaves the
// current token in place and the rotation is tried again.
func TestStaticRoleRotationFailureRetried(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	e.ok(logical.CreateOperation, "static-roles/cd", map[string]any{
		"config": "gl", "token_type": "deploy", "path": "acme/app", "scopes": "read_registry", "rotation_period": "24h",
	})
	token := staticCreds(t, e, w, "cd")["token"].(string)
	w.gl.InjectFault(fakegitlab.Fault{Method: "POST", Route: "/projects/{id}/deploy_tokens", Status: 500, Times: 1})
	due := rotationStart.Add(24 * time.Hour)
	e.at(due)
	if got := staticCreds(t, e, w, "cd")["token"]; got != token {
		t.Fatal("a failed rotation changed the token")
	}
	read := e.ok(logical.ReadOperation, "static-roles/cd", nil)
	if read.Data["last_rotation_error"] == nil || !mustTime(t, read.Data["next_rotation"]).Equal(due.Add(time.Minute)) {
		t.Fatalf("after a failure: error %v, next %v", read.Data["last_rotation_error"], read.Data["next_rotation"])
	}
	e.at(due.Add(time.Minute))
	if got := staticCreds(t, e, w, "cd")["token"]; got == token {
		t.Fatal("the retry did not rotate")
	}
	if live(w, token) {
		t.Fatal("the previous token (no grace period) is still live")
	}
	e.ok(logical.DeleteOperation, "static-roles/cd", nil)
}

// TestStaticRoleSurvivesRestart: a new backend on the same storage keeps
// both the rotation schedule and the pending revocations.
func TestStaticRoleSurvivesRestart(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	e.ok(logical.CreateOperation, "static-roles/cd", map[string]any{
		"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api",
		"rotation_period": "24h", "grace_period": "2h",
	})
	first := staticCreds(t, e, w, "cd")["token"].(string)
	e.restart()
	due := rotationStart.Add(24 * time.Hour)
	e.at(due)
	second := staticCreds(t, e, w, "cd")["token"].(string)
	if second == first {
		t.Fatal("not rotated after a restart")
	}
	e.crash()
	e.at(due.Add(2 * time.Hour))
	if live(w, first) {
		t.Fatal("the grace-period revocation was lost in the restart")
	}
	e.ok(logical.DeleteOperation, "static-roles/cd", nil)
}

func TestStaticRoleUpdates(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	e.ok(logical.CreateOperation, "static-roles/cd", map[string]any{
		"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api",
		"rotation_period": "24h", "grace_period": "1h",
	})
	first := staticCreds(t, e, w, "cd")["token"].(string)

	// A schedule change keeps the token.
	e.ok(logical.UpdateOperation, "static-roles/cd", map[string]any{"rotation_period": "48h"})
	data := staticCreds(t, e, w, "cd")
	if data["token"] != first || !mustTime(t, data["next_rotation"]).Equal(rotationStart.Add(48*time.Hour)) {
		t.Fatalf("schedule change: next %v, token changed %v", data["next_rotation"], data["token"] != first)
	}
	// Switching to a cron schedule in one write.
	e.ok(logical.UpdateOperation, "static-roles/cd", map[string]any{"rotation_schedule": "0 3 * * *"})
	data = staticCreds(t, e, w, "cd")
	if data["rotation_schedule"] != "0 3 * * *" || data["rotation_period"] != nil {
		t.Fatalf("schedule switch: %v", data)
	}
	// A scope change replaces the token at once; the old one keeps its grace.
	e.ok(logical.UpdateOperation, "static-roles/cd", map[string]any{"scopes": "read_api,read_repository"})
	second := staticCreds(t, e, w, "cd")["token"].(string)
	if second == first || !live(w, first) {
		t.Fatal("a scope change did not replace the token, or revoked the old one early")
	}
	got, _ := w.gl.Lookup(second)
	if strings.Join(got.Scopes, ",") != "read_api,read_repository" {
		t.Fatalf("new token scopes %v", got.Scopes)
	}
	e.at(rotationStart.Add(time.Hour))
	if live(w, first) {
		t.Fatal("the replaced token outlived its grace period")
	}
	list := e.ok(logical.ListOperation, "static-roles/", nil)
	if keys := list.Data["keys"].([]string); len(keys) != 1 || keys[0] != "cd" {
		t.Fatalf("list: %v", list.Data)
	}
	if msg := e.bad(logical.DeleteOperation, "config/gl", nil); !strings.Contains(msg, "static roles cd") {
		t.Fatalf("deleting the connection under a static role: %q", msg)
	}
	e.ok(logical.DeleteOperation, "static-roles/cd", nil)
	if live(w, second) {
		t.Fatal("delete left the token live")
	}
}

func TestStaticRoleRefusals(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	gh := fakegithub.Start(t, fakegithub.Options{Now: e.clock.Now})
	gh.AddApp(fakegithub.App{ID: testAppID}, &appKey(t).PublicKey)
	e.ok(logical.CreateOperation, "config/gh", map[string]any{
		"provider": "github", "app_id": testAppID, "private_key": pemPKCS1(appKey(t)), "base_url": gh.URL(),
	})
	base := func(extra map[string]any) map[string]any {
		m := map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api", "rotation_period": "24h"}
		for k, v := range extra {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	calls := w.gl.TotalCalls()
	for _, c := range []struct {
		data map[string]any
		want string
	}{
		{base(map[string]any{"config": "gh"}), "GitLab"},
		{base(map[string]any{"config": "nope"}), "does not exist"},
		{base(map[string]any{"rotation_period": nil}), "rotation_period or rotation_schedule is required"},
		{base(map[string]any{"rotation_schedule": "0 3 * * *"}), "mutually exclusive"},
		{base(map[string]any{"rotation_window": "2h"}), "rotation_window"},
		{base(map[string]any{"rotation_period": "30s"}), "at least"},
		{base(map[string]any{"rotation_period": "8760h"}), "GitLab lets"},
		{base(map[string]any{"grace_period": "-1h"}), "negative"},
		{base(map[string]any{"token_type": "installation"}), "token_type"},
		{base(map[string]any{"token_type": nil}), "token_type"},
		{base(map[string]any{"scopes": "sudo"}), "sudo"},
		{base(map[string]any{"permissions": "contents=read"}), "github"},
	} {
		if msg := e.bad(logical.CreateOperation, "static-roles/x", c.data); !strings.Contains(msg, c.want) {
			t.Errorf("%v: %q does not mention %q", c.data, msg, c.want)
		}
	}
	if n := w.gl.TotalCalls() - calls; n != 0 {
		t.Fatalf("refused writes made %d GitLab calls", n)
	}
	if resp := e.ok(logical.ReadOperation, "static-roles/x", nil); resp != nil {
		t.Fatal("a refused write stored the role")
	}
	if msg := e.bad(logical.ReadOperation, "static-creds/x", nil); !strings.Contains(msg, "does not exist") {
		t.Fatal(msg)
	}
	if msg := e.bad(logical.UpdateOperation, "rotate-role/x", nil); !strings.Contains(msg, "does not exist") {
		t.Fatal(msg)
	}
}

// TestStaticRoleLostCreationRolledBack: a creation whose answer was lost
// leaves no role and, after the WAL rollback, no token.
func TestStaticRoleLostCreationRolledBack(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	w.gl.InjectFault(fakegitlab.Fault{Method: "POST", Route: "/projects/{id}/access_tokens", DropAfterCommit: true, Times: 1})
	if resp, err := e.request(logical.CreateOperation, "static-roles/cd", map[string]any{
		"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api", "rotation_period": "24h",
	}); err == nil && !resp.IsError() {
		t.Fatal("static role write succeeded over a dropped connection")
	}
	if n := len(w.gl.LiveTokens()); n != 2 {
		t.Fatalf("%d live tokens before the rollback, want the connection's and the lost one", n)
	}
	e.rollback()
	if n := len(w.gl.LiveTokens()); n != 1 {
		t.Fatalf("%d live tokens after the rollback", n)
	}
	if keys, _ := e.storage.List(context.Background(), "wal/"); len(keys) != 0 {
		t.Fatalf("WAL entries left: %v", keys)
	}
}

// TestStaticRoleWALKeptTokenSurvivesRollback: when only the WAL delete
// failed, the rollback leaves the token the role holds alone.
func TestStaticRoleWALKeptTokenSurvivesRollback(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	e.ok(logical.CreateOperation, "static-roles/cd", map[string]any{
		"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api", "rotation_period": "24h",
	})
	token := staticCreds(t, e, w, "cd")["token"].(string)
	r, _ := getStaticRole(context.Background(), e.storage, "cd")
	if err := e.b.rollbackStaticToken(context.Background(), e.storage, walStaticToken{Role: "cd", Token: walToken{
		Ref: r.Current.Ref, Config: "gl", Provider: "gitlab", BaseURL: w.gl.URL(), TokenType: "project",
		Name: "vault-static-cd-" + r.Current.Ref[:8], Scope: r.Scope,
	}}); err != nil {
		t.Fatal(err)
	}
	if !live(w, token) {
		t.Fatal("the rollback revoked the token the role holds")
	}
	e.ok(logical.DeleteOperation, "static-roles/cd", nil)
}
