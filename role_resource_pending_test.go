package gitsecrets

import (
	"strings"
	"testing"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
)

// TestRoleResourcePendingCreateKeepsItsConnection: GitLab makes a service
// account but the answer is lost; the WAL entry's rollback will find and
// delete it through the connection. Deleting the connection before then
// leaves the rollback nothing to reach the account with (it logs and gives
// up), so the account stays for good, made by the engine and named by no
// role. The delete is refused while such a rollback is pending, as it is
// for a token's.
func TestRoleResourcePendingCreateKeepsItsConnection(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	e.gl.InjectFault(fakegitlab.Fault{Method: "POST", Route: saCreateRoute, DropAfterCommit: true, Times: 1})
	_, _ = e.request(logical.CreateOperation, "roles/sa", saRoleData("ci-sa"))
	e.requireAccount(t, "ci-sa", true)
	resp, err := e.request(logical.DeleteOperation, "config/gl", nil)
	if err == nil && !resp.IsError() {
		e.rollback()
		e.requireAccount(t, "ci-sa", false)
		t.Fatal("the connection delete went through with a service account create's rollback pending")
	}
	if resp != nil && !strings.Contains(resp.Error().Error(), "rollback") {
		t.Errorf("the refusal does not say a rollback is pending: %v", resp.Error())
	}
	e.rollback()
	e.requireAccount(t, "ci-sa", false)
	e.requireNoWAL(t)
	e.ok(logical.DeleteOperation, "config/gl", nil)
}
