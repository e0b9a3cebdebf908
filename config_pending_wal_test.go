package gitsecrets

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
)

// A creds request whose creation answer was lost leaves no inventory entry,
// only a WAL entry that the rollback (minutes later) turns into a search by
// name through the connection. Deleting the connection, or moving its
// base_url, in those minutes makes the rollback give up, and the token
// lives at GitLab without a lease until its own expiry.
func TestGitLabConfigChangeWaitsForALostCreation(t *testing.T) {
	t.Parallel()
	for _, change := range []struct {
		name string
		op   logical.Operation
	}{
		{"delete", logical.DeleteOperation},
		{"base_url move", logical.UpdateOperation},
	} {
		t.Run(change.name, func(t *testing.T) {
			t.Parallel()
			e := newGitLabEnv(t)
			var data map[string]any
			if change.op == logical.UpdateOperation {
				// The same GitLab at another address.
				moved := httptest.NewServer(e.gl.Handler())
				t.Cleanup(moved.Close)
				data = map[string]any{"base_url": moved.URL}
			}
			e.ok(logical.CreateOperation, "roles/app", map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api"})
			e.gl.InjectFault(fakegitlab.Fault{Method: "POST", Route: "/projects/{id}/access_tokens", DropAfterCommit: true, Times: 1})
			if _, err := e.request(logical.ReadOperation, "creds/app", nil); err == nil {
				t.Fatal("creds succeeded over a dropped connection")
			}
			resp, err := e.request(change.op, "config/gl", data)
			refused := err == nil && resp != nil && resp.IsError()
			e.rollback()
			if n := len(e.gl.LiveTokens()); n != 1 {
				t.Errorf("%d live tokens after the rollback, want only the connection's", n)
			}
			if !refused {
				t.Fatalf("config %s with a lost creation waiting for its rollback: %v, %v", change.name, resp, err)
			}
			if msg := resp.Error().Error(); !strings.Contains(msg, "roll") {
				t.Errorf("refusal %q does not say a request is being rolled back", msg)
			}
			// Once rolled back, the change goes through.
			if resp, err := e.request(change.op, "config/gl", data); err != nil || (resp != nil && resp.IsError()) {
				t.Fatalf("config %s after the rollback: %v, %v", change.name, resp, err)
			}
		})
	}
}
