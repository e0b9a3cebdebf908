package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/vault/api"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitea"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/vaultserver"
)

// The fake Gitea's world: a bot account that collaborates on two private
// repositories of acme.
const (
	giteaBot      = "vault-bot"
	giteaPassword = "bot-password-e2e-0001"
	giteaApp      = "acme/app"
	giteaAPI      = "acme/api"
	// giteaCreate is the token creation route, whose answer the rollback
	// scenario drops.
	giteaCreate = "/users/{username}/tokens"
)

// TestGitea runs the Gitea and Forgejo scenarios on one server of their
// own, with sys/raw on for the write-ahead log scenario, each on a mount
// and a fake of its own, in parallel.
func TestGitea(t *testing.T) {
	t.Parallel()
	bins := vaultserver.FindBinaries(t)
	opts := bins.Options(vaultserver.StorageInmem)
	opts.ExtraConfig = vaultserver.RawStorageConfig
	v := launchVault(t, opts, bins.Plugin, bins.Version)

	for _, sc := range []struct {
		name    string
		mount   string
		flavour fakegitea.Flavour
		admin   bool
		run     func(*testing.T, *giteaEngine)
	}{
		{"config, creds, registry and lease revoke", "gitea-creds", fakegitea.Gitea, false, testGiteaCreds},
		{"plain Gitea refuses a repository restriction at role write", "gitea-norestrict", fakegitea.Gitea, false, testGiteaRefusesRestriction},
		{"Forgejo restricts a token to the role's repositories", "gitea-forgejo", fakegitea.Forgejo, false, testForgejoRestriction},
		{"rotate-root changes an admin bot's password", "gitea-rotate", fakegitea.Gitea, true, testGiteaRotateRoot},
		{"rotate-root refuses a bot that is no site admin", "gitea-rotate-refused", fakegitea.Gitea, false, testGiteaRotateRootNotAdmin},
		{"lease expiry", "gitea-expiry", fakegitea.Gitea, false, testGiteaLeaseExpiry},
		{"a creation whose answer was lost is rolled back", "gitea-lost", fakegitea.Gitea, false, testGiteaLostCreation},
		{"holder and operator limits", "gitea-limits", fakegitea.Gitea, true, testGiteaLimits},
	} {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			sc.run(t, mountGitea(t, v, sc.mount, sc.flavour, sc.admin))
		})
	}
}

// giteaEngine is a mount with connection "gt" to a fake Gitea or Forgejo.
// Its engine has no GitHub or GitLab fake: only the helpers that use the
// mount alone (writeRole, readCreds, waitInventory, ...) apply.
type giteaEngine struct {
	*engine
	fake *fakegitea.Server
}

// mountGitea starts the fake (before the mount, so that its leak check
// runs after the mount's disable has revoked every lease), mounts the
// engine at path and writes config/gt as the bot.
func mountGitea(t *testing.T, v *vaultEnv, path string, flavour fakegitea.Flavour, admin bool) *giteaEngine {
	t.Helper()
	fake := fakegitea.Start(t, fakegitea.Options{Flavour: flavour})
	fake.AddUser(giteaBot, giteaPassword, admin)
	for _, full := range []string{giteaApp, giteaAPI} {
		owner, name, _ := strings.Cut(full, "/")
		fake.AddRepo(owner, name, true, giteaBot)
	}
	v.vault(t, "secrets", "enable", "-path="+path, "-plugin-version="+v.version,
		"-default-lease-ttl="+mountDefault, "-max-lease-ttl="+mountMax, vaultserver.PluginName)
	t.Cleanup(func() {
		if _, _, err := v.srv.CLI("secrets", "disable", path+"/"); err != nil {
			t.Errorf("cleanup: %v\n--- end of the Vault log ---\n%s", err, v.logTail())
		}
	})
	e := &giteaEngine{engine: &engine{v: v, path: path}, fake: fake}
	if _, err := v.api().Logical().Write(path+"/config/gt", map[string]any{
		"provider": "gitea", "base_url": fake.URL(), "username": giteaBot, "password": giteaPassword,
	}); err != nil {
		t.Fatalf("write %s/config/gt: %v\n%s", path, err, v.logTail())
	}
	return e
}

// repoStatus is the status the fake answers a token's GET of a repository
// with: 200, 404 where the token does not reach it, 401 once it is deleted.
func (e *giteaEngine) repoStatus(t testing.TB, token, repo string) int {
	t.Helper()
	return giteaCall(t, e.fake.URL()+"/api/v1/repos/"+repo, func(r *http.Request) { r.Header.Set("Authorization", "token "+token) })
}

// signInStatus is the status of signing in as the bot with password.
func (e *giteaEngine) signInStatus(t testing.TB, password string) int {
	t.Helper()
	return giteaCall(t, e.fake.URL()+"/api/v1/user", func(r *http.Request) { r.SetBasicAuth(giteaBot, password) })
}

func giteaCall(t testing.TB, url string, auth func(*http.Request)) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	auth(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitTokenDead waits until no token of cs reads giteaApp at the fake.
func (e *giteaEngine) waitTokenDead(t testing.TB, why string, cs ...*creds) {
	t.Helper()
	e.v.eventually(t, revokeTimeout+shortTTL, why+": tokens deleted at the fake Gitea", func() error {
		for _, c := range cs {
			if got := e.repoStatus(t, c.token(), giteaApp); got != http.StatusUnauthorized {
				return fmt.Errorf("%v reads %s with status %d", c, giteaApp, got)
			}
		}
		return nil
	})
}

// refusal is the 400 a write answers with, failing the test for anything else.
func refusal(t testing.TB, what string, err error) string {
	t.Helper()
	var re *api.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusBadRequest {
		t.Fatalf("%s: got %v, want a 400", what, err)
	}
	return strings.Join(re.Errors, "; ")
}

// testGiteaCreds: the connection shows the bot and never its password; a
// role's token has its scopes and id, reads the bot's repositories, pairs
// with the server's registry when it holds read:package, and is deleted at
// the server by `vault lease revoke`.
func testGiteaCreds(t *testing.T, e *giteaEngine) {
	out := e.v.vault(t, "read", "-format=json", e.path+"/config/gt")
	if strings.Contains(out, giteaPassword) {
		t.Fatal("vault read config/gt shows the password")
	}
	var conf struct{ Data map[string]any }
	if err := json.Unmarshal([]byte(out), &conf); err != nil {
		t.Fatal(err)
	}
	if conf.Data["username"] != giteaBot || conf.Data["server"] != "gitea" || conf.Data["password"] != nil {
		t.Errorf("config/gt reads username %v, server %v, password %v; want %s, gitea, none",
			conf.Data["username"], conf.Data["server"], conf.Data["password"], giteaBot)
	}

	e.writeRole(t, "read", "config=gt", "token_type=access", "scopes=read:repository", "ttl=15m")
	e.writeRole(t, "pkg", "config=gt", "scopes=read:package,read:repository")
	read := e.readCreds(t, "read")
	pkg := e.readCreds(t, "pkg")
	bystander := e.readCreds(t, "read")

	if id, _ := read.Data["token_id"].(float64); read.Data["username"] != giteaBot || read.Data["token_type"] != "access" || id <= 0 {
		t.Errorf("%v: username %v, token_type %v, token_id %v; want %s, access, an id", read, read.Data["username"], read.Data["token_type"], read.Data["token_id"], giteaBot)
	}
	if got := fmt.Sprint(read.Data["scopes"]); got != "[read:repository]" {
		t.Errorf("%v: scopes %s, want [read:repository]", read, got)
	}
	if _, has := read.Data["registry"]; has {
		t.Errorf("%v: a token without read:package has registry output (%v)", read, read.Data["registry"])
	}
	host := strings.TrimPrefix(e.fake.URL(), "http://")
	doc, _ := pkg.Data["docker_config_json"].(string)
	if pkg.Data["registry"] != host || !strings.Contains(doc, `"`+host+`"`) || !strings.Contains(doc, `"username":"`+giteaBot+`"`) {
		t.Errorf("%v: registry %v and a docker_config_json for it (%t), want %s, the host of base_url, with username %s",
			pkg, pkg.Data["registry"], doc != "", host, giteaBot)
	}
	// The registry takes the pair the response names.
	if got := giteaCall(t, e.fake.URL()+"/v2/token", func(r *http.Request) { r.SetBasicAuth(giteaBot, pkg.token()) }); got != http.StatusOK {
		t.Errorf("%v: the registry's token endpoint answers %d", pkg, got)
	}
	for _, c := range []*creds{read, pkg, bystander} {
		for _, repo := range []string{giteaApp, giteaAPI} {
			if got := e.repoStatus(t, c.token(), repo); got != http.StatusOK {
				t.Fatalf("%v reads %s with status %d, want 200 (a Gitea token reaches all its user reaches)", c, repo, got)
			}
		}
	}
	e.waitInventory(t, "after three reads", read, pkg, bystander)

	e.v.vault(t, "lease", "revoke", read.LeaseID)
	e.waitTokenDead(t, "vault lease revoke", read)
	e.waitInventory(t, "after revoking one", pkg, bystander)
	if got := e.repoStatus(t, bystander.token(), giteaApp); got != http.StatusOK {
		t.Fatalf("%v, not revoked, reads with status %d", bystander, got)
	}
	e.v.vault(t, "lease", "revoke", "-prefix", e.path+"/creds/")
	e.waitTokenDead(t, "vault lease revoke -prefix", pkg, bystander)
	e.waitInventory(t, "after revoking all")
	if n := e.fake.LiveTokens(giteaBot); n != 0 {
		t.Fatalf("the bot has %d live tokens after every lease was revoked", n)
	}
}

// testGiteaRefusesRestriction: Gitea ignores a token's repositories and
// would issue a token for everything the bot reaches, so a role naming
// repositories is refused at write, before any token exists; so is a
// static role.
func testGiteaRefusesRestriction(t *testing.T, e *giteaEngine) {
	_, err := e.v.api().Logical().Write(e.path+"/roles/app", map[string]any{
		"config": "gt", "scopes": "read:repository", "repositories": giteaApp,
	})
	if msg := refusal(t, "a role with repositories on plain Gitea", err); !strings.Contains(msg, "Forgejo") {
		t.Errorf("the refusal does not say which servers can restrict: %s", msg)
	}
	if s, err := e.v.api().Logical().Read(e.path + "/roles/app"); err != nil || s != nil {
		t.Errorf("the refused role was stored (%v)", err)
	}
	// Static roles would hold tokens that never expire at the server.
	_, err = e.v.api().Logical().Write(e.path+"/static-roles/s", map[string]any{
		"config": "gt", "scopes": "read:repository", "rotation_period": "24h",
	})
	if msg := refusal(t, "a static role on a Gitea connection", err); !strings.Contains(msg, "static roles hold") {
		t.Errorf("the refusal does not say which connections static roles take: %s", msg)
	}
	if n := e.fake.Calls(http.MethodPost, giteaCreate); n != 0 {
		t.Errorf("the refused writes created %d tokens", n)
	}
}

// testForgejoRestriction: on Forgejo (v15+) a role's repositories limit the
// token; a creds request may narrow them but not go beyond.
func testForgejoRestriction(t *testing.T, e *giteaEngine) {
	e.writeRole(t, "app", "config=gt", "scopes=read:repository", "repositories="+giteaApp)
	c := e.readCreds(t, "app")
	if got := fmt.Sprint(c.Data["repositories"]); got != "["+giteaApp+"]" {
		t.Errorf("%v: repositories %s, want [%s]", c, got, giteaApp)
	}
	if got := e.repoStatus(t, c.token(), giteaApp); got != http.StatusOK {
		t.Errorf("%v reads %s with status %d, want 200", c, giteaApp, got)
	}
	if got := e.repoStatus(t, c.token(), giteaAPI); got != http.StatusNotFound {
		t.Errorf("%v reads %s, outside its restriction, with status %d, want 404", c, giteaAPI, got)
	}
	before := e.fake.Calls(http.MethodPost, giteaCreate)
	_, err := e.v.api().Logical().Write(e.path+"/creds/app", map[string]any{"repositories": giteaAPI})
	if msg := refusal(t, "creds beyond the role's repositories", err); !strings.Contains(msg, giteaAPI) {
		t.Errorf("the refusal does not name the repository: %s", msg)
	}
	if e.fake.Calls(http.MethodPost, giteaCreate) != before {
		t.Error("a creds request beyond the role reached the server")
	}
	e.v.vault(t, "lease", "revoke", "-prefix", e.path+"/creds/")
	e.waitTokenDead(t, "vault lease revoke -prefix", c)
}

// testGiteaRotateRoot: rotate-root on a site-admin bot sets a new
// password: the old one stops signing in, the new one (which only the
// engine and the fake know) works, and the engine keeps issuing with it.
func testGiteaRotateRoot(t *testing.T, e *giteaEngine) {
	out := e.v.vault(t, "write", "-format=json", "-f", e.path+"/rotate-root/gt")
	now := e.fake.Password(giteaBot)
	switch {
	case now == giteaPassword:
		t.Fatal("rotate-root left the bot's password as it was")
	case strings.Contains(out, now):
		t.Fatal("rotate-root's answer shows the new password")
	case e.signInStatus(t, giteaPassword) != http.StatusUnauthorized:
		t.Fatal("the old password still signs in after rotate-root")
	case e.signInStatus(t, now) != http.StatusOK:
		t.Fatal("the new password does not sign in")
	}
	if conf := e.v.vault(t, "read", "-format=json", e.path+"/config/gt"); strings.Contains(conf, now) {
		t.Fatal("vault read config/gt shows the new password")
	}

	e.writeRole(t, "read", "config=gt", "scopes=read:repository")
	c := e.readCreds(t, "read")
	if got := e.repoStatus(t, c.token(), giteaApp); got != http.StatusOK {
		t.Fatalf("%v, issued after the rotation, reads with status %d", c, got)
	}
	e.v.vault(t, "lease", "revoke", c.LeaseID)
	e.waitTokenDead(t, "vault lease revoke after rotate-root", c)
}

// testGiteaRotateRootNotAdmin: only a site admin can set a password
// through the API; for any other bot rotate-root is a 400 saying so, and
// nothing changes.
func testGiteaRotateRootNotAdmin(t *testing.T, e *giteaEngine) {
	_, err := e.v.api().Logical().Write(e.path+"/rotate-root/gt", nil)
	if msg := refusal(t, "rotate-root of a bot that is no site admin", err); !strings.Contains(msg, "site administrator") {
		t.Errorf("the refusal does not say what rotation needs: %s", msg)
	}
	if e.fake.Password(giteaBot) != giteaPassword {
		t.Fatal("a refused rotate-root changed the password")
	}
	e.writeRole(t, "read", "config=gt", "scopes=read:repository")
	c := e.readCreds(t, "read")
	e.v.vault(t, "lease", "revoke", c.LeaseID)
	e.waitTokenDead(t, "vault lease revoke after a refused rotate-root", c)
}

// testGiteaLeaseExpiry: Gitea tokens have no expiry of their own, so the
// lease's end, with no one asking, is what deletes them.
func testGiteaLeaseExpiry(t *testing.T, e *giteaEngine) {
	e.writeRole(t, "short", "config=gt", "scopes=read:repository", "ttl="+shortTTL.String())
	c := e.readCreds(t, "short")
	if c.LeaseDuration != int(shortTTL.Seconds()) {
		t.Fatalf("%v: lease_duration %ds, want %s", c, c.LeaseDuration, shortTTL)
	}
	if got := e.repoStatus(t, c.token(), giteaApp); got != http.StatusOK {
		t.Fatalf("%v reads with status %d before its lease ends", c, got)
	}
	e.waitTokenDead(t, "lease expiry", c)
	e.waitInventory(t, "after lease expiry")
}

// testGiteaLostCreation: the server makes a token and the answer is lost.
// The request fails and its write-ahead log entry stays; once old enough,
// Vault's rollback finds the token by its name and deletes it.
func testGiteaLostCreation(t *testing.T, e *giteaEngine) {
	e.writeRole(t, "read", "config=gt", "scopes=read:repository")
	uuid := e.mountUUID(t)
	e.fake.InjectFault(fakegitea.Fault{Method: http.MethodPost, Route: giteaCreate, DropAfterCommit: true, Times: 1})
	// The API client, unlike the CLI, does not retry a failed request.
	if s, err := e.v.api().Logical().Read(e.path + "/creds/read"); err == nil {
		t.Fatalf("creds/read succeeded though its answer was dropped (lease %s)", s.LeaseID)
	}
	if n := e.fake.LiveTokens(giteaBot); n != 1 {
		t.Fatalf("the fake holds %d live tokens after the dropped answer, want the 1 it made", n)
	}
	keys, err := vaultserver.WALKeys(e.v.api(), uuid)
	if err != nil || len(keys) != 1 {
		t.Fatalf("the write-ahead log holds %d entries (%v), want the lost creation's", len(keys), err)
	}
	if err := vaultserver.AgeWAL(e.v.api(), uuid, upgradeWALAge); err != nil {
		t.Fatal(err)
	}
	e.v.eventually(t, upgradeTickTimeout, "the rollback of the lost creation", func() error {
		keys, err := vaultserver.WALKeys(e.v.api(), uuid)
		switch {
		case err != nil:
			return err
		case len(keys) > 0:
			return fmt.Errorf("%d write-ahead log entries not rolled back", len(keys))
		case e.fake.LiveTokens(giteaBot) > 0:
			return fmt.Errorf("the log is empty, but the bot still has %d live tokens", e.fake.LiveTokens(giteaBot))
		}
		return nil
	})
	if e.fake.Calls(http.MethodDelete, giteaCreate+"/{token}") == 0 {
		t.Error("the rollback deleted no token at the fake")
	}
}

// testGiteaLimits: what a holder could use to outlive the lease, and the
// operator mistakes that would strand live tokens, are refused. A write:user
// role is a 400 (on Gitea a write:user token, given as the basic-auth
// password, mints tokens of any scope for the bot). While a token is live,
// the connection may not move to another bot account (revocation as that
// user would find nothing) nor be deleted; the same account written with
// its name in other case is the same account, and its tokens still revoke.
func testGiteaLimits(t *testing.T, e *giteaEngine) {
	_, err := e.v.api().Logical().Write(e.path+"/roles/mint", map[string]any{"config": "gt", "scopes": "read:repository,write:user"})
	if msg := refusal(t, "a role with write:user", err); !strings.Contains(msg, "write:user") {
		t.Errorf("the refusal does not name write:user: %s", msg)
	}
	conf := e.v.vault(t, "read", "-format=json", e.path+"/config/gt")
	if !strings.Contains(conf, "every repository") {
		t.Errorf("config/gt of a site-admin bot does not say its tokens reach every repository: %s", conf)
	}

	e.writeRole(t, "read", "config=gt", "scopes=read:repository")
	c := e.readCreds(t, "read")
	e.fake.AddUser("other-bot", "other-password-0001", false)
	_, err = e.v.api().Logical().Write(e.path+"/config/gt", map[string]any{"username": "other-bot", "password": "other-password-0001"})
	refusal(t, "moving config/gt to another bot while a token is live", err)
	_, err = e.v.api().Logical().Delete(e.path + "/config/gt")
	refusal(t, "deleting config/gt while a token is live", err)
	if _, err := e.v.api().Logical().Write(e.path+"/config/gt", map[string]any{"username": strings.ToUpper(giteaBot)}); err != nil {
		t.Fatalf("the same bot in upper case: %v", err)
	}
	e.v.vault(t, "lease", "revoke", c.LeaseID)
	e.waitTokenDead(t, "vault lease revoke after the username's case changed", c)
}
