package reliability

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
)

// The fake providers' world, the same behind every mount.
const (
	githubAppID      = 42
	githubOwner      = "acme"
	gitlabGroup      = "acme"
	gitlabProject    = "acme/app"
	gitlabOwnerLevel = 50
)

// appKeys are the GitHub App's private keys: the one that signs and one
// staged for rotate-root. Generating RSA keys is slow, so a test makes
// them once and shares them between its mounts.
type appKeys struct {
	signing, staged *rsa.PrivateKey
}

func newAppKeys(t testing.TB) appKeys {
	return appKeys{signing: fakegithub.GenerateKey(t), staged: fakegithub.GenerateKey(t)}
}

// engine is one mount of the plugin with connection "gh" to a fake GitHub
// and "gl" to a fake GitLab of its own, and roles "gh" and "gl".
type engine struct {
	v    *vaultEnv
	c    *api.Client
	path string // mount path without a trailing slash
	gh   *fakegithub.Server
	gl   *fakegitlab.Server
	keys appKeys
	// The fakes' addresses, as the connections are configured.
	ghURL, glURL string
	glProject    int64 // the id of acme/app at the fake GitLab

	gitlabToken string // the token config/gl was written with
	glAdmin     int64  // the GitLab user config/gl acts as

	mu     sync.Mutex
	issued []*creds // every creds answer, to tell leased tokens from strays
	// mayLeak turns off the end-of-test check for live tokens.
	mayLeak bool
}

// creds is what a creds/ read returned.
type creds struct {
	LeaseID string
	Token   string
	Ref     string
	TokenID int64 // GitLab's id of the token
	Config  string
}

// String names the lease; it never shows the token.
func (c *creds) String() string { return fmt.Sprintf("lease %s (token_ref %s)", c.LeaseID, c.Ref) }

// roleTTL is the lease TTL of the standard roles.
const roleTTL = "30s"

// newEngine starts fakes, mounts the engine at path and configures both
// connections and both roles. When the test ends the mount is disabled,
// which revokes its leases, before the fakes check for live tokens.
func newEngine(t *testing.T, v *vaultEnv, path string, keys appKeys) *engine {
	t.Helper()
	e := &engine{v: v, c: v.api(), path: path, keys: keys}
	// Started first, so that their leak checks run after the mount's
	// cleanup has revoked what the test left.
	e.gh = fakegithub.Start(t, fakegithub.Options{})
	e.gl = fakegitlab.Start(t, fakegitlab.Options{})
	e.ghURL, e.glURL = e.gh.URL(), e.gl.URL()
	e.setUp(t)
	return e
}

// newEngineBehind is newEngine with the fakes served through wrap, which
// sees every request and answer between the engine and them.
func newEngineBehind(t *testing.T, v *vaultEnv, path string, keys appKeys, wrap func(http.Handler) http.Handler) *engine {
	t.Helper()
	e := &engine{v: v, c: v.api(), path: path, keys: keys}
	e.gh = fakegithub.New(fakegithub.Options{})
	e.gl = fakegitlab.New(fakegitlab.Options{})
	ghSrv := httptest.NewServer(wrap(e.gh.Handler()))
	glSrv := httptest.NewServer(wrap(e.gl.Handler()))
	// Registered first, so it runs after the mount's cleanup.
	t.Cleanup(func() {
		ghSrv.Close()
		glSrv.Close()
		e.gh.Close()
		e.gl.Close()
		e.checkLeaks(t)
	})
	e.ghURL, e.glURL = ghSrv.URL, glSrv.URL
	e.setUp(t)
	return e
}

// allowLeaks is for cases whose token loss no engine could prevent.
func (e *engine) allowLeaks() {
	e.mayLeak = true
	e.gh.AllowLiveTokens()
	e.gl.AllowLiveTokens()
}

// checkLeaks fails the test for tokens still live at the fakes once the
// engine is gone, the GitLab connection's own token family aside: what
// the fakes' own check does for fakes made by Start.
func (e *engine) checkLeaks(t testing.TB) {
	if e.mayLeak {
		return
	}
	if n := len(e.gh.LiveTokens()); n > 0 {
		t.Errorf("%d GitHub installation tokens still live at the end of the test", n)
	}
	for _, tok := range e.gl.LiveTokens() {
		if tok.Kind != fakegitlab.KindPersonal || tok.UserID != e.glAdmin {
			t.Errorf("GitLab %s token %d %q still live at the end of the test", tok.Kind, tok.ID, tok.Name)
		}
	}
}

// setUp seeds the fakes, mounts the engine and writes the connections and
// roles.
func (e *engine) setUp(t *testing.T) {
	t.Helper()
	v, path, keys := e.v, e.path, e.keys
	e.gh.AddApp(fakegithub.App{ID: githubAppID, Slug: "vault-git", Name: "Vault Git"}, &keys.signing.PublicKey, &keys.staged.PublicKey)
	e.gh.AddInstallation(fakegithub.Installation{
		AppID:       githubAppID,
		Account:     githubOwner,
		AllRepos:    []string{"app", "infra"},
		Permissions: map[string]string{"contents": "write", "metadata": "read"},
	})
	e.gl.AddGroup(gitlabGroup)
	e.glProject = e.gl.AddProject(gitlabProject)
	e.glAdmin = e.gl.AddUser("vault-admin", true)
	e.gl.AddMember(gitlabGroup, e.glAdmin, gitlabOwnerLevel)
	e.gl.AddMember(gitlabProject, e.glAdmin, gitlabOwnerLevel)
	e.gitlabToken, _ = e.gl.AddPersonalToken(e.glAdmin, "vault", []string{"api"}, time.Now().AddDate(0, 6, 0))

	v.mount(t, e.c, path)
	t.Cleanup(func() { e.teardown(t) })
	e.write(t, "config/gh", map[string]any{
		"provider": "github", "app_id": githubAppID, "base_url": e.ghURL,
		"private_key": pemOf(keys.signing), "staged_private_keys": pemOf(keys.staged),
	})
	e.write(t, "config/gl", map[string]any{"provider": "gitlab", "token": e.gitlabToken, "base_url": e.glURL})
	e.write(t, "roles/gh", map[string]any{
		"config": "gh", "owner": githubOwner, "repositories": "app", "permissions": "contents=read", "ttl": roleTTL,
	})
	e.write(t, "roles/gl", map[string]any{
		"config": "gl", "token_type": "project", "path": gitlabProject, "scopes": "read_api",
		"access_level": "developer", "ttl": roleTTL,
	})
}

// teardown deletes the static roles, which revokes their tokens, and
// disables the mount, which revokes its leases. (Disabling a mount revokes
// leases only: the engine has no hook for it, and its static roles'
// tokens would live on until their expiry at the provider.)
func (e *engine) teardown(t testing.TB) {
	list, err := e.c.Logical().List(e.path + "/static-roles/")
	if err != nil {
		t.Errorf("cleanup: list static-roles/: %v", err)
	}
	if list != nil {
		names, _ := list.Data["keys"].([]any)
		for _, n := range names {
			if _, err := e.c.Logical().Delete(fmt.Sprintf("%s/static-roles/%v", e.path, n)); err != nil {
				t.Errorf("cleanup: delete static-roles/%v: %v", n, err)
			}
		}
	}
	if err := e.c.Sys().Unmount(e.path); err != nil {
		t.Errorf("cleanup: unmount %s: %v\n%s", e.path, err, e.v.logTail())
	}
}

// write writes path under the mount and fails the test on an error.
func (e *engine) write(t testing.TB, path string, data map[string]any) *api.Secret {
	t.Helper()
	s, err := e.c.Logical().Write(e.path+"/"+path, data)
	if err != nil {
		t.Fatalf("write %s/%s: %v\n%s", e.path, path, err, e.v.logTail())
	}
	return s
}

// read reads path under the mount and fails the test on an error.
func (e *engine) read(t testing.TB, path string) *api.Secret {
	t.Helper()
	s, err := e.c.Logical().Read(e.path + "/" + path)
	if err != nil {
		t.Fatalf("read %s/%s: %v\n%s", e.path, path, err, e.v.logTail())
	}
	if s == nil {
		t.Fatalf("read %s/%s: nothing there", e.path, path)
	}
	return s
}

// tryCreds reads creds/role and remembers the answer.
func (e *engine) tryCreds(role string) (*creds, error) {
	s, err := e.c.Logical().Read(e.path + "/creds/" + role)
	if err != nil {
		return nil, err
	}
	if s == nil || s.LeaseID == "" {
		return nil, fmt.Errorf("creds/%s: no lease in the answer", role)
	}
	c := credsOf(s)
	if c.Token == "" || c.Ref == "" {
		return nil, fmt.Errorf("creds/%s: no token or token_ref in the answer", role)
	}
	e.mu.Lock()
	e.issued = append(e.issued, c)
	e.mu.Unlock()
	return c, nil
}

// mustCreds is tryCreds that fails the test on an error.
func (e *engine) mustCreds(t testing.TB, role string) *creds {
	t.Helper()
	c, err := e.tryCreds(role)
	if err != nil {
		t.Fatalf("read %s/creds/%s: %v\n%s", e.path, role, err, e.v.logTail())
	}
	return c
}

func credsOf(s *api.Secret) *creds {
	c := &creds{LeaseID: s.LeaseID}
	c.Token, _ = s.Data["token"].(string)
	c.Ref, _ = s.Data["token_ref"].(string)
	c.Config, _ = s.Data["config"].(string)
	if n, ok := s.Data["token_id"].(json.Number); ok {
		c.TokenID, _ = n.Int64()
	}
	return c
}

// live reports whether c's token works at the fake that issued it.
func (e *engine) live(c *creds) bool {
	if c.Config == "gh" {
		_, ok := e.gh.Lookup(c.Token)
		return ok
	}
	_, ok := e.gl.Lookup(c.Token)
	return ok
}

// strays counts the tokens live at the fakes that nothing in the engine
// holds: not a live lease, not a static role, not a connection. They are
// what a fault could leak.
func (e *engine) strays() (int, error) {
	leased := map[string]bool{}
	e.mu.Lock()
	issued := append([]*creds(nil), e.issued...)
	e.mu.Unlock()
	for _, c := range issued {
		ok, err := leaseExists(e.c, c.LeaseID)
		if err != nil {
			return 0, err
		}
		if ok {
			leased[c.Token] = true
		}
	}
	held, err := e.heldGitLabIDs()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, tok := range e.gh.LiveTokens() {
		if !leased[tok.Token] {
			n++
		}
	}
	for _, tok := range e.gl.LiveTokens() {
		if !leased[tok.Token] && !held[tok.ID] {
			n++
		}
	}
	return n, nil
}

// heldGitLabIDs are the GitLab tokens the engine keeps outside leases: the
// connection's own token and the static roles' current and previous ones.
func (e *engine) heldGitLabIDs() (map[int64]bool, error) {
	held := map[int64]bool{}
	conn, err := e.c.Logical().Read(e.path + "/config/gl")
	if err != nil {
		return nil, fmt.Errorf("read config/gl: %w", err)
	}
	if conn != nil {
		held[jsonInt(conn.Data["token_id"])] = true
	}
	list, err := e.c.Logical().List(e.path + "/static-roles/")
	if err != nil {
		return nil, fmt.Errorf("list static-roles/: %w", err)
	}
	if list == nil {
		return held, nil
	}
	names, _ := list.Data["keys"].([]any)
	for _, n := range names {
		r, err := e.c.Logical().Read(e.path + "/static-roles/" + fmt.Sprint(n))
		if err != nil {
			return nil, fmt.Errorf("read static-roles/%v: %w", n, err)
		}
		if r == nil {
			continue
		}
		held[jsonInt(r.Data["token_id"])] = true
		previous, _ := r.Data["previous_tokens"].([]any)
		for _, p := range previous {
			m, _ := p.(map[string]any)
			held[jsonInt(m["token_id"])] = true
		}
	}
	return held, nil
}

// worksAfterwards issues one more token through the connection and checks
// it at the fake: the engine still has a working credential. The lease is
// revoked again.
func (e *engine) worksAfterwards(role string) error {
	c, err := e.tryCreds(role)
	if err != nil {
		return fmt.Errorf("creds/%s: %s", role, errorText(err))
	}
	if !e.live(c) {
		return fmt.Errorf("creds/%s: %v is not live at the provider", role, c)
	}
	if err := e.c.Sys().Revoke(c.LeaseID); err != nil {
		return fmt.Errorf("revoke %v: %s", c, errorText(err))
	}
	return nil
}

// mountUUID is the id under which Vault keeps the mount's storage.
func (e *engine) mountUUID() (string, error) {
	mounts, err := e.c.Sys().ListMounts()
	if err != nil {
		return "", err
	}
	m, ok := mounts[e.path+"/"]
	if !ok {
		return "", fmt.Errorf("mount %s not found", e.path)
	}
	return m.UUID, nil
}

func jsonInt(v any) int64 {
	switch n := v.(type) {
	case json.Number:
		i, _ := n.Int64()
		return i
	case float64:
		return int64(n)
	case int64:
		return n
	}
	return 0
}

// pkcs8Of is k as a PKCS#8 PEM, the form key-converting tools produce.
func pkcs8Of(t testing.TB, k *rsa.PrivateKey) string {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func pemOf(k *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

// firstLine is s on one line without Vault's "1 error occurred:" wrapping,
// cut to n characters, for tables.
func firstLine(s string, n int) string {
	var parts []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "* "))
		if line == "" || strings.HasSuffix(line, "error occurred:") || strings.HasSuffix(line, "errors occurred:") {
			continue
		}
		parts = append(parts, line)
	}
	s = strings.Join(parts, "; ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}

// leasedInventory lists the ids of tokens/ entries that are leased tokens,
// not static roles' tokens (which tokens/ lists for as long as their role
// holds them).
func (e *engine) leasedInventory() ([]string, error) {
	s, err := e.c.Logical().List("git/tokens/")
	if err != nil || s == nil {
		return nil, err
	}
	info, _ := s.Data["key_info"].(map[string]any)
	var leased []string
	for ref, row := range info {
		if fields, _ := row.(map[string]any); fields["static"] != true {
			leased = append(leased, ref)
		}
	}
	return leased, nil
}
