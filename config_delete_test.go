package gitsecrets

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// A connection cannot be deleted while tokens it issued are live, for any
// provider: revoking them needs it (GitLab's credential, a GitHub
// Enterprise Server's private CA). The refusal says how many and names a
// revoke prefix per role.
func TestConfigDeleteRefusedWhileTokensLive(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{"config": "gh", "owner": "acme"})
	e.ok(logical.CreateOperation, "roles/c", map[string]any{"config": "gh", "owner": "acme"})
	leases := []*logical.Response{
		e.ok(logical.ReadOperation, "creds/ci", nil),
		e.ok(logical.ReadOperation, "creds/ci", nil),
		e.ok(logical.ReadOperation, "creds/c", nil),
	}
	// A deleted role's leases still count and are still named.
	e.ok(logical.DeleteOperation, "roles/c", nil)

	msg := e.bad(logical.DeleteOperation, "config/gh", nil)
	for _, want := range []string{
		`connection "gh" has 3 live tokens`,
		"vault lease revoke -prefix git/creds/c/",
		"vault lease revoke -prefix git/creds/ci/",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("refusal %q does not say %q", msg, want)
		}
	}
	if resp := e.ok(logical.ReadOperation, "config/gh", nil); resp == nil {
		t.Fatal("a refused delete deleted the connection")
	}

	for _, l := range leases {
		if err := e.revoke(l); err != nil {
			t.Fatal(err)
		}
	}
	e.ok(logical.DeleteOperation, "config/gh", nil)
}

// Tokens of other connections do not hold a connection back.
func TestConfigDeleteIgnoresOtherConnectionsTokens(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	e.ok(logical.CreateOperation, "config/other", map[string]any{
		"provider": "github", "app_id": testAppID, "private_key": pemPKCS1(appKey(t)), "base_url": e.gh.URL(),
	})
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{"config": "gh", "owner": "acme"})
	resp := e.ok(logical.ReadOperation, "creds/ci", nil)
	defer e.revoke(resp)
	e.ok(logical.DeleteOperation, "config/other", nil)
}

// A token whose lease has ended but whose revocation waits in the engine's
// queue is still live: the queue needs the connection to revoke it, and the
// refusal says that no lease command helps.
func TestConfigDeleteRefusedWhileRevocationQueued(t *testing.T) {
	t.Parallel()
	e := newQueueEnv(t)
	resp := e.ok(logical.ReadOperation, "creds/ci", nil)
	e.limitRevocations()
	e.revokeUntilQueued(resp)
	msg := e.bad(logical.DeleteOperation, "config/gh", nil)
	if !strings.Contains(msg, "1 live token") || !strings.Contains(msg, "revocation queue") {
		t.Fatalf("refusal %q does not name the queued token", msg)
	}
	e.gh.ClearFaults()
	e.now = e.now.Add(11 * time.Minute)
	e.drain()
	e.ok(logical.DeleteOperation, "config/gh", nil)
}

// A GitHub Enterprise Server behind a private CA: its tokens issue and
// revoke through the connection's ca_cert, and the connection, which alone
// holds that CA, cannot be deleted from under a live lease.
func TestGHESBehindPrivateCA(t *testing.T) {
	t.Parallel()
	ca := fakeserver.NewPrivateCA(t)
	e := newGitHubEnvConfig(t, fakegithub.Options{ServerCert: &ca.ServerCert},
		map[string]any{"base_url": "/api/v3", "ca_cert": ca.CertPEM})
	if !strings.HasPrefix(e.gh.GHESURL(), "https://127.0.0.1:") {
		t.Fatalf("the fake is not served over TLS: %s", e.gh.GHESURL())
	}
	// Without the CA the server is not trusted.
	if msg := e.bad(logical.CreateOperation, "config/untrusted", map[string]any{
		"provider": "github", "app_id": testAppID, "private_key": pemPKCS1(appKey(t)), "base_url": e.gh.GHESURL(),
	}); !strings.Contains(msg, "certificate") {
		t.Errorf("config without ca_cert: %q, want a certificate error", msg)
	}

	e.ok(logical.CreateOperation, "roles/ci", map[string]any{"config": "gh", "owner": "acme"})
	resp := e.ok(logical.ReadOperation, "creds/ci", nil)
	token := resp.Data["token"].(string)
	if _, ok := e.gh.Lookup(token); !ok {
		t.Fatal("issued token is not live at the server")
	}
	if msg := e.bad(logical.DeleteOperation, "config/gh", nil); !strings.Contains(msg, "1 live token") {
		t.Fatalf("delete with a live lease: %q", msg)
	}
	if err := e.revoke(resp); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.gh.Lookup(token); ok {
		t.Fatal("token still live after revoke")
	}
	e.ok(logical.DeleteOperation, "config/gh", nil)
}
