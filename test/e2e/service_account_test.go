package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/vaultserver"
)

// TestServiceAccounts runs the service_account token type through a real
// Vault against the fake GitLab, whose connection user ("vault-admin") is
// Owner of the top-level group acme: roles provision the account, creds
// are personal access tokens of it that reach what it is a member of, and
// role deletes refuse to strand live tokens and delete only accounts the
// engine made.
func TestServiceAccounts(t *testing.T) {
	t.Parallel()
	runScenarios(t, startVault(t, vaultserver.StorageInmem), []scenario{
		{"creds of a service account", "git-sa", testServiceAccountCreds},
		{"role deletes and the account", "git-sa-delete", testServiceAccountRoleDelete},
		{"static role of a service account", "git-sa-static", testServiceAccountStaticRole},
		{"refusals", "git-sa-refuse", testServiceAccountRefusals},
	})
}

// saCreateRoute is the fake's route for creating a group service account.
const saCreateRoute = "/groups/{id}/service_accounts"

// saRole is a service_account role of account in group acme, plus extra.
func saRole(account string, extra ...string) []string {
	return append([]string{"config=gl", "token_type=service_account", "path=" + gitlabGroup,
		"service_account=" + account, "scopes=read_repository,read_api"}, extra...)
}

// writeRoleOutput runs `vault write <mount>/roles/<name>` and returns what
// the CLI printed, warnings included, on one line.
func writeRoleOutput(t *testing.T, e *engine, name string, fields ...string) string {
	t.Helper()
	stdout, stderr, err := e.v.srv.CLI(append([]string{"write", e.path + "/roles/" + name}, fields...)...)
	if err != nil {
		t.Fatalf("write roles/%s: %v\n--- end of the Vault log ---\n%s", name, err, e.v.logTail())
	}
	return strings.Join(strings.Fields(stdout+" "+stderr), " ")
}

// requireAccount fails the test unless service account username exists
// at the fake, and returns its id.
func requireAccount(t testing.TB, e *engine, username string) int64 {
	t.Helper()
	id, ok := e.gl.ServiceAccount(username)
	if !ok {
		t.Fatalf("the fake GitLab has no service account %q", username)
	}
	return id
}

// gitlabAPIStatus is the status GitLab answers GET /user with token.
func gitlabAPIStatus(t testing.TB, e *engine, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.gl.URL()+"/api/v4/user", nil)
	req.Header.Set("PRIVATE-TOKEN", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// testServiceAccountCreds: the first role write creates the account and
// says so, a second role of the same account creates nothing; creds are
// the account's personal access tokens (username = the account), reaching
// the project it is a member of and no other; a revoked lease's token
// answers 401, and an expired lease's token dies too.
func testServiceAccountCreds(t *testing.T, e *engine) {
	e.gl.AddProject("acme/infra")

	out := writeRoleOutput(t, e, "sa-ci", saRole("vault-ci")...)
	if !strings.Contains(out, `created GitLab service account "vault-ci"`) {
		t.Fatalf("the role write that made the account: %q, want a warning that it created it", out)
	}
	id := requireAccount(t, e, "vault-ci")
	if n := e.gl.Calls("POST", saCreateRoute); n != 1 {
		t.Fatalf("%d service account creates, want 1", n)
	}
	out = writeRoleOutput(t, e, "sa-ci-short", saRole("vault-ci", "ttl="+shortTTL.String())...)
	if strings.Contains(out, "created") {
		t.Fatalf("a second role of the same account warned of a create: %q", out)
	}
	if n := e.gl.Calls("POST", saCreateRoute); n != 1 {
		t.Fatalf("%d service account creates after the second role, want 1", n)
	}
	// The engine adds the account nowhere; an operator makes it a Reporter
	// of acme/app (docs/gitlab.md, section 11).
	e.gl.AddMember(gitlabProj, id, 20)

	c := e.readCreds(t, "sa-ci")
	if got := c.Data["username"]; got != "vault-ci" {
		t.Fatalf("%v: username %v, want the account's, vault-ci", c, got)
	}
	tok, ok := e.gl.Lookup(c.token())
	if !ok || tok.UserID != id {
		t.Fatalf("%v: live %t, user %d at the fake, want a token of service account %d", c, ok, tok.UserID, id)
	}
	if !gitlabReaches(e.gl, c.token(), gitlabProj) {
		t.Fatalf("%v does not reach %s, of which the account is a member", c, gitlabProj)
	}
	if gitlabReaches(e.gl, c.token(), "acme/infra") {
		t.Fatalf("%v reaches acme/infra, of which the account is no member", c)
	}
	e.waitInventory(t, "after one read", c)

	e.v.vault(t, "lease", "revoke", c.LeaseID)
	e.waitRevoked(t, "vault lease revoke", c)
	if got := gitlabAPIStatus(t, e, c.token()); got != http.StatusUnauthorized {
		t.Fatalf("GitLab answers a revoked lease's token with %d, want 401", got)
	}

	short := e.readCreds(t, "sa-ci-short")
	if short.LeaseDuration != int(shortTTL.Seconds()) {
		t.Fatalf("%v: lease_duration %ds, want %s", short, short.LeaseDuration, shortTTL)
	}
	e.requireLive(t, short)
	e.waitDead(t, shortTTL+revokeTimeout, "lease expiry", short)
	e.waitRevoked(t, "lease expiry", short)
}

// testServiceAccountRoleDelete: deleting a role whose account the engine
// made is refused while a lease of it lives, naming the revoke command;
// after it, the delete deletes the account, unless another role still
// names it. An account the engine found is never deleted, leases or not.
func testServiceAccountRoleDelete(t *testing.T, e *engine) {
	writeRoleOutput(t, e, "sa-made", saRole("vault-made")...)
	requireAccount(t, e, "vault-made")
	c := e.readCreds(t, "sa-made")

	_, _, err := e.v.srv.CLI("delete", e.path+"/roles/sa-made")
	want := fmt.Sprintf("vault lease revoke -prefix %s/creds/sa-made/", e.path)
	if err == nil || !strings.Contains(err.Error(), "Code: 400") || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "1 live token") {
		t.Fatalf("deleting the role with a live lease: %v, want a 400 counting 1 live token and naming %q", err, want)
	}
	requireAccount(t, e, "vault-made")
	e.requireLive(t, c)
	// Moving the role to another account would strand the lease the same way.
	if _, _, err := e.v.srv.CLI("write", e.path+"/roles/sa-made", "service_account=vault-other"); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("moving the role to another account with a live lease: %v, want a 400 naming %q", err, want)
	}

	e.v.vault(t, "lease", "revoke", "-prefix", e.path+"/creds/sa-made/")
	e.waitRevoked(t, "lease revoke -prefix", c)
	e.v.vault(t, "delete", e.path+"/roles/sa-made")
	if _, ok := e.gl.ServiceAccount("vault-made"); ok {
		t.Fatal("the account the engine made outlived its role")
	}

	// Two roles of one made account: the account goes with the last.
	writeRoleOutput(t, e, "sa-a", saRole("vault-shared")...)
	writeRoleOutput(t, e, "sa-b", saRole("vault-shared")...)
	e.v.vault(t, "delete", e.path+"/roles/sa-a")
	requireAccount(t, e, "vault-shared")
	e.v.vault(t, "delete", e.path+"/roles/sa-b")
	if _, ok := e.gl.ServiceAccount("vault-shared"); ok {
		t.Fatal("the account the engine made outlived the last role naming it")
	}

	// An account that was there before: used, never created nor deleted.
	e.gl.AddServiceAccount(gitlabGroup, "team-bot")
	creates := e.gl.Calls("POST", saCreateRoute)
	if out := writeRoleOutput(t, e, "sa-found", saRole("team-bot")...); strings.Contains(out, "created") {
		t.Fatalf("a role of an existing account warned of a create: %q", out)
	}
	if n := e.gl.Calls("POST", saCreateRoute); n != creates {
		t.Fatalf("a role of an existing account created one (%d creates, want %d)", n, creates)
	}
	kept := e.readCreds(t, "sa-found")
	// Its leases do not hold the delete back: the account stays either way,
	// and revocation reads only the lease.
	e.v.vault(t, "delete", e.path+"/roles/sa-found")
	requireAccount(t, e, "team-bot")
	e.requireLive(t, kept)
	e.v.vault(t, "lease", "revoke", kept.LeaseID)
	e.waitRevoked(t, "vault lease revoke after the role was deleted", kept)
	requireAccount(t, e, "team-bot")
	if n := e.gl.Calls("DELETE", "/groups/{id}/service_accounts/{user_id}"); n != 2 {
		t.Fatalf("%d service account deletes, want 2 (vault-made, vault-shared)", n)
	}
}

// testServiceAccountStaticRole: a static role of a service account holds a
// token of it, rotate-role replaces it, and deleting the role revokes its
// tokens and then the account the engine made for it.
func testServiceAccountStaticRole(t *testing.T, e *engine) {
	const name = "sa-static"
	e.v.vault(t, "write", e.path+"/static-roles/"+name, "config=gl", "token_type=service_account",
		"path="+gitlabGroup, "service_account=vault-static", "scopes=read_repository",
		"rotation_period=24h")
	id := requireAccount(t, e, "vault-static")
	a := rotReadStatic(t, e, name)
	if a.Username != "vault-static" {
		t.Fatalf("static-creds/%s: username %q, want the account's", name, a.Username)
	}
	if tok, ok := e.gl.Lookup(a.Token); !ok || tok.UserID != id {
		t.Fatalf("%v: not a live token of service account %d", a, id)
	}
	b := rotRotateRole(t, e, name)
	if b.TokenID == a.TokenID {
		t.Fatalf("rotate-role kept %v", a)
	}
	rotRequireStaticLive(t, e, "the rotated token", b)

	e.v.vault(t, "delete", e.path+"/static-roles/"+name)
	rotRequireStaticDead(t, e, "after deleting the static role", a, b)
	if _, ok := e.gl.ServiceAccount("vault-static"); ok {
		t.Fatal("the account the engine made outlived its static role")
	}
}

// testServiceAccountRefusals: a connection whose user is only Maintainer
// of the group gets a 400 at the role write that says it needs Owner, and
// nothing is created; self_rotate is refused as on every role.
func testServiceAccountRefusals(t *testing.T, e *engine) {
	maint := e.gl.AddUser("vault-maintainer", false)
	e.gl.AddMember(gitlabGroup, maint, 40)
	token, _ := e.gl.AddPersonalToken(maint, "vault", []string{"api"}, time.Now().AddDate(0, 6, 0))
	e.v.vault(t, "write", e.path+"/config/gl-maint", "provider=gitlab", "token="+token, "base_url="+e.gl.URL())

	_, _, err := e.v.srv.CLI(append([]string{"write", e.path + "/roles/sa-maint"},
		append([]string{"config=gl-maint"}, saRole("vault-denied")[1:]...)...)...)
	if err == nil || !strings.Contains(err.Error(), "Code: 400") || !strings.Contains(err.Error(), "Owner") {
		t.Fatalf("a role whose connection user is Maintainer: %v, want a 400 saying the user needs Owner", err)
	}
	if _, ok := e.gl.ServiceAccount("vault-denied"); ok {
		t.Fatal("a refused role write created the account")
	}
	if s, err := e.v.api().Logical().Read(e.path + "/roles/sa-maint"); err != nil || s != nil {
		t.Fatalf("read the refused role: %v (stored: %t), want nothing stored", err, s != nil)
	}

	_, _, err = e.v.srv.CLI(append([]string{"write", e.path + "/roles/sa-rotate"}, saRole("vault-rot", "scopes=read_api,self_rotate")...)...)
	if err == nil || !strings.Contains(err.Error(), "Code: 400") || !strings.Contains(err.Error(), "self_rotate") {
		t.Fatalf("a role with self_rotate: %v, want a 400 about self_rotate", err)
	}
	if _, ok := e.gl.ServiceAccount("vault-rot"); ok {
		t.Fatal("a role refused locally created the account")
	}
}
