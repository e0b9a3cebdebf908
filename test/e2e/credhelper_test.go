package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/vaultserver"
)

// TestGitCredentialHelper runs the real `git clone`, `git push` and `git
// fetch` with cmd/git-credential-vault as git's only credential helper,
// against a Git server that asks the fake GitHub whether each token may read
// (contents:read) or push (contents:write). The helper reads creds as a user
// whose policy allows one role only, with the mount and roles mapped in
// git config as the docs say.
func TestGitCredentialHelper(t *testing.T) {
	v := startVault(t, vaultserver.StorageInmem)
	e := v.mountEngine(t, "git-credhelper")
	cloneURL, _ := clientsGitServer(t,
		func(r *http.Request, repo string) error { return e.gh.CheckBasicAuth(r, repo, "contents", "read") },
		func(r *http.Request, repo string) error { return e.gh.CheckBasicAuth(r, repo, "contents", "write") })
	writer := []string{"config=gh", "owner=" + githubOwner, "repositories=app", "permissions=contents=write"}
	e.writeRole(t, "helper-push", writer...)
	e.writeRole(t, "helper-short", append(writer, "ttl="+shortTTL.String())...)
	e.writeRole(t, "helper-denied", writer...)
	policy := "helper-user"
	rules := fmt.Sprintf("path %q { capabilities = [\"read\"] }\npath %q { capabilities = [\"read\"] }\npath \"sys/leases/revoke\" { capabilities = [\"update\"] }\n",
		e.path+"/creds/helper-push", e.path+"/creds/helper-short")
	if err := v.api().Sys().PutPolicy(policy, rules); err != nil {
		t.Fatal(err)
	}
	g := newHelperGit(t, v, cloneURL, e.path, v.childToken(t, "git-user", policy))

	t.Run("clone and push read one token, kept in the cache", func(t *testing.T) {
		dir := g.clone(t, "helper-push")
		first := g.cached(t, "helper-push")
		g.commitAndPush(t, dir, "helper-push")
		if again := g.cached(t, "helper-push"); again.LeaseID != first.LeaseID {
			t.Fatalf("the push read lease %s, want the cached %s", again.LeaseID, first.LeaseID)
		}
		e.requireLive(t, first.creds())
	})

	t.Run("an expired token is replaced by a new one", func(t *testing.T) {
		dir := g.clone(t, "helper-short")
		old := g.cached(t, "helper-short")
		// The lease runs out, Vault revokes the token at GitHub; the cache
		// still holds it.
		e.waitDead(t, shortTTL+revokeTimeout, "lease expiry", old.creds())
		g.commitAndPush(t, dir, "helper-short")
		if renewed := g.cached(t, "helper-short"); renewed.LeaseID == old.LeaseID {
			t.Fatalf("the push used the expired lease %s", old.LeaseID)
		}
	})

	t.Run("a token revoked under the cache is erased, the next command reads anew", func(t *testing.T) {
		dir := g.clone(t, "helper-push")
		old := g.cached(t, "helper-push")
		v.vault(t, "lease", "revoke", old.LeaseID)
		e.waitDead(t, revokeTimeout, "lease revoke", old.creds())
		// git gets 401 with the cached token, fails, and tells the helper
		// to erase it.
		if out, err := g.run(t, dir, "helper-push", "fetch", "--quiet"); err == nil {
			t.Fatalf("fetch with a revoked token succeeded:\n%s", out)
		} else if !strings.Contains(out, "Authentication failed") {
			t.Fatalf("fetch with a revoked token: %v\n%s", err, out)
		}
		if _, ok := g.tryCached("helper-push"); ok {
			t.Fatal("the rejected token is still cached after git's erase")
		}
		if out, err := g.run(t, dir, "helper-push", "fetch", "--quiet"); err != nil {
			t.Fatalf("fetch after erase: %v\n%s", err, out)
		}
	})

	t.Run("a refused role gives git a clear message", func(t *testing.T) {
		out, err := g.run(t, "", "helper-denied", "clone", "--quiet", cloneURL, filepath.Join(t.TempDir(), "clone"))
		if err == nil {
			t.Fatalf("clone with a refused role succeeded:\n%s", out)
		}
		t.Logf("git clone with a refused role:\n%s", out)
		for _, want := range []string{"git-credential-vault: role helper-denied", e.path + "/creds/helper-denied", "403", "permission denied"} {
			if !strings.Contains(out, want) {
				t.Errorf("git's output does not say %q:\n%s", want, out)
			}
		}
	})

	t.Run("a URL without a role is named", func(t *testing.T) {
		out, err := g.run(t, "", "", "clone", "--quiet", cloneURL, filepath.Join(t.TempDir(), "clone"))
		if err == nil || !strings.Contains(out, "no Vault role for "+g.base) {
			t.Fatalf("clone without a role: %v\n%s", err, out)
		}
	})
}

// helperGit runs git as a user of the helper: its own HOME, git config and
// helper cache, the user's Vault token in VAULT_TOKEN.
type helperGit struct {
	base     string // the server's URL, the credential.<url> key
	env      []string
	cacheDir string
}

func newHelperGit(t *testing.T, v *vaultEnv, cloneURL, mount, token string) *helperGit {
	t.Helper()
	home := t.TempDir()
	helper := filepath.Join(t.TempDir(), "git-credential-vault")
	build := exec.Command("go", "build", "-o", helper, "github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/cmd/git-credential-vault")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the helper: %v\n%s", err, out)
	}
	u, err := url.Parse(cloneURL)
	if err != nil {
		t.Fatal(err)
	}
	base := u.Scheme + "://" + u.Host
	// The empty helper drops any configured before it, as a user would.
	config := fmt.Sprintf("[credential]\n\thelper =\n\thelper = %s\n[credential %q]\n\tvaultMount = %s\n[user]\n\tname = e2e\n\temail = e2e@example.com\n",
		helper, base, mount)
	gitconfig := filepath.Join(home, ".gitconfig")
	if err := os.WriteFile(gitconfig, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range withoutVaultVars() {
		if !strings.HasPrefix(kv, "GIT_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "XDG_") {
			env = append(env, kv)
		}
	}
	env = append(env, "HOME="+home, "XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+gitconfig, "GIT_TERMINAL_PROMPT=0",
		"VAULT_ADDR="+v.srv.Addr, "VAULT_TOKEN="+token,
		"NO_PROXY=127.0.0.1,localhost,::1", "no_proxy=127.0.0.1,localhost,::1")
	return &helperGit{base: base, env: env, cacheDir: filepath.Join(home, ".cache", "git-credential-vault")}
}

// run runs git in dir with role mapped to the server's URL on the command
// line (none when role is ""), and returns its combined output.
func (g *helperGit) run(t *testing.T, dir, role string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), clientsTimeout)
	defer cancel()
	var pre []string
	if dir != "" {
		pre = append(pre, "-C", dir)
	}
	if role != "" {
		pre = append(pre, "-c", "credential."+g.base+".vaultRole="+role)
	}
	cmd := exec.CommandContext(ctx, "git", append(pre, args...)...)
	cmd.Env = g.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	for _, e := range g.entries() {
		requireNoToken(t, "git's output", out.String(), e.creds())
	}
	return out.String(), err
}

// clone clones the repository into a new directory with role.
func (g *helperGit) clone(t *testing.T, role string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "clone")
	cloneURL := g.base + "/" + clientsRepo + ".git"
	if out, err := g.run(t, "", role, "clone", "--quiet", cloneURL, dir); err != nil {
		t.Fatalf("git clone with role %s: %v\n%s", role, err, out)
	}
	return dir
}

// commitAndPush commits in dir and pushes to the server's main branch, and
// checks that the server has the commit.
func (g *helperGit) commitAndPush(t *testing.T, dir, role string) {
	t.Helper()
	if out, err := g.run(t, dir, role, "commit", "--quiet", "--allow-empty", "-m", "from the helper test"); err != nil {
		t.Fatalf("git commit: %v\n%s", err, out)
	}
	if out, err := g.run(t, dir, role, "push", "--quiet", "origin", "HEAD:main"); err != nil {
		t.Fatalf("git push with role %s: %v\n%s", role, err, out)
	}
	local, _ := g.run(t, dir, "", "rev-parse", "HEAD")
	remote, err := g.run(t, dir, role, "ls-remote", "origin", "refs/heads/main")
	if err != nil || !strings.HasPrefix(remote, strings.TrimSpace(local)) {
		t.Fatalf("the server's main is %q (%v), want the pushed %s", remote, err, local)
	}
}

// cacheEntry is the part of the helper's cache file the test looks at.
type cacheEntry struct {
	Role     string `json:"role"`
	Password string `json:"password"`
	LeaseID  string `json:"lease_id"`
}

// creds is the entry as the engine's creds, for the fake's liveness checks.
func (c cacheEntry) creds() *creds {
	return &creds{LeaseID: c.LeaseID, Data: map[string]any{"config": "gh", "token": c.Password}}
}

func (g *helperGit) entries() []cacheEntry {
	files, _ := filepath.Glob(filepath.Join(g.cacheDir, "*.json"))
	var es []cacheEntry
	for _, f := range files {
		var e cacheEntry
		if data, err := os.ReadFile(f); err == nil && json.Unmarshal(data, &e) == nil {
			es = append(es, e)
		}
	}
	return es
}

func (g *helperGit) tryCached(role string) (cacheEntry, bool) {
	for _, e := range g.entries() {
		if e.Role == role {
			return e, true
		}
	}
	return cacheEntry{}, false
}

// cached is role's cache entry; the test fails without one, or when the
// cache is readable by others.
func (g *helperGit) cached(t *testing.T, role string) cacheEntry {
	t.Helper()
	e, ok := g.tryCached(role)
	if !ok || e.LeaseID == "" {
		t.Fatalf("no cache entry with a lease for role %s in %s", role, g.cacheDir)
	}
	info, err := os.Stat(g.cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o700 {
		t.Fatalf("the cache directory has mode %o, want 0700", mode)
	}
	return e
}
