package gitsecrets

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
)

// gitlabEnv is a backend with config/gl pointing at a fake GitLab where the
// engine's admin user owns group acme and its project acme/app.
type gitlabEnv struct {
	*testEnv
	gl *fakegitlab.Server
}

func newGitLabEnv(t testing.TB) *gitlabEnv {
	t.Helper()
	e := newTestEnv(t)
	gl := startGitLab(t)
	e.ok(logical.CreateOperation, "config/gl", map[string]any{
		"provider": "gitlab",
		"token":    adminToken(t, gl),
		"base_url": gl.URL(),
	})
	return &gitlabEnv{testEnv: e, gl: gl}
}

func startGitLab(t testing.TB) *fakegitlab.Server {
	gl := fakegitlab.Start(t, fakegitlab.Options{})
	gl.AddGroup("acme")
	gl.AddProject("acme/app")
	gl.AddUser("ci-bot", false)
	return gl
}

func adminToken(t testing.TB, gl *fakegitlab.Server) string {
	admin := gl.AddUser("vault-admin", true)
	gl.AddMember("acme", admin, 50)
	gl.AddMember("acme/app", admin, 50)
	token, _ := gl.AddPersonalToken(admin, "vault", []string{"api"}, time.Now().AddDate(0, 6, 0))
	return token
}

func TestConfigGitLabReadShowsTokenIdentityNotToken(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	gl := startGitLab(t)
	token := adminToken(t, gl)
	e.ok(logical.CreateOperation, "config/gl", map[string]any{"provider": "gitlab", "token": token, "base_url": gl.URL() + "/"})
	resp := e.ok(logical.ReadOperation, "config/gl", nil)
	assertNoSecret(t, resp.Data, token)
	if resp.Data["base_url"] != gl.URL() || resp.Data["registry_host"] != "" {
		t.Fatalf("config read: %v", resp.Data)
	}
	for _, k := range []string{"token_id", "scopes", "expires_at"} {
		if _, ok := resp.Data[k]; !ok {
			t.Errorf("config read lacks %s: %v", k, resp.Data)
		}
	}
	msg := e.bad(logical.UpdateOperation, "config/gl", map[string]any{"token": "glpat-not-a-real-token"})
	if strings.Contains(msg, "glpat-not-a-real-token") {
		t.Fatalf("error echoes the token: %s", msg)
	}
	if msg := e.bad(logical.UpdateOperation, "config/gl", map[string]any{"app_id": 3}); !strings.Contains(msg, "github") {
		t.Fatal(msg)
	}
}

func TestCredsGitLabEachTokenType(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	cases := []struct {
		name     string
		role     map[string]any
		kind     string
		scopes   []string
		registry bool
	}{
		{"project", map[string]any{"token_type": "project", "path": "acme/app", "scopes": "read_repository", "access_level": "developer"}, "project", []string{"read_repository"}, false},
		// The fake is a self-managed instance: group tokens get no registry
		// (no project names one), deploy tokens on a project the one
		// GitLab names in container_registry_image_prefix.
		{"group", map[string]any{"token_type": "group", "path": "acme", "scopes": "read_api,read_registry", "access_level": "reporter"}, "group", []string{"read_api", "read_registry"}, false},
		{"deploy", map[string]any{"token_type": "deploy", "path": "acme/app", "scopes": "read_registry,read_repository"}, "deploy", []string{"read_registry", "read_repository"}, true},
		{"personal", map[string]any{"token_type": "personal", "path": "ci-bot", "scopes": "read_api"}, "personal", []string{"read_api"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			role := map[string]any{"config": "gl", "ttl": "2h"}
			for k, v := range c.role {
				role[k] = v
			}
			e.ok(logical.CreateOperation, "roles/"+c.name, role)
			resp := e.ok(logical.ReadOperation, "creds/"+c.name, nil)
			token := resp.Data["token"].(string)
			live, ok := e.gl.Lookup(token)
			if !ok {
				t.Fatal("token is not live at GitLab")
			}
			if live.Kind != c.kind || !reflect.DeepEqual(live.Scopes, c.scopes) {
				t.Fatalf("GitLab has a %s token with %v", live.Kind, live.Scopes)
			}
			if c.kind != "deploy" && (!strings.Contains(live.Name, c.name) || !strings.Contains(live.Name, "token-alice")) {
				t.Errorf("GitLab token name %q lacks the role or requester", live.Name)
			}
			if resp.Data["username"] == "" || (c.kind == "deploy" && resp.Data["username"] != live.Username) {
				t.Errorf("username %q (GitLab: %q)", resp.Data["username"], live.Username)
			}
			leaseEnd, _ := time.Parse(time.RFC3339, resp.Data["expires_at"].(string))
			if d := time.Until(leaseEnd); d > 2*time.Hour || d < 2*time.Hour-time.Minute {
				t.Errorf("expires_at %s is not the lease end", leaseEnd)
			}
			if live.ExpiresAt.Before(leaseEnd) {
				t.Errorf("GitLab expiry %s is before the lease end %s", live.ExpiresAt, leaseEnd)
			}
			if c.kind != "deploy" && (live.ExpiresAt.Sub(leaseEnd) > 24*time.Hour || !live.ExpiresAt.Equal(live.ExpiresAt.Truncate(24*time.Hour))) {
				t.Errorf("GitLab expiry %s is not the first midnight after %s", live.ExpiresAt, leaseEnd)
			}
			if _, has := resp.Data["docker_config_json"]; has != c.registry {
				t.Errorf("docker_config_json present=%v, want %v", has, c.registry)
			}
			if c.registry {
				var doc struct {
					Auths map[string]struct{ Username, Password string } `json:"auths"`
				}
				_ = json.Unmarshal([]byte(resp.Data["docker_config_json"].(string)), &doc)
				if a := doc.Auths[strings.TrimPrefix(e.gl.URL(), "http://")]; a.Password != token || a.Username != resp.Data["username"] {
					t.Errorf("docker config %+v", doc)
				}
			}
			if resp.Data["token_id"] == int64(0) || resp.Data["path"] == "" {
				t.Errorf("token_id %v path %v", resp.Data["token_id"], resp.Data["path"])
			}

			if err := e.revoke(resp); err != nil {
				t.Fatal(err)
			}
			if _, ok := e.gl.Lookup(token); ok {
				t.Fatal("token still live after revoke")
			}
			// Already gone at GitLab (404): still revoked.
			if err := e.revoke(resp); err != nil {
				t.Fatalf("second revoke: %v", err)
			}
		})
	}
}

func TestCredsGitLabNarrowingAndRefusals(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	e.ok(logical.CreateOperation, "roles/app", map[string]any{
		"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_repository,read_registry",
	})
	resp := e.ok(logical.UpdateOperation, "creds/app", map[string]any{"scopes": "read_registry"})
	live, _ := e.gl.Lookup(resp.Data["token"].(string))
	if !reflect.DeepEqual(live.Scopes, []string{"read_registry"}) {
		t.Fatalf("narrowed token has %v", live.Scopes)
	}
	if err := e.revoke(resp); err != nil {
		t.Fatal(err)
	}
	calls := e.gl.TotalCalls()
	for _, c := range []struct {
		path string
		data map[string]any
		want string
	}{
		{"creds/app", map[string]any{"scopes": "api"}, "api"},
		{"creds/app", map[string]any{"repositories": "x"}, "github"},
		{"roles/bad", map[string]any{"config": "gl", "token_type": "deploy", "path": "acme/app", "scopes": "api"}, "api"},
		{"roles/bad", map[string]any{"config": "gl", "token_type": "installation", "path": "acme/app", "scopes": "api"}, "token_type"},
		{"roles/bad", map[string]any{"config": "gl", "token_type": "project", "path": "acme/../x", "scopes": "api"}, "path"},
		{"roles/bad", map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "api", "access_level": "god"}, "access_level"},
		{"roles/bad", map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "api", "ttl": "9000h"}, "ttl"},
		{"roles/bad", map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "api", "permissions": "contents=read"}, "github"},
	} {
		if msg := e.bad(logical.UpdateOperation, c.path, c.data); !strings.Contains(msg, c.want) {
			t.Errorf("%s %v: message %q does not mention %q", c.path, c.data, msg, c.want)
		}
	}
	if got := e.gl.TotalCalls() - calls; got != 0 {
		t.Fatalf("refused requests made %d GitLab calls", got)
	}
}

func TestGitLabInventoryShowsUse(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	e.ok(logical.CreateOperation, "roles/app", map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api"})
	resp := e.ok(logical.ReadOperation, "creds/app", nil)
	defer e.revoke(resp)
	ref := resp.Data["token_ref"].(string)
	inv := e.ok(logical.ReadOperation, "tokens/"+ref, nil)
	if inv.Data["active"] != true || inv.Data["last_used_at"] != nil {
		t.Fatalf("fresh token: active %v last_used_at %v", inv.Data["active"], inv.Data["last_used_at"])
	}
	assertNoSecret(t, inv.Data, resp.Data["token"].(string))

	// Use the token at GitLab; once the status cache has aged out, the
	// inventory shows when.
	use, _ := http.NewRequest(http.MethodGet, e.gl.URL()+"/api/v4/projects/acme%2Fapp", nil)
	use.Header.Set("PRIVATE-TOKEN", resp.Data["token"].(string))
	if r, err := http.DefaultClient.Do(use); err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("using the token: %v %v", err, r)
	}
	later := time.Now().Add(time.Minute)
	e.b.now = func() time.Time { return later }
	inv = e.ok(logical.ReadOperation, "tokens/"+ref, nil)
	used, err := time.Parse(time.RFC3339, fmt.Sprint(inv.Data["last_used_at"]))
	if err != nil || time.Since(used) > time.Minute {
		t.Fatalf("last_used_at %v after use", inv.Data["last_used_at"])
	}

	list := e.ok(logical.ListOperation, "tokens/", map[string]any{"role": "app"})
	if keys := list.Data["keys"].([]string); len(keys) != 1 || keys[0] != ref {
		t.Fatalf("list by role: %v", list.Data)
	}
	if list := e.ok(logical.ListOperation, "tokens/", map[string]any{"role": "other"}); list.Data["keys"] != nil {
		t.Fatalf("filter by another role: %v", list.Data)
	}
	if msg := e.bad(logical.DeleteOperation, "config/gl", nil); !strings.Contains(msg, "1 live token") {
		t.Fatalf("deleting a connection with live tokens: %s", msg)
	}
}

func TestGitLabRoleWithoutTTLGetsAnHour(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	e.b.System().(*logical.StaticSystemView).DefaultLeaseTTLVal = 768 * time.Hour
	e.ok(logical.CreateOperation, "roles/app", map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api"})
	resp := e.ok(logical.ReadOperation, "creds/app", nil)
	defer e.revoke(resp)
	if resp.Secret.TTL != time.Hour {
		t.Fatalf("lease TTL %s, want 1h", resp.Secret.TTL)
	}
}

func TestGitLabConnectionsAreIsolated(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	other := startGitLab(t)
	e.ok(logical.CreateOperation, "config/other", map[string]any{"provider": "gitlab", "token": adminToken(t, other), "base_url": other.URL()})
	e.ok(logical.CreateOperation, "roles/a", map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api"})
	other.ResetCalls()
	resp := e.ok(logical.ReadOperation, "creds/a", nil)
	if err := e.revoke(resp); err != nil {
		t.Fatal(err)
	}
	if n := other.TotalCalls(); n != 0 {
		t.Fatalf("a role on connection gl made %d calls to the other instance", n)
	}
}

func TestGitLabLostCreationIsReclaimed(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	e.ok(logical.CreateOperation, "roles/app", map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api"})
	e.revoke(e.ok(logical.ReadOperation, "creds/app", nil)) // warm caches
	e.gl.InjectFault(fakegitlab.Fault{Method: "POST", Route: "/projects/{id}/access_tokens", DropAfterCommit: true, Times: 1})
	if _, err := e.request(logical.ReadOperation, "creds/app", nil); err == nil {
		t.Fatal("creds succeeded over a dropped connection")
	}
	if n := len(e.gl.LiveTokens()); n != 2 { // the connection token and the lost one
		t.Fatalf("%d live tokens before rollback", n)
	}
	e.rollback()
	if n := len(e.gl.LiveTokens()); n != 1 {
		t.Fatalf("%d live tokens after rollback, want only the connection's", n)
	}
	if keys, _ := e.storage.List(context.Background(), "wal/"); len(keys) != 0 {
		t.Fatalf("WAL entries left: %v", keys)
	}
}
