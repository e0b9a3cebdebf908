package gitsecrets

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider/github"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
)

const createTokenRoute = "/app/installations/{id}/access_tokens"

func TestCredsGitHubIssueAndRevoke(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	// The fake is not api.github.com, so ghcr.io is not its registry.
	e.ok(logical.UpdateOperation, "config/gh", map[string]any{"registry_host": "containers.ghe.example.test"})
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{
		"config":       "gh",
		"owner":        "acme",
		"repositories": "app,infra",
		"permissions":  "contents=read,packages=read",
		"ttl":          "30m",
	})
	resp := e.ok(logical.ReadOperation, "creds/ci", nil)

	token := resp.Data["token"].(string)
	live, ok := e.gh.Lookup(token)
	if !ok {
		t.Fatal("issued token is not live at GitHub")
	}
	if !reflect.DeepEqual(live.Repositories, []string{"app", "infra"}) ||
		!reflect.DeepEqual(live.Permissions, map[string]string{"contents": "read", "packages": "read"}) {
		t.Fatalf("token got repos %v perms %v", live.Repositories, live.Permissions)
	}
	if resp.Secret.TTL != 30*time.Minute || resp.Secret.Renewable {
		t.Fatalf("lease ttl %s renewable %v", resp.Secret.TTL, resp.Secret.Renewable)
	}
	sum := sha256.Sum256([]byte(token))
	for k, want := range map[string]any{
		"username":     "x-access-token",
		"token_type":   "installation",
		"config":       "gh",
		"role":         "ci",
		"repositories": []string{"app", "infra"},
		"permissions":  map[string]string{"contents": "read", "packages": "read"},
		"hashed_token": base64.StdEncoding.EncodeToString(sum[:]),
		"registry":     "containers.ghe.example.test",
	} {
		if !reflect.DeepEqual(resp.Data[k], want) {
			t.Errorf("%s = %#v, want %#v", k, resp.Data[k], want)
		}
	}
	expires, err := time.Parse(time.RFC3339, resp.Data["expires_at"].(string))
	if err != nil || expires.Sub(time.Now()) > 31*time.Minute || expires.Sub(time.Now()) < 29*time.Minute {
		t.Errorf("expires_at %v is not the lease end", resp.Data["expires_at"])
	}
	var docker struct {
		Auths map[string]struct{ Username, Password, Auth string } `json:"auths"`
	}
	if err := json.Unmarshal([]byte(resp.Data["docker_config_json"].(string)), &docker); err != nil {
		t.Fatal(err)
	}
	if a := docker.Auths["containers.ghe.example.test"]; a.Username != "x-access-token" || a.Password != token ||
		a.Auth != base64.StdEncoding.EncodeToString([]byte("x-access-token:"+token)) {
		t.Errorf("docker config: %+v", docker)
	}
	// Internal data holds what revoke needs, and no repository objects.
	internal, _ := json.Marshal(resp.Secret.InternalData)
	if strings.Contains(string(internal), "full_name") || len(internal) > 1024 {
		t.Errorf("lease internal data is bloated: %s", internal)
	}

	ref := resp.Data["token_ref"].(string)
	inv := e.ok(logical.ReadOperation, "tokens/"+ref, nil)
	if inv.Data["role"] != "ci" || inv.Data["hashed_token"] != resp.Data["hashed_token"] {
		t.Fatalf("inventory: %v", inv.Data)
	}
	if req := inv.Data["requester"].(map[string]any); req["display_name"] != "token-alice" || req["entity_id"] != "entity-1234" {
		t.Fatalf("requester: %v", req)
	}
	assertNoSecret(t, inv.Data, token)

	if err := e.revoke(resp); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.gh.Lookup(token); ok {
		t.Fatal("token still live after revoke")
	}
	if inv := e.ok(logical.ReadOperation, "tokens/"+ref, nil); inv != nil {
		t.Fatal("inventory still lists a revoked token")
	}
}

func TestCredsGitHubTTLs(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	cases := []struct {
		name    string
		role    map[string]any
		request map[string]any
		want    time.Duration
	}{
		{"mount default when under an hour", nil, nil, testDefaultTTL},
		{"role ttl", map[string]any{"ttl": "5m"}, nil, 5 * time.Minute},
		{"request narrows", map[string]any{"ttl": "30m"}, map[string]any{"ttl": "2m"}, 2 * time.Minute},
		{"capped by GitHub expiry", map[string]any{"ttl": "1h"}, nil, time.Hour - github.ExpiryMargin},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			role := map[string]any{"config": "gh", "owner": "acme"}
			for k, v := range c.role {
				role[k] = v
			}
			name := strings.ReplaceAll(c.name, " ", "-")
			e.ok(logical.UpdateOperation, "roles/"+name, role)
			var op logical.Operation = logical.ReadOperation
			if c.request != nil {
				op = logical.UpdateOperation
			}
			resp := e.ok(op, "creds/"+name, c.request)
			defer e.revoke(resp)
			if got := resp.Secret.TTL; got > c.want || got < c.want-5*time.Second {
				t.Fatalf("lease TTL %s, want %s", got, c.want)
			}
		})
	}
	e.ok(logical.UpdateOperation, "roles/short", map[string]any{"config": "gh", "owner": "acme", "max_ttl": "10m"})
	if msg := e.bad(logical.UpdateOperation, "creds/short", map[string]any{"ttl": "11m"}); !strings.Contains(msg, "exceeds") {
		t.Fatal(msg)
	}
}

func TestCredsNarrowing(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{
		"config":       "gh",
		"owner":        "acme",
		"repositories": "app,infra",
		"permissions":  "contents=write,pull_requests=read",
	})
	resp := e.ok(logical.UpdateOperation, "creds/ci", map[string]any{"repositories": "app", "permissions": "contents=read"})
	live, _ := e.gh.Lookup(resp.Data["token"].(string))
	if !reflect.DeepEqual(live.Repositories, []string{"app"}) || !reflect.DeepEqual(live.Permissions, map[string]string{"contents": "read"}) {
		t.Fatalf("narrowed token got %v %v", live.Repositories, live.Permissions)
	}
	if err := e.revoke(resp); err != nil {
		t.Fatal(err)
	}

	calls := e.gh.TotalCalls()
	for _, c := range []struct {
		data map[string]any
		want string
	}{
		{map[string]any{"repositories": "docs"}, "docs"},
		{map[string]any{"permissions": "contents=read,issues=read"}, "issues"},
		{map[string]any{"permissions": "pull_requests=write"}, "pull_requests"},
		{map[string]any{"scopes": "api"}, "scopes applies to"},
		{map[string]any{"ttl": "-1s"}, "negative"},
	} {
		if msg := e.bad(logical.UpdateOperation, "creds/ci", c.data); !strings.Contains(msg, c.want) {
			t.Errorf("%v: message %q does not mention %q", c.data, msg, c.want)
		}
	}
	if got := e.gh.TotalCalls() - calls; got != 0 {
		t.Fatalf("refused requests made %d GitHub calls", got)
	}
	if msg := e.bad(logical.ReadOperation, "creds/nope", nil); !strings.Contains(msg, "does not exist") {
		t.Fatal(msg)
	}
}

func TestCredsSteadyStateIsOneCallEach(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{"config": "gh", "owner": "acme"})
	e.revoke(e.ok(logical.ReadOperation, "creds/ci", nil)) // warms the installation cache
	e.gh.ResetCalls()
	for i := 0; i < 5; i++ {
		resp := e.ok(logical.ReadOperation, "creds/ci", nil)
		if err := e.revoke(resp); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.gh.TotalCalls(); got != 10 {
		t.Fatalf("5 issues and 5 revokes made %d GitHub calls, want 10", got)
	}
	if got := e.gh.Calls("POST", createTokenRoute); got != 5 {
		t.Fatalf("%d token creations, want 5", got)
	}
}

func TestRevokeIsIdempotentAndRetriesTransientFailures(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{"config": "gh", "owner": "acme"})
	resp := e.ok(logical.ReadOperation, "creds/ci", nil)

	e.gh.InjectFault(fakegithub.Fault{Method: "DELETE", Route: "/installation/token", Status: 503})
	if err := e.revoke(resp); err == nil {
		t.Fatal("revoke during a GitHub outage reported success")
	}
	if _, ok := e.gh.Lookup(resp.Data["token"].(string)); !ok {
		t.Fatal("token died during the outage?")
	}
	e.gh.ClearFaults()
	if err := e.revoke(resp); err != nil {
		t.Fatal(err)
	}
	// GitHub answers 401 for a token already gone: still a success.
	if err := e.revoke(resp); err != nil {
		t.Fatalf("second revoke: %v", err)
	}
}

// The connection cannot be deleted while the lease lives
// (TestConfigDeleteRefusedWhileTokensLive), but a release before that rule
// let it be: such a lease still revokes from its own data.
func TestRevokeWorksAfterRoleAndConfigAreDeleted(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{"config": "gh", "owner": "acme"})
	resp := e.ok(logical.ReadOperation, "creds/ci", nil)
	e.ok(logical.DeleteOperation, "roles/ci", nil)
	if err := e.storage.Delete(context.Background(), configStoragePrefix+"gh"); err != nil {
		t.Fatal(err)
	}
	e.b.invalidate(context.Background(), configStoragePrefix+"gh")
	if err := e.revoke(resp); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.gh.Lookup(resp.Data["token"].(string)); ok {
		t.Fatal("token still live")
	}
}

// faultyStorage fails writes or deletes of chosen keys, to stand in for a
// crash or a storage outage at each step of issuing a token.
type faultyStorage struct {
	logical.Storage
	failPut    atomic.Value // string prefix
	failDelete atomic.Value
}

func (s *faultyStorage) Put(ctx context.Context, e *logical.StorageEntry) error {
	if p, _ := s.failPut.Load().(string); p != "" && strings.HasPrefix(e.Key, p) {
		return errors.New("storage unavailable")
	}
	return s.Storage.Put(ctx, e)
}

func (s *faultyStorage) Delete(ctx context.Context, key string) error {
	if p, _ := s.failDelete.Load().(string); p != "" && strings.HasPrefix(key, p) {
		return errors.New("storage unavailable")
	}
	return s.Storage.Delete(ctx, key)
}

func TestNoTokenOutlivesAFailedRequest(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name             string
		failPut, failDel string
		revokeFails      bool
	}{
		{name: "inventory write fails", failPut: tokenStoragePrefix},
		{name: "WAL delete fails", failDel: "wal/"},
		{name: "WAL delete and the immediate revoke fail", failDel: "wal/", revokeFails: true},
		// The rollback revokes it by the handle in the WAL entry.
		{name: "inventory write and the immediate revoke fail", failPut: tokenStoragePrefix, revokeFails: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newGitHubEnv(t)
			fs := &faultyStorage{Storage: e.storage}
			e.storage = fs
			e.ok(logical.CreateOperation, "roles/ci", map[string]any{"config": "gh", "owner": "acme"})
			fs.failPut.Store(c.failPut)
			fs.failDelete.Store(c.failDel)
			if c.revokeFails {
				e.gh.InjectFault(fakegithub.Fault{Method: "DELETE", Route: "/installation/token", Status: 502})
			}
			if _, err := e.request(logical.ReadOperation, "creds/ci", nil); err == nil {
				t.Fatal("creds succeeded despite the storage failure")
			}
			fs.failPut.Store("")
			fs.failDelete.Store("")
			e.gh.ClearFaults()
			e.rollback()
			if live := e.gh.LiveTokens(); len(live) != 0 {
				t.Fatalf("%d tokens live at GitHub without a lease", len(live))
			}
			if keys, _ := e.storage.List(context.Background(), "wal/"); len(keys) != 0 {
				t.Fatalf("WAL entries left: %v", keys)
			}
			if refs, _ := e.storage.List(context.Background(), tokenStoragePrefix); len(refs) != 0 {
				t.Fatalf("inventory lists %d tokens that are gone", len(refs))
			}
		})
	}
}

func TestCredsRefusedByGitHubLeavesNothing(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	// The role allows a repository the installation does not have: GitHub
	// answers 422, the caller gets a 400, and no WAL entry is left.
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{"config": "gh", "owner": "acme", "repositories": "secret-repo"})
	if msg := e.bad(logical.ReadOperation, "creds/ci", nil); !strings.Contains(msg, "422") {
		t.Fatalf("message %q", msg)
	}
	if keys, _ := e.storage.List(context.Background(), "wal/"); len(keys) != 0 {
		t.Fatalf("WAL entries left: %v", keys)
	}
}

func TestCredsAmbiguousFailureIsNotRetried(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	e.gh.AllowLiveTokens() // the lost token cannot be found; it expires within the hour
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{"config": "gh", "owner": "acme"})
	e.revoke(e.ok(logical.ReadOperation, "creds/ci", nil))
	e.gh.ResetCalls()
	e.gh.InjectFault(fakegithub.Fault{Method: "POST", Route: createTokenRoute, DropAfterCommit: true, Times: 1})
	_, err := e.request(logical.ReadOperation, "creds/ci", nil)
	if err == nil {
		t.Fatal("creds succeeded over a dropped connection")
	}
	// A dropped connection is the provider failing, as a 5xx would be.
	var coded logical.HTTPCodedError
	if !errors.As(err, &coded) || coded.Code() != http.StatusBadGateway {
		t.Errorf("creds over a dropped connection: %v, want a 502", err)
	}
	if got := e.gh.Calls("POST", createTokenRoute); got != 1 {
		t.Fatalf("an ambiguous creation was sent %d times", got)
	}
}

func TestCredsRateLimitIsHonoured(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{"config": "gh", "owner": "acme"})
	e.revoke(e.ok(logical.ReadOperation, "creds/ci", nil))
	e.gh.InjectFault(fakegithub.Fault{Method: "POST", Route: createTokenRoute, Status: 429, RetryAfter: "1", Times: 1})
	resp := e.ok(logical.ReadOperation, "creds/ci", nil)
	if err := e.revoke(resp); err != nil {
		t.Fatal(err)
	}
}

// assertNoSecret fails when any value in data contains secret.
func assertNoSecret(t testing.TB, data map[string]any, secret string) {
	t.Helper()
	raw, _ := json.Marshal(data)
	if strings.Contains(string(raw), secret) {
		t.Fatalf("response carries the secret: %s", raw)
	}
}

// A creds request may narrow the role and set ttl; any other field (one that
// belongs to the role, one of the other provider, or one the engine does not
// know) is refused with a 400 that names it, on a read (query parameters) as
// on a write, before any provider call. Vault itself only warns about a
// field outside the path's schema and would issue the token anyway.
func TestCredsRefusesFieldsItDoesNotTake(t *testing.T) {
	t.Parallel()
	gh := newGitHubEnv(t)
	gh.ok(logical.CreateOperation, "roles/ci", map[string]any{"config": "gh", "owner": "acme", "repositories": "app"})
	gl := newGitLabEnv(t)
	gl.ok(logical.CreateOperation, "roles/app", map[string]any{
		"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_repository",
	})
	envs := []struct {
		name  string
		env   *testEnv
		path  string
		calls func() int
		other map[string]any // a field of the other provider
	}{
		{"github", gh.testEnv, "creds/ci", gh.gh.TotalCalls, map[string]any{"scopes": "read_repository"}},
		{"gitlab", gl.testEnv, "creds/app", gl.gl.TotalCalls, map[string]any{"permissions": "contents=read"}},
	}
	for _, env := range envs {
		before := env.calls()
		cases := []map[string]any{
			{"owner": "evil"},
			{"installation_id": 7},
			{"path": "acme/other"},
			{"access_level": "owner"},
			{"foo": "bar"},
			{"owner": "", "ttl": "5m"},
			env.other,
		}
		for _, data := range cases {
			for _, op := range []logical.Operation{logical.ReadOperation, logical.UpdateOperation} {
				msg := env.env.bad(op, env.path, data)
				for field := range data {
					if field != "ttl" && !strings.Contains(msg, field) {
						t.Errorf("%s %s %v: message %q does not name %s", env.name, op, data, msg, field)
					}
				}
			}
		}
		if got := env.calls() - before; got != 0 {
			t.Errorf("%s: refused requests made %d provider calls", env.name, got)
		}
	}
	// What a request may set is listed.
	msg := gh.bad(logical.UpdateOperation, "creds/ci", map[string]any{"owner": "evil"})
	for _, field := range []string{"repositories", "permissions", "scopes", "ttl"} {
		if !strings.Contains(msg, field) {
			t.Errorf("message %q does not list %s", msg, field)
		}
	}
}
