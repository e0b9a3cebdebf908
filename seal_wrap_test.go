package gitsecrets

import (
	"strings"
	"testing"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
)

// assertSealWrapped fails for each storage key holding one of secrets whose
// prefix the backend does not declare in SealWrapStorage.
func assertSealWrapped(t *testing.T, b *backend, s logical.Storage, secrets map[string]string) {
	t.Helper()
	wrapped := b.SpecialPaths().SealWrapStorage
	for what, secret := range secrets {
		for _, key := range storedUnder(t, s, secret) {
			ok := false
			for _, p := range wrapped {
				ok = ok || strings.HasPrefix(key, p)
			}
			if !ok {
				t.Errorf("%s is stored under %s, which is not seal-wrapped (SealWrapStorage %v)", what, key, wrapped)
			}
		}
	}
}

// Every place a GitHub credential rests is seal-wrapped: the App key
// (config/), a token whose revocation waits in the queue (revocations/),
// and a token an interrupted request left to the WAL rollback (wal/). A
// live lease's token rests only in the lease.
func TestSealWrapCoversGitHubCredentials(t *testing.T) {
	t.Parallel()
	e := newQueueEnv(t)
	secrets := map[string]string{"the App key": strings.Split(pemPKCS1(appKey(t)), "\n")[1]}

	lease := e.ok(logical.ReadOperation, "creds/ci", nil)
	secrets["a leased token"] = lease.Data["token"].(string)

	queued := e.ok(logical.ReadOperation, "creds/ci", nil)
	secrets["a queued token"] = queued.Data["token"].(string)
	e.limitRevocations()
	e.revokeUntilQueued(queued)
	e.gh.ClearFaults()
	if len(e.queued()) != 1 {
		t.Fatal("the token is not queued")
	}

	fs := &faultyStorage{Storage: e.storage}
	e.storage = fs
	fs.failDelete.Store("wal/")
	e.gh.InjectFault(fakegithub.Fault{Method: "DELETE", Route: fakegithub.RouteInstallationToken, Status: 502})
	if _, err := e.request(logical.ReadOperation, "creds/ci", nil); err == nil {
		t.Fatal("creds succeeded despite the storage failure")
	}
	fs.failDelete.Store("")
	e.gh.ClearFaults()
	for _, tok := range e.gh.LiveTokens() {
		if tok.Token != secrets["a leased token"] && tok.Token != secrets["a queued token"] {
			secrets["an interrupted request's token"] = tok.Token
		}
	}
	if secrets["an interrupted request's token"] == "" {
		t.Fatal("no interrupted request's token")
	}

	assertSealWrapped(t, e.b, e.storage, secrets)

	e.gh.AllowLiveTokens()
}

// GitLab: the connection's token (config/), a static role's token
// (static-roles/) and a leased token.
func TestSealWrapCoversGitLabCredentials(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	e.ok(logical.CreateOperation, "roles/app", map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api"})
	lease := e.ok(logical.ReadOperation, "creds/app", nil)
	defer e.revoke(lease)
	e.ok(logical.CreateOperation, "static-roles/cd", map[string]any{
		"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_registry", "rotation_period": "168h",
	})
	defer e.ok(logical.DeleteOperation, "static-roles/cd", nil)
	assertSealWrapped(t, e.b, e.storage, map[string]string{
		"the connection's token": w.token,
		"a static role's token":  staticCreds(t, e, w, "cd")["token"].(string),
		"a leased token":         lease.Data["token"].(string),
	})
}
