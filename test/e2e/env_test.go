package e2e

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/vaultserver"
)

// The environment every scenario shares:
//
//	v := startVault(t, vaultserver.StorageInmem) // a server, plugin registered
//	e := v.mountEngine(t, "git-x")               // fakes + mount + connections gh, gl
//	e.writeRole(t, "gh", role("gh")...)          // `vault write git-x/roles/gh ...`
//	c := e.readCreds(t, "gh")                    // `vault read git-x/creds/gh`
//	e.requireLive(t, c)                          // checked at the fake
//	v.vault(t, "lease", "revoke", c.LeaseID)
//	e.waitRevoked(t, "after lease revoke", c)    // dead at the fake, gone from tokens/
//
// Failures quote lease ids and token refs, never a token.

const (
	// pollInterval is how often a wait looks again.
	pollInterval = 200 * time.Millisecond
	// revokeTimeout bounds how long Vault may take to revoke a lease at the
	// provider once it has decided to. Generous, because the machine is small
	// and shared; a wait returns as soon as its condition holds.
	revokeTimeout = time.Minute
	// logTailLines is how much of the Vault log a failed wait quotes.
	logTailLines = 40
	// cliTimeout bounds one CLI call made with another token than root.
	cliTimeout = 2 * time.Minute
)

// The fake providers' world, the same in every engine.
const (
	githubAppID = 42
	githubOwner = "acme"
	gitlabGroup = "acme"
	gitlabProj  = "acme/app"
	gitlabBot   = "ci-bot"
	gitlabOwner = 50 // GitLab's Owner access level
)

// The TTLs every mount gets: a default for roles without ttl, and a maximum
// far above every scenario's needs.
const (
	mountDefault = "10m"
	mountMax     = "2h"
)

// githubRepos are every repository of the App's installation on acme.
func githubRepos() []string { return []string{"app", "infra", "docs"} }

// githubGrant is what the App was granted on the installation.
func githubGrant() map[string]string {
	return map[string]string{"contents": "write", "metadata": "read", "pull_requests": "write", "packages": "read", "issues": "write"}
}

// vaultEnv is one real Vault server with the engine's plugin registered in
// its catalog at version.
type vaultEnv struct {
	srv      *vaultserver.Server
	vaultBin string
	version  string
}

// startVault starts a server on storage with the suite's plugin registered,
// and stops it when the test ends. Servers share the suite's plugin
// directory, so a test that adds plugin binaries uses
// startVaultWithPluginDir instead.
func startVault(t *testing.T, storage vaultserver.Storage) *vaultEnv {
	t.Helper()
	bins := vaultserver.FindBinaries(t)
	return launchVault(t, bins.Options(storage), bins.Plugin, bins.Version)
}

// startVaultWithPluginDir is startVault with a plugin directory of the
// test's own, holding a copy of the suite's plugin, which it returns.
func startVaultWithPluginDir(t *testing.T, storage vaultserver.Storage) (*vaultEnv, string) {
	t.Helper()
	bins := vaultserver.FindBinaries(t)
	dir := t.TempDir()
	plugin := filepath.Join(dir, vaultserver.PluginName)
	if err := copyExecutable(bins.Plugin, plugin); err != nil {
		t.Fatal(err)
	}
	opts := bins.Options(storage)
	opts.PluginDir = dir
	return launchVault(t, opts, plugin, bins.Version), dir
}

func launchVault(t *testing.T, opts vaultserver.Options, plugin, version string) *vaultEnv {
	t.Helper()
	srv := vaultserver.Start(t, opts)
	v := &vaultEnv{srv: srv, vaultBin: opts.VaultBin, version: version}
	if err := srv.RegisterPlugin(vaultserver.PluginName, plugin, version); err != nil {
		t.Fatalf("register plugin: %v\n%s", err, v.logTail())
	}
	return v
}

// vault runs the vault CLI as root and returns its stdout, failing the test
// when the command fails. The failure quotes the command name and stderr,
// never the arguments or stdout, which may hold secrets.
func (v *vaultEnv) vault(t testing.TB, args ...string) string {
	t.Helper()
	out, _, err := v.srv.CLI(args...)
	if err != nil {
		t.Fatalf("%v\n--- end of the Vault log ---\n%s", err, v.logTail())
	}
	return out
}

// vaultAs runs the vault CLI authenticated with token rather than root. Its
// error, like Server.CLI's, names the command but quotes no argument.
func (v *vaultEnv) vaultAs(token string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, v.vaultBin, args...)
	cmd.Env = withoutVaultVars("VAULT_ADDR="+v.srv.Addr, "VAULT_TOKEN="+token)
	var out, errOut bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errOut
	if err := cmd.Run(); err != nil {
		name := ""
		if len(args) > 0 {
			name = args[0]
		}
		return "", fmt.Errorf("vault %s (as another token): %w: %s", name, err, strings.TrimSpace(errOut.String()))
	}
	return out.String(), nil
}

// withoutVaultVars is this process's environment minus every VAULT_*
// variable, plus extra: a developer's own VAULT_ADDR or VAULT_TOKEN must not
// reach the processes under test.
func withoutVaultVars(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VAULT_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// api is a Vault API client authenticated as root.
func (v *vaultEnv) api() *api.Client { return v.srv.Client() }

// childToken creates a token, a child of the root token, with the display
// name and policies given, and returns it. Vault names its requests
// "token-<displayName>".
func (v *vaultEnv) childToken(t testing.TB, displayName string, policies ...string) string {
	t.Helper()
	args := []string{"token", "create", "-format=json", "-display-name=" + displayName, "-ttl=30m"}
	for _, p := range policies {
		args = append(args, "-policy="+p)
	}
	var resp struct {
		Auth struct {
			ClientToken string `json:"client_token"`
		} `json:"auth"`
	}
	if err := json.Unmarshal([]byte(v.vault(t, args...)), &resp); err != nil || resp.Auth.ClientToken == "" {
		t.Fatalf("vault token create: unexpected output (%v)", err)
	}
	return resp.Auth.ClientToken
}

// credsPolicy writes a policy that may read and narrow <mount>/creds/* and
// nothing else, and returns its name.
func (v *vaultEnv) credsPolicy(t testing.TB, mount string) string {
	t.Helper()
	name := "creds-" + mount
	rules := fmt.Sprintf("path %q {\n  capabilities = [\"read\", \"update\"]\n}\n", mount+"/creds/*")
	if err := v.api().Sys().PutPolicy(name, rules); err != nil {
		t.Fatalf("write policy %s: %v", name, err)
	}
	return name
}

// displayName is the display name Vault records for requests made with
// token (root when token is empty), the requester the inventory shows.
func (v *vaultEnv) displayName(t testing.TB, token string) string {
	t.Helper()
	c := v.api()
	if token != "" {
		c.SetToken(token)
	}
	s, err := c.Auth().Token().LookupSelf()
	if err != nil {
		t.Fatalf("token lookup-self: %v", err)
	}
	name, _ := s.Data["display_name"].(string)
	return name
}

// eventually polls cond until it returns nil, and fails the test with
// cond's last error and the tail of the Vault log when timeout passes first
// or cond gives up (see giveUp).
func (v *vaultEnv) eventually(t testing.TB, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		var stop gaveUp
		if errors.As(err, &stop) || time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %v\n--- end of the Vault log ---\n%s", what, timeout, err, v.logTail())
		}
		time.Sleep(pollInterval)
	}
}

// gaveUp marks a condition that can no longer come true.
type gaveUp struct{ error }

// giveUp makes eventually fail at once with err.
func giveUp(err error) error { return gaveUp{err} }

// logHas returns nil once a line of the server's log (plugin logs
// included) holds every one of parts: how a test sees Vault's own work,
// such as a failed revocation, that no API shows.
func (v *vaultEnv) logHas(parts ...string) error {
	b, err := os.ReadFile(v.srv.LogFile())
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if !slices.ContainsFunc(parts, func(p string) bool { return !strings.Contains(line, p) }) {
			return nil
		}
	}
	return fmt.Errorf("no line of the Vault log holds %q", parts)
}

// logTail is the end of the server's log, plugin logs included.
func (v *vaultEnv) logTail() string { return vaultserver.FileTail(v.srv.LogFile(), logTailLines) }

// engine is one mount of the plugin with connection "gh" to a fake GitHub
// and "gl" to a fake GitLab, both of which run in this test binary.
type engine struct {
	v    *vaultEnv
	path string // mount path without a trailing slash, e.g. "git-revoke"
	gh   *fakegithub.Server
	gl   *fakegitlab.Server
	// The GitLab resources roles point at, as the fake names token parents.
	glProject, glGroup, glBot int64
	// The credentials the connections are configured with.
	githubKey   string // the App's private key, PEM
	gitlabToken string // the engine's admin token at the fake GitLab
}

// mountEngine starts the fakes, mounts the engine at path (pinned to the
// registered version) and configures its connections. When the test ends
// the mount is disabled first, which revokes every lease the test left, and
// then the fakes fail the test for any token still live.
func (v *vaultEnv) mountEngine(t *testing.T, path string) *engine {
	t.Helper()
	e := v.mountUnconfigured(t, path)
	e.configure(t)
	return e
}

// mountUnconfigured is mountEngine without the connections, for tests that
// write them another way (Terraform).
func (v *vaultEnv) mountUnconfigured(t *testing.T, path string) *engine {
	t.Helper()
	e := &engine{v: v, path: path}
	// Started before the mount so that their cleanups, which check for
	// leaked tokens and close them, run after the mount's.
	e.startGitHub(t)
	e.startGitLab(t)

	v.vault(t, "secrets", "enable", "-path="+path, "-plugin-version="+v.version,
		"-default-lease-ttl="+mountDefault, "-max-lease-ttl="+mountMax, vaultserver.PluginName)
	t.Cleanup(func() {
		if _, _, err := v.srv.CLI("secrets", "disable", path+"/"); err != nil {
			t.Errorf("cleanup: %v\n--- end of the Vault log ---\n%s", err, v.logTail())
		}
	})
	return e
}

func (e *engine) startGitHub(t *testing.T) {
	e.gh = fakegithub.Start(t, fakegithub.Options{})
	key := fakegithub.GenerateKey(t)
	e.gh.AddApp(fakegithub.App{ID: githubAppID, ClientID: "Iv1.e2etestclient", Slug: "vault-git", Name: "Vault Git"}, &key.PublicKey)
	e.gh.AddInstallation(fakegithub.Installation{
		AppID:       githubAppID,
		Account:     githubOwner,
		AccountType: "Organization",
		AllRepos:    githubRepos(),
		Permissions: githubGrant(),
	})
	e.githubKey = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
}

func (e *engine) startGitLab(t *testing.T) {
	e.gl = fakegitlab.Start(t, fakegitlab.Options{})
	e.glGroup = e.gl.AddGroup(gitlabGroup)
	e.glProject = e.gl.AddProject(gitlabProj)
	e.glBot = e.gl.AddUser(gitlabBot, false)
	admin := e.gl.AddUser("vault-admin", true)
	e.gl.AddMember(gitlabGroup, admin, gitlabOwner)
	e.gl.AddMember(gitlabProj, admin, gitlabOwner)
	e.gitlabToken, _ = e.gl.AddPersonalToken(admin, "vault", []string{"api"}, time.Now().AddDate(0, 6, 0))
}

// configure writes config/gh and config/gl through the API.
func (e *engine) configure(t *testing.T) {
	t.Helper()
	for name, fields := range map[string]map[string]any{
		"gh": {"provider": "github", "app_id": githubAppID, "private_key": e.githubKey, "base_url": e.gh.URL()},
		"gl": {"provider": "gitlab", "token": e.gitlabToken, "base_url": e.gl.URL()},
	} {
		if _, err := e.v.api().Logical().Write(e.path+"/config/"+name, fields); err != nil {
			t.Fatalf("write %s/config/%s: %v\n%s", e.path, name, err, e.v.logTail())
		}
	}
}

// standardRoles are one role per provider and token type, as `vault write`
// arguments, by name.
func standardRoles() map[string][]string {
	return map[string][]string{
		"gh":          {"config=gh", "owner=" + githubOwner, "repositories=app,infra", "permissions=contents=read,pull_requests=write"},
		"gl-project":  {"config=gl", "token_type=project", "path=" + gitlabProj, "scopes=read_api,read_repository", "access_level=developer"},
		"gl-group":    {"config=gl", "token_type=group", "path=" + gitlabGroup, "scopes=read_api,read_registry", "access_level=reporter"},
		"gl-deploy":   {"config=gl", "token_type=deploy", "path=" + gitlabProj, "scopes=read_registry,read_repository"},
		"gl-personal": {"config=gl", "token_type=personal", "path=" + gitlabBot, "scopes=read_api"},
	}
}

// role is the standard role base's fields followed by extra ones, which
// override them: role("gh", "ttl=10s").
func role(base string, extra ...string) []string {
	fields, ok := standardRoles()[base]
	if !ok {
		panic("e2e: no standard role " + base)
	}
	return append(fields, extra...)
}

// writeRole runs `vault write <mount>/roles/<name> fields...`.
func (e *engine) writeRole(t testing.TB, name string, fields ...string) {
	t.Helper()
	e.v.vault(t, append([]string{"write", e.path + "/roles/" + name}, fields...)...)
}

// creds is a creds/ response as `vault read -format=json` prints it.
type creds struct {
	LeaseID       string         `json:"lease_id"`
	LeaseDuration int            `json:"lease_duration"`
	Renewable     bool           `json:"renewable"`
	Data          map[string]any `json:"data"`
}

func credsFromSecret(s *api.Secret) *creds {
	return &creds{LeaseID: s.LeaseID, LeaseDuration: s.LeaseDuration, Renewable: s.Renewable, Data: s.Data}
}

func (c *creds) token() string { s, _ := c.Data["token"].(string); return s }
func (c *creds) ref() string   { s, _ := c.Data["token_ref"].(string); return s }

// String names the lease in messages; it never shows the token.
func (c *creds) String() string { return fmt.Sprintf("lease %s (token_ref %s)", c.LeaseID, c.ref()) }

// readCreds runs `vault read -format=json <mount>/creds/<role>` as root.
func (e *engine) readCreds(t testing.TB, role string) *creds {
	t.Helper()
	c, err := e.tryReadCreds("", role)
	if err != nil {
		t.Fatalf("%v\n--- end of the Vault log ---\n%s", err, e.v.logTail())
	}
	return c
}

// readCredsAs is readCreds authenticated with token.
func (e *engine) readCredsAs(t testing.TB, token, role string) *creds {
	t.Helper()
	c, err := e.tryReadCreds(token, role)
	if err != nil {
		t.Fatalf("%v\n--- end of the Vault log ---\n%s", err, e.v.logTail())
	}
	return c
}

// tryReadCreds is readCreds that returns its error, for waits; token ""
// means root.
func (e *engine) tryReadCreds(token, role string) (*creds, error) {
	args := []string{"read", "-format=json", e.path + "/creds/" + role}
	var out string
	var err error
	if token == "" {
		out, _, err = e.v.srv.CLI(args...)
	} else {
		out, err = e.v.vaultAs(token, args...)
	}
	if err != nil {
		return nil, err
	}
	c := &creds{}
	if err := json.Unmarshal([]byte(out), c); err != nil {
		return nil, fmt.Errorf("vault read %s/creds/%s: output is not JSON: %v", e.path, role, err)
	}
	if c.LeaseID == "" || c.token() == "" || c.ref() == "" {
		return nil, fmt.Errorf("vault read %s/creds/%s: no lease, token or token_ref in the response", e.path, role)
	}
	return c, nil
}

// live reports whether c's token still works at the fake that issued it.
func (e *engine) live(c *creds) bool {
	// Both fakes are asked, so connection names do not matter: a token is
	// known to the one that issued it only.
	if _, ok := e.gh.Lookup(c.token()); ok {
		return true
	}
	_, ok := e.gl.Lookup(c.token())
	return ok
}

// requireLive fails the test unless every token is live at its provider.
func (e *engine) requireLive(t testing.TB, cs ...*creds) {
	t.Helper()
	for _, c := range cs {
		if !e.live(c) {
			t.Fatalf("%v is not live at the provider", c)
		}
	}
}

// waitDead waits until no token of cs works at its provider.
func (e *engine) waitDead(t testing.TB, timeout time.Duration, why string, cs ...*creds) {
	t.Helper()
	e.v.eventually(t, timeout, why+": tokens revoked at the provider", func() error {
		var live []string
		for _, c := range cs {
			if e.live(c) {
				live = append(live, c.String())
			}
		}
		if len(live) > 0 {
			return fmt.Errorf("still live: %s", strings.Join(live, "; "))
		}
		return nil
	})
}

// waitRevoked waits until every token of cs is dead at its provider and
// tokens/ no longer lists it.
func (e *engine) waitRevoked(t testing.TB, why string, cs ...*creds) {
	t.Helper()
	e.waitDead(t, revokeTimeout, why, cs...)
	e.v.eventually(t, revokeTimeout, why+": tokens gone from tokens/", func() error {
		inv, err := e.tryInventory()
		if err != nil {
			return err
		}
		for _, c := range cs {
			if _, listed := inv[c.ref()]; listed {
				return fmt.Errorf("tokens/ still lists %v", c)
			}
		}
		return nil
	})
}

// inventoryEntry is one tokens/ list entry's key_info.
type inventoryEntry struct {
	Role      string `json:"role"`
	Config    string `json:"config"`
	TokenType string `json:"token_type"`
	Requester string `json:"requester"`
	IssuedAt  string `json:"issued_at"`
	ExpiresAt string `json:"expires_at"`
	// Static roles' tokens only.
	Static  bool `json:"static"`
	Current bool `json:"current"`
}

// inventory lists tokens/ through the API, which, unlike `vault list`,
// returns each entry's details.
func (e *engine) inventory(t testing.TB) map[string]inventoryEntry {
	t.Helper()
	inv, err := e.tryInventory()
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func (e *engine) tryInventory() (map[string]inventoryEntry, error) {
	s, err := e.v.api().Logical().List(e.path + "/tokens/")
	if err != nil {
		return nil, fmt.Errorf("list %s/tokens/: %w", e.path, err)
	}
	inv := map[string]inventoryEntry{}
	if s == nil {
		return inv, nil
	}
	raw, err := json.Marshal(s.Data["key_info"])
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &inv); err != nil {
		return nil, fmt.Errorf("tokens/ key_info: %w", err)
	}
	keys, _ := s.Data["keys"].([]any)
	if len(keys) != len(inv) {
		return nil, fmt.Errorf("tokens/ lists %d keys but describes %d", len(keys), len(inv))
	}
	return inv, nil
}

// waitInventory waits until tokens/ lists exactly the tokens of cs.
func (e *engine) waitInventory(t testing.TB, why string, cs ...*creds) {
	t.Helper()
	var want []string
	for _, c := range cs {
		want = append(want, c.ref())
	}
	sort.Strings(want)
	e.v.eventually(t, revokeTimeout, why+": tokens/ lists exactly the live tokens", func() error {
		inv, err := e.tryInventory()
		if err != nil {
			return err
		}
		got := make([]string, 0, len(inv))
		for ref := range inv {
			got = append(got, ref)
		}
		sort.Strings(got)
		if !slices.Equal(got, want) {
			return fmt.Errorf("tokens/ lists %v, want %v", got, want)
		}
		return nil
	})
}

// revokeAll runs `vault lease revoke -prefix <mount>/creds/` and waits until
// the tokens of cs are revoked, to end a scenario tidily.
func (e *engine) revokeAll(t testing.TB, cs ...*creds) {
	t.Helper()
	e.v.vault(t, "lease", "revoke", "-prefix", e.path+"/creds/")
	e.waitRevoked(t, "lease revoke -prefix", cs...)
}

// requireNoToken fails the test when text contains the token of any of cs.
func requireNoToken(t testing.TB, where, text string, cs ...*creds) {
	t.Helper()
	for _, c := range cs {
		if strings.Contains(text, c.token()) {
			t.Fatalf("%s shows the token of %v", where, c)
		}
	}
}

// copyExecutable copies the file at src to dst with mode 0755.
func copyExecutable(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
