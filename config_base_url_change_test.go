package gitsecrets

import (
	"strings"
	"testing"

	"github.com/hashicorp/vault/sdk/logical"
)

// TestBaseURLChangeWithLiveTokensIsRefused: a GitLab lease revokes only
// through a connection that still points at the base_url that issued it
// (the credential is never sent elsewhere). A config write that moves
// base_url while leases are live, even to another spelling of the same
// instance (a host alias, an explicit port, a host in capitals), leaves
// every such lease unrevocable: Vault retries it, gives it up, and the
// token lives at GitLab until its backstop expiry. The write must be
// refused with a 400 that says how many tokens and how to revoke them,
// as a delete is; the lease must still revoke afterwards.
func TestBaseURLChangeWithLiveTokensIsRefused(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	e.ok(logical.CreateOperation, "roles/app", map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api"})
	lease := e.ok(logical.ReadOperation, "creds/app", nil)

	alias := strings.Replace(e.gl.URL(), "127.0.0.1", "localhost", 1)
	if alias == e.gl.URL() {
		t.Fatalf("fake GitLab at %s: no alias to move to", e.gl.URL())
	}
	resp, err := e.request(logical.UpdateOperation, "config/gl", map[string]any{"base_url": alias})
	refused := err == nil && resp != nil && resp.IsError()
	if err := e.revoke(lease); err != nil {
		t.Errorf("revoking a lease after the config write: %v", err)
	}
	if !refused {
		t.Fatalf("moving base_url with a live token: %v %v, want a 400", resp, err)
	}
	if msg := resp.Error().Error(); !strings.Contains(msg, "1 live token") || !strings.Contains(msg, "lease revoke") {
		t.Errorf("refusal %q does not say how many tokens are live and how to revoke them", msg)
	}
	// With no live token the move is an ordinary write.
	e.ok(logical.UpdateOperation, "config/gl", map[string]any{"base_url": alias})
}

// TestBaseURLChangeDuringCredsLeavesNoUnrevocableLease: the same move,
// badly timed. A creds request reads the connection; the operator's
// config write moves base_url (no token is live yet, so nothing refuses
// it); the request then issues with the connection it read. Its lease
// names the old base_url, which the connection no longer points at, and
// can never be revoked. Either the request must not complete against a
// connection that changed under it, or the write must wait for it (and
// then see its token): onceBeforeClientOrAfter.
func TestBaseURLChangeDuringCredsLeavesNoUnrevocableLease(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	e.ok(logical.CreateOperation, "roles/app", map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api"})
	e.revoke(e.ok(logical.ReadOperation, "creds/app", nil)) // warm caches
	alias := strings.Replace(e.gl.URL(), "127.0.0.1", "localhost", 1)

	moved := onceBeforeClientOrAfter(e.b, "gl", func() {
		_, _ = e.request(logical.UpdateOperation, "config/gl", map[string]any{"base_url": alias})
	})
	resp, err := e.request(logical.ReadOperation, "creds/app", nil)
	moved()
	if err != nil || resp == nil || resp.IsError() {
		return // refused: fine, as long as nothing is left at GitLab (the fake checks)
	}
	if err := e.revoke(resp); err != nil {
		t.Fatalf("the lease of a creds request that raced a base_url move cannot be revoked: %v", err)
	}
}
