package gitsecrets

import (
	"context"
	"sync"
	"testing"

	"github.com/hashicorp/vault/sdk/helper/locksutil"
	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
)

// The client cache against credential changes: a request that read a
// connection before its credential changed, and builds its client after
// the change dropped the cached one, must not leave a client holding the
// old credential for the requests after it. Each test puts the change at
// exactly that point (beforeClient) rather than hope a race hits it.

// onceBeforeClient runs step once, at the next client lookup for
// connection name: after that request read the connection, before it
// builds a client.
func onceBeforeClient(b *backend, name string, step func()) {
	var once sync.Once
	b.beforeClient = func(conn *connection) {
		if conn.Name == name {
			once.Do(step)
		}
	}
}

// onceBeforeClientOrAfter is onceBeforeClient for a step that takes the
// connection's write lock (rotate-root, a config write): a creds request
// holds the read lock from reading the connection to recording its lease,
// so there the step cannot run in between; it runs at once when it can,
// and otherwise as soon as the request lets go. The returned wait blocks
// until the step has run.
func onceBeforeClientOrAfter(b *backend, name string, step func()) (wait func()) {
	done := make(chan struct{})
	onceBeforeClient(b, name, func() {
		run := func() {
			defer close(done)
			step()
		}
		lock := locksutil.LockForKey(b.configLocks, name)
		if lock.TryLock() {
			lock.Unlock()
			run()
			return
		}
		go run()
	})
	return func() { <-done }
}

// assertCachedToken checks that the engine caches a client again, and one
// built from token.
func assertCachedToken(t *testing.T, b *backend, name, token string) {
	t.Helper()
	b.clientsMu.Lock()
	c, ok := b.clients[name]
	b.clientsMu.Unlock()
	if !ok {
		t.Fatal("no client is cached")
	}
	if glToken(c.cred) != token {
		t.Fatal("the cached client holds another token than the connection's")
	}
}

// staleRequest sends the request that read the connection before the
// change. It acts with what it read and may fail; a token it got is
// revoked, so none is left at the provider.
func staleRequest(e *testEnv, path string) {
	e.t.Helper()
	resp, err := e.request(logical.ReadOperation, path, nil)
	if err == nil && resp != nil && !resp.IsError() {
		// A rotation waiting for this request's lock may run while the
		// revocation is between reading the connection and building its
		// client: that attempt fails as a stale revocation does, and
		// Vault retries it.
		if err := e.revoke(resp); err != nil {
			if err := e.revoke(resp); err != nil {
				e.t.Fatalf("revoking the token of the stale request, retried: %v", err)
			}
		}
	}
}

// TestStaleCredsRequestAfterRotateRoot: a creds request reads the
// connection, rotate-root replaces the token (GitLab revokes the old one),
// then the request builds its client. Creds requests hold the connection's
// read lock, so the rotation waits for the request to finish; were it to
// run in between, the request would act with the revoked token and may
// fail. Either way every request after it must work, and a lease issued
// before the rotation must revoke.
func TestStaleCredsRequestAfterRotateRoot(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	addProjectRole(e)
	lease := e.ok(logical.ReadOperation, "creds/app", nil)

	rotated := onceBeforeClientOrAfter(e.b, "gl", func() { e.ok(logical.UpdateOperation, "rotate-root/gl", nil) })
	staleRequest(e.testEnv, "creds/app")
	rotated()
	if _, live := w.gl.Lookup(w.token); live {
		t.Fatal("the rotation did not run")
	}

	e.issueAndRevoke("app")
	if err := e.revoke(lease); err != nil {
		t.Fatalf("revoking a lease issued before the rotation: %v", err)
	}
	assertCachedToken(t, e.b, "gl", w.liveConnectionToken(t).Token)
}

// TestStaleRevocationAfterRotateRoot is the same with a revocation as the
// request that read the connection before the rotation: it may fail once
// (Vault retries it); the retry, other revocations and issuing must work.
func TestStaleRevocationAfterRotateRoot(t *testing.T) {
	t.Parallel()
	e, _ := newGitLabRotEnv(t, nil)
	addProjectRole(e)
	first := e.ok(logical.ReadOperation, "creds/app", nil)
	second := e.ok(logical.ReadOperation, "creds/app", nil)

	onceBeforeClient(e.b, "gl", func() { e.ok(logical.UpdateOperation, "rotate-root/gl", nil) })
	if err := e.revoke(first); err != nil {
		// The stale revocation; Vault retries it.
		if err := e.revoke(first); err != nil {
			t.Fatalf("retrying the revocation: %v", err)
		}
	}
	if err := e.revoke(second); err != nil {
		t.Fatalf("revoking after the rotation: %v", err)
	}
	e.issueAndRevoke("app")
}

// TestStaleClientAfterInvalidate: on a node that gets the connection by
// replication (a performance secondary, or a standby), another node
// rotates the token and Vault reports the write through Invalidate while a
// request of this node is between reading the connection and building its
// client.
func TestStaleClientAfterInvalidate(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	addProjectRole(e)
	replica := e.start(t)
	lease := replica.ok(logical.ReadOperation, "creds/app", nil)

	onceBeforeClient(replica.b, "gl", func() {
		e.ok(logical.UpdateOperation, "rotate-root/gl", nil)
		replica.b.invalidate(context.Background(), configStoragePrefix+"gl")
	})
	staleRequest(replica, "creds/app")

	resp := replica.ok(logical.ReadOperation, "creds/app", nil)
	if err := replica.revoke(resp); err != nil {
		t.Fatalf("revoke on the replica: %v", err)
	}
	if err := replica.revoke(lease); err != nil {
		t.Fatalf("revoking a lease issued before the rotation: %v", err)
	}
	assertCachedToken(t, replica.b, "gl", w.liveConnectionToken(t).Token)
}

// TestStaleGitHubClientAfterInvalidate: the same for a GitHub App whose
// signing key moves to the staged one. The old key still works until the
// operator deletes it on GitHub; from then on the replica must sign with
// the new key.
func TestStaleGitHubClientAfterInvalidate(t *testing.T) {
	t.Parallel()
	e, gh := newGitHubRotEnv(t, nil)
	oldKey, newKey := appKey(t), secondKey(t)
	gh.SetAppKeys(testAppID, &oldKey.PublicKey, &newKey.PublicKey)
	e.ok(logical.UpdateOperation, "config/gh", map[string]any{"staged_private_keys": pemPKCS8(t, newKey)})
	replica := e.start(t)
	lease := replica.ok(logical.ReadOperation, "creds/r", nil)

	onceBeforeClient(replica.b, "gh", func() {
		e.ok(logical.UpdateOperation, "rotate-root/gh", nil)
		replica.b.invalidate(context.Background(), configStoragePrefix+"gh")
	})
	staleRequest(replica, "creds/r")

	// The operator deletes the old key on GitHub, as docs/rotation.md says.
	gh.SetAppKeys(testAppID, &newKey.PublicKey)
	resp := replica.ok(logical.ReadOperation, "creds/r", nil)
	if err := replica.revoke(resp); err != nil {
		t.Fatalf("revoke on the replica: %v", err)
	}
	if err := replica.revoke(lease); err != nil {
		t.Fatalf("revoking a lease issued before the rotation: %v", err)
	}
}

// TestConcurrentCredsAndRotateRoot issues and revokes from two goroutines
// while a third rotates the GitLab token again and again (run it with
// -race). Requests that raced a rotation may fail; once the rotations are
// done, issuing works, every lease revokes and no token is left at GitLab.
func TestConcurrentCredsAndRotateRoot(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	addProjectRole(e)
	const rotations, requests = 8, 20
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		leases []*logical.Response
	)
	wg.Add(3)
	go func() {
		defer wg.Done()
		for i := 0; i < rotations; i++ {
			resp, err := e.request(logical.UpdateOperation, "rotate-root/gl", nil)
			if err != nil || resp.IsError() {
				t.Errorf("rotation %d: %v %v", i, err, resp)
				return
			}
		}
	}()
	for g := 0; g < 2; g++ {
		go func() {
			defer wg.Done()
			for i := 0; i < requests; i++ {
				resp, err := e.request(logical.ReadOperation, "creds/app", nil)
				if err != nil || resp.IsError() {
					continue
				}
				mu.Lock()
				leases = append(leases, resp)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()

	e.issueAndRevoke("app")
	for _, l := range leases {
		if err := e.revoke(l); err != nil {
			t.Fatalf("revoke: %v", err)
		}
	}
	for _, tok := range w.gl.LiveTokens() {
		if tok.Kind != fakegitlab.KindPersonal {
			t.Fatalf("a %s token is still live at GitLab after every lease was revoked", tok.Kind)
		}
	}
}
