package gitsecrets

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
)

// The holder of a leased GitLab token is the adversary here: a token with
// the api scope may rotate itself at GitLab and get a successor with the
// same name that GitLab lets live up to a year. Ending the lease must end
// the successor too.

// gitlabSelfRotate rotates token at GitLab with the token itself, asking for
// the longest life GitLab allows, and returns the successor.
func gitlabSelfRotate(t *testing.T, gl *fakegitlab.Server, rotatePath, token string) string {
	t.Helper()
	return selfRotateAt(t, gl, rotatePath, token, time.Now().AddDate(0, 0, 364))
}

// selfRotateAt rotates token at GitLab with the token itself, as its
// holder may, to a successor expiring at expires, and returns it.
func selfRotateAt(t *testing.T, gl *fakegitlab.Server, rotatePath, token string, expires time.Time) string {
	t.Helper()
	body := strings.NewReader(`{"expires_at":"` + expires.UTC().Format(time.DateOnly) + `"}`)
	req, _ := http.NewRequest(http.MethodPost, gl.URL()+"/api/v4"+rotatePath, body)
	req.Header.Set("PRIVATE-TOKEN", token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&out) != nil || out.Token == "" {
		t.Fatalf("self-rotation: HTTP %d", resp.StatusCode)
	}
	return out.Token
}

// gitlabStatus is the status GitLab answers token with on a request any
// live token may make.
func gitlabStatus(t *testing.T, gl *fakegitlab.Server, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, gl.URL()+"/api/v4/personal_access_tokens/self", nil)
	req.Header.Set("PRIVATE-TOKEN", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestGitLabSelfRotatedLeaseEndsWithItsSuccessor(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		role   map[string]any
		rotate string
	}{
		{"personal", map[string]any{"token_type": "personal", "path": "ci-bot"}, "/personal_access_tokens/self/rotate"},
		{"project", map[string]any{"token_type": "project", "path": "acme/app"}, "/projects/acme%2Fapp/access_tokens/self/rotate"},
		{"group", map[string]any{"token_type": "group", "path": "acme"}, "/groups/acme/access_tokens/self/rotate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newGitLabEnv(t)
			role := map[string]any{"config": "gl", "scopes": "api", "ttl": "1h"}
			for k, v := range c.role {
				role[k] = v
			}
			e.ok(logical.CreateOperation, "roles/holder", role)
			resp := e.ok(logical.ReadOperation, "creds/holder", nil)
			token := resp.Data["token"].(string)
			issued, _ := e.gl.Lookup(token)

			// The holder rotates the token twice, so revocation must follow
			// a chain, not only one step.
			successor := gitlabSelfRotate(t, e.gl, c.rotate, gitlabSelfRotate(t, e.gl, c.rotate, token))
			if gitlabStatus(t, e.gl, successor) != http.StatusOK {
				t.Fatal("the successor does not work at GitLab")
			}

			// Revocation works from the lease's data alone.
			e.ok(logical.DeleteOperation, "roles/holder", nil)
			if err := e.revoke(resp); err != nil {
				t.Fatal(err)
			}
			for _, live := range e.gl.LiveTokens() {
				if live.Name == issued.Name {
					t.Errorf("token %d named %q is still active after the lease ended", live.ID, live.Name)
				}
			}
			if got := gitlabStatus(t, e.gl, successor); got != http.StatusUnauthorized {
				t.Fatalf("successor answered %d after the lease ended, want 401", got)
			}
		})
	}
}

// A lease written before handles carried the token's name still revokes:
// it deletes its token by id and looks for nothing else.
func TestGitLabLeaseWithoutNameStillRevokes(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	e.ok(logical.CreateOperation, "roles/app", map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "api"})
	resp := e.ok(logical.ReadOperation, "creds/app", nil)
	handle := resp.Secret.InternalData["handle"].(map[string]any)
	delete(handle, "name")
	e.gl.ResetCalls()
	if err := e.revoke(resp); err != nil {
		t.Fatal(err)
	}
	if _, live := e.gl.Lookup(resp.Data["token"].(string)); live {
		t.Fatal("token live after revoke")
	}
	if n := e.gl.TotalCalls(); n != 1 {
		t.Fatalf("%d GitLab calls to revoke, want the one DELETE", n)
	}
}

// A token that cannot rotate itself is revoked with one call, as before.
func TestGitLabRevokeOfATokenThatCannotRotateIsOneCall(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	e.ok(logical.CreateOperation, "roles/app", map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api,read_repository"})
	resp := e.ok(logical.ReadOperation, "creds/app", nil)
	e.gl.ResetCalls()
	if err := e.revoke(resp); err != nil {
		t.Fatal(err)
	}
	if n := e.gl.TotalCalls(); n != 1 {
		t.Fatalf("%d GitLab calls to revoke, want the one DELETE", n)
	}
}

// self_rotate's only use is to let the holder replace the token, so no role
// may carry it, and no request may ask for it.
func TestGitLabRolesRefuseSelfRotate(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	e.ok(logical.CreateOperation, "roles/app", map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "api"})
	calls := e.gl.TotalCalls()
	for _, c := range []struct {
		path string
		data map[string]any
	}{
		{"roles/bad", map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api,self_rotate"}},
		{"roles/bad", map[string]any{"config": "gl", "token_type": "group", "path": "acme", "scopes": "SELF_ROTATE"}},
		{"roles/bad", map[string]any{"config": "gl", "token_type": "personal", "path": "ci-bot", "scopes": "self_rotate"}},
		{"roles/app", map[string]any{"scopes": "api,self_rotate"}},
		{"creds/app", map[string]any{"scopes": "self_rotate"}},
		{"static-roles/bad", map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "self_rotate", "rotation_period": "24h"}},
	} {
		msg := e.bad(logical.UpdateOperation, c.path, c.data)
		if !strings.Contains(msg, "self_rotate") || !strings.Contains(msg, "outlive") {
			t.Errorf("%s %v: message %q does not say why self_rotate is refused", c.path, c.data, msg)
		}
	}
	if got := e.gl.TotalCalls() - calls; got != 0 {
		t.Fatalf("refused requests made %d GitLab calls", got)
	}
}

// A role stored before self_rotate was refused issues nothing until it is
// written again without it.
func TestGitLabStoredRoleWithSelfRotateIssuesNothing(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	e.ok(logical.CreateOperation, "roles/old", map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api"})
	r, err := getRole(context.Background(), e.storage, "old")
	if err != nil || r == nil {
		t.Fatalf("read role: %v", err)
	}
	s := glScope(r.Scope)
	s.Scopes = append(s.Scopes, "self_rotate")
	r.Scope = provider.Encode(s)
	if err := e.b.putRole(context.Background(), e.storage, r); err != nil {
		t.Fatal(err)
	}
	calls := e.gl.TotalCalls()
	if msg := e.bad(logical.ReadOperation, "creds/old", nil); !strings.Contains(msg, "self_rotate") {
		t.Fatalf("creds from a role with self_rotate: %q", msg)
	}
	if got := e.gl.TotalCalls() - calls; got != 0 {
		t.Fatalf("refused request made %d GitLab calls", got)
	}
}

// A rate-limited revocation queued until after the token's own GitLab
// expiry is still carried out when the holder could have rotated it: the
// successor is not bound by the original's expiry.
func TestGitLabQueuedRevocationPastExpiryStillEndsTheSuccessor(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	now := time.Now()
	e.b.now = func() time.Time { return now }
	e.ok(logical.CreateOperation, "roles/holder", map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "api", "ttl": "1h"})
	resp := e.ok(logical.ReadOperation, "creds/holder", nil)
	successor := gitlabSelfRotate(t, e.gl, "/projects/acme%2Fapp/access_tokens/self/rotate", resp.Data["token"].(string))

	e.gl.InjectFault(fakegitlab.Fault{Method: http.MethodDelete, Route: "/projects/{id}/access_tokens/{token_id}",
		Status: http.StatusTooManyRequests, RetryAfter: "600"})
	for attempt := 1; attempt < queueAfterAttempts; attempt++ {
		if err := e.revoke(resp); err == nil {
			t.Fatalf("rate-limited attempt %d succeeded", attempt)
		}
	}
	if err := e.revoke(resp); err != nil {
		t.Fatalf("attempt %d: %v, want the revocation queued", queueAfterAttempts, err)
	}
	e.gl.ClearFaults()
	now = now.Add(72 * time.Hour) // past the original's GitLab expiry
	if err := e.b.drainRevocations(context.Background(), e.storage, drainBudget); err != nil {
		t.Fatal(err)
	}
	if got := gitlabStatus(t, e.gl, successor); got != http.StatusUnauthorized {
		t.Fatalf("successor answered %d after the queued revocation, want 401", got)
	}
}
