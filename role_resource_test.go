package gitsecrets

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
)

// Roles whose tokens belong to a provider resource the role write creates
// (role_resource.go), through GitLab's service accounts at the fake.

const saCreateRoute = "/groups/{id}/service_accounts"

func saRoleData(account string) map[string]any {
	return map[string]any{"config": "gl", "token_type": "service_account", "path": "acme", "service_account": account, "scopes": "read_api"}
}

func (e *gitlabEnv) requireAccount(t *testing.T, username string, want bool) {
	t.Helper()
	if _, ok := e.gl.ServiceAccount(username); ok != want {
		t.Fatalf("service account %q exists: %t, want %t", username, ok, want)
	}
}

func (e *gitlabEnv) requireNoWAL(t *testing.T) {
	t.Helper()
	if keys, _ := e.storage.List(context.Background(), "wal/"); len(keys) != 0 {
		t.Fatalf("WAL entries left: %v", keys)
	}
}

// TestRoleResourceLostCreateRolledBack: GitLab makes the account but its
// answer is lost, so no role is stored; the WAL rollback finds the
// account and deletes it. Without the WAL entry it would stay, made by the
// engine and named by no role.
func TestRoleResourceLostCreateRolledBack(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	e.gl.InjectFault(fakegitlab.Fault{Method: "POST", Route: saCreateRoute, DropAfterCommit: true, Times: 1})
	if resp, err := e.request(logical.CreateOperation, "roles/sa", saRoleData("ci-sa")); err == nil && !resp.IsError() {
		t.Fatal("the role write succeeded over a dropped answer")
	}
	e.requireAccount(t, "ci-sa", true)
	if r, _ := getRole(context.Background(), e.storage, "sa"); r != nil {
		t.Fatal("the role was stored")
	}
	e.rollback()
	e.requireAccount(t, "ci-sa", false)
	e.requireNoWAL(t)
}

// TestRoleResourceLostCreateAdoptedByARetry: the operator writes the role
// again before the rollback: it finds the account and, because the pending
// WAL entry says the engine made it, records it as created, so the
// rollback keeps it and the role's delete deletes it.
func TestRoleResourceLostCreateAdoptedByARetry(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	e.gl.InjectFault(fakegitlab.Fault{Method: "POST", Route: saCreateRoute, DropAfterCommit: true, Times: 1})
	_, _ = e.request(logical.CreateOperation, "roles/sa", saRoleData("ci-sa"))
	e.ok(logical.CreateOperation, "roles/sa", saRoleData("ci-sa"))
	if n := e.gl.Calls("POST", saCreateRoute); n != 1 {
		t.Fatalf("%d creates, want 1", n)
	}
	e.rollback()
	e.requireAccount(t, "ci-sa", true)
	e.requireNoWAL(t)
	if got := e.ok(logical.ReadOperation, "roles/sa", nil).Data["resource_created"]; got != true {
		t.Fatalf("resource_created = %v, want true", got)
	}
	e.ok(logical.DeleteOperation, "roles/sa", nil)
	e.requireAccount(t, "ci-sa", false)
}

// TestRoleResourceUnstoredRoleUndone: the account is made but the role
// cannot be stored; the write deletes the account at once.
func TestRoleResourceUnstoredRoleUndone(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	fs := &faultyStorage{Storage: e.storage}
	e.storage = fs
	fs.failPut.Store(roleStoragePrefix)
	if _, err := e.request(logical.CreateOperation, "roles/sa", saRoleData("ci-sa")); err == nil {
		t.Fatal("the role write succeeded without storage")
	}
	fs.failPut.Store("")
	e.requireAccount(t, "ci-sa", false)
	e.requireNoWAL(t)
}

// TestRoleResourceDeleteWaitsForLeases: a role whose account the engine
// made is not deleted, nor moved to another account, while a lease of it
// lives; the refusal says how to revoke them. Then the delete deletes the
// account, and one the engine found is never deleted.
func TestRoleResourceDeleteWaitsForLeases(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	resp := e.ok(logical.CreateOperation, "roles/sa", saRoleData("ci-sa"))
	if resp == nil || len(resp.Warnings) == 0 || !strings.Contains(resp.Warnings[0], `created GitLab service account "ci-sa"`) {
		t.Fatalf("role write warnings: %v, want one saying it created the account", resp)
	}
	creds := e.ok(logical.ReadOperation, "creds/sa", nil)

	for _, try := range []func() string{
		func() string { return e.bad(logical.DeleteOperation, "roles/sa", nil) },
		func() string {
			return e.bad(logical.UpdateOperation, "roles/sa", map[string]any{"service_account": "other-sa"})
		},
		func() string {
			return e.bad(logical.UpdateOperation, "roles/sa", map[string]any{"token_type": "personal", "path": "ci-bot", "service_account": ""})
		},
	} {
		if msg := try(); !strings.Contains(msg, "1 live token") || !strings.Contains(msg, "vault lease revoke -prefix git/creds/sa/") {
			t.Fatalf("refusal %q, want the count and the revoke command", msg)
		}
	}
	e.requireAccount(t, "ci-sa", true)
	e.requireAccount(t, "other-sa", false)

	if err := e.revoke(creds); err != nil {
		t.Fatal(err)
	}
	e.ok(logical.DeleteOperation, "roles/sa", nil)
	e.requireAccount(t, "ci-sa", false)

	e.gl.AddServiceAccount("acme", "team-sa")
	if resp := e.ok(logical.CreateOperation, "roles/found", saRoleData("team-sa")); resp != nil && len(resp.Warnings) > 0 {
		t.Fatalf("a role of an existing account warned: %v", resp.Warnings)
	}
	kept := e.ok(logical.ReadOperation, "creds/found", nil)
	e.ok(logical.DeleteOperation, "roles/found", nil)
	e.requireAccount(t, "team-sa", true)
	if err := e.revoke(kept); err != nil {
		t.Fatal(err)
	}
}

// TestRoleResourceMovedAwayIsDeleted: a role without live tokens moved to
// another account deletes the one the engine made for it, unless another
// role still names it.
func TestRoleResourceMovedAwayIsDeleted(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	e.ok(logical.CreateOperation, "roles/a", saRoleData("one-sa"))
	e.ok(logical.CreateOperation, "roles/b", saRoleData("one-sa"))
	e.ok(logical.UpdateOperation, "roles/a", map[string]any{"service_account": "two-sa"})
	e.requireAccount(t, "one-sa", true) // b names it
	e.requireAccount(t, "two-sa", true)
	e.ok(logical.UpdateOperation, "roles/b", map[string]any{"service_account": "two-sa"})
	e.requireAccount(t, "one-sa", false)
	e.ok(logical.DeleteOperation, "roles/a", nil)
	e.requireAccount(t, "two-sa", true)
	e.ok(logical.DeleteOperation, "roles/b", nil)
	e.requireAccount(t, "two-sa", false)
}

// TestRoleResourceStaticRole: a static role's account is made with it,
// cannot be moved away from while its token lives, and goes with it.
func TestRoleResourceStaticRole(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	data := saRoleData("static-sa")
	data["rotation_period"] = "24h"
	e.ok(logical.CreateOperation, "static-roles/s", data)
	e.requireAccount(t, "static-sa", true)
	if msg := e.bad(logical.UpdateOperation, "static-roles/s", map[string]any{"service_account": "other-sa"}); !strings.Contains(msg, "delete the static role") {
		t.Fatalf("moving the static role: %q", msg)
	}
	e.requireAccount(t, "other-sa", false)
	e.ok(logical.DeleteOperation, "static-roles/s", nil)
	e.requireAccount(t, "static-sa", false)
	if n := len(e.gl.LiveTokens()); n != 1 {
		t.Fatalf("%d live tokens, want only the connection's", n)
	}
}

// TestRoleResourceRefusedLocally: a service_account role whose account
// would be named by an identity template, or that asks for self_rotate, is
// refused before any GitLab call, so nothing is created.
func TestRoleResourceRefusedLocally(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	e.gl.ResetCalls()
	for _, c := range []struct {
		data map[string]any
		want string
	}{
		{map[string]any{"path": "{{identity.entity.name}}", "scope_template": true}, "no identity templates"},
		{map[string]any{"service_account": "{{identity.entity.name}}", "scope_template": true}, "no identity templates"},
		{map[string]any{"scopes": "read_api,self_rotate"}, "self_rotate"},
		{map[string]any{"access_level": "developer"}, "access_level"},
		{map[string]any{"service_account": ""}, "service_account is required"},
	} {
		data := saRoleData("ci-sa")
		for k, v := range c.data {
			data[k] = v
		}
		if msg := e.bad(logical.CreateOperation, "roles/sa", data); !strings.Contains(msg, c.want) {
			t.Errorf("%v: %q, want %q", c.data, msg, c.want)
		}
	}
	if n := e.gl.TotalCalls(); n != 0 {
		t.Fatalf("%d GitLab calls for refused role writes", n)
	}
}

// TestRoleResourceKeepsItsConnection: a connection through which the
// engine must delete an account it created for a role is not deleted,
// before the role is.
func TestRoleResourceKeepsItsConnection(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	e.ok(logical.CreateOperation, "roles/sa", saRoleData("ci-sa"))
	if msg := e.bad(logical.DeleteOperation, "config/gl", nil); !strings.Contains(msg, `role "sa"`) {
		t.Fatalf("connection delete: %q, want a refusal naming role sa", msg)
	}
	e.ok(logical.DeleteOperation, "roles/sa", nil)
	e.requireAccount(t, "ci-sa", false)
	e.ok(logical.DeleteOperation, "config/gl", nil)
}

// TestRoleResourceUpdateKeepsOwnership: rewriting a role's other fields
// keeps the record that the engine made its account, so the delete still
// deletes it.
func TestRoleResourceUpdateKeepsOwnership(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	e.ok(logical.CreateOperation, "roles/sa", saRoleData("ci-sa"))
	e.ok(logical.UpdateOperation, "roles/sa", map[string]any{"ttl": "30m", "scopes": "read_api,read_repository"})
	if got := e.ok(logical.ReadOperation, "roles/sa", nil).Data["resource_created"]; got != true {
		t.Fatalf("resource_created = %v after an update, want true", got)
	}
	e.ok(logical.DeleteOperation, "roles/sa", nil)
	e.requireAccount(t, "ci-sa", false)
}
