package gitsecrets

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// Orderings the engine must survive, each forced rather than hoped for: a
// request is held at the fake provider (fakeserver.Gate) while another
// step runs, then released. client_cache_test.go holds the ordering
// "read connection, rotate-root, build client".

const (
	projectTokensRoute = "/projects/{id}/access_tokens"
	projectTokenRoute  = "/projects/{id}/access_tokens/{token_id}"
)

// holdNext holds the next request to method route at the fake until the
// returned gate is released.
func holdNext(inject func(fakeserver.Fault), method, route string, answerOnly bool) *fakeserver.Gate {
	gate := fakeserver.NewGate()
	inject(fakeserver.Fault{Method: method, Route: route, Hold: gate, HoldAnswer: answerOnly, Times: 1})
	return gate
}

// inBackground runs f in a goroutine; the channel gives its result.
func inBackground[T any](f func() T) <-chan T {
	ch := make(chan T, 1)
	go func() { ch <- f() }()
	return ch
}

type result struct {
	resp *logical.Response
	err  error
}

func (r result) failed() bool { return r.err != nil || (r.resp != nil && r.resp.IsError()) }

// succeeded fails t unless r did, and gives its response; what names the
// request.
func (r result) succeeded(t testing.TB, what string) *logical.Response {
	t.Helper()
	if r.failed() {
		t.Fatalf("%s: %v %v", what, r.err, r.resp)
	}
	return r.resp
}

// requestInBackground sends the request in a goroutine; the channel gives
// its result.
func (e *testEnv) requestInBackground(op logical.Operation, path string, data map[string]any) <-chan result {
	return inBackground(func() result {
		resp, err := e.request(op, path, data)
		return result{resp, err}
	})
}

// credsHeldAtCreate starts a creds request of role app and returns once its
// create call is held at w's GitLab (only GitLab's answer, with
// answerOnly) until the gate is released.
func credsHeldAtCreate(e *rotEnv, w *gitlabWorld, answerOnly bool) (*fakeserver.Gate, <-chan result) {
	gate := holdNext(w.gl.InjectFault, "POST", projectTokensRoute, answerOnly)
	issued := e.requestInBackground(logical.ReadOperation, "creds/app", nil)
	<-gate.Arrived()
	return gate, issued
}

// revokeAcrossRotateRoot revokes lease with its request to method route
// held at GitLab until rotate-root has replaced (and so revoked) the
// connection's token. The revocation may fail, and Vault's retry must then
// succeed, but it must not report success with token (what names it) live;
// afterwards token is not live.
func revokeAcrossRotateRoot(t *testing.T, e *rotEnv, w *gitlabWorld, lease *logical.Response, method, route, token, what string) {
	t.Helper()
	gate := holdNext(w.gl.InjectFault, method, route, false)
	revoked := inBackground(func() error { return e.revoke(lease) })
	<-gate.Arrived()
	e.ok(logical.UpdateOperation, "rotate-root/gl", nil)
	gate.Release()

	if err := <-revoked; err == nil {
		if _, live := w.gl.Lookup(token); live {
			t.Fatalf("the revocation reported success while %s is live at GitLab", what)
		}
	} else if err := e.revoke(lease); err != nil {
		t.Fatalf("Vault's retry of the revocation: %v", err)
	}
	if _, live := w.gl.Lookup(token); live {
		t.Fatalf("%s is still live at GitLab after its lease was revoked", what)
	}
}

// configChangeDuringCreds sends a change of connection gl (op with data)
// while a creds request's create call is held at w's GitLab. The creds
// request must succeed, and the change must be refused (why says what it
// would have done) while the request's token lives; it gives the lease.
func configChangeDuringCreds(t *testing.T, e *rotEnv, w *gitlabWorld, op logical.Operation, data map[string]any, why string) *logical.Response {
	t.Helper()
	gate, issued := credsHeldAtCreate(e, w, false)
	changed := e.requestInBackground(op, "config/gl", data)
	gate.Release()
	resp := (<-issued).succeeded(t, "creds")
	if c := <-changed; !c.failed() {
		t.Fatal(why)
	}
	return resp
}

// TestRevocationHeldAcrossRotateRoot: a revocation has its client and sends
// its DELETE; GitLab sees it only after rotate-root replaced (and so
// revoked) the token it carries, and answers 401. The revocation must fail
// (Vault retries it), not report a token revoked that is alive; the retry
// revokes it with the new token.
func TestRevocationHeldAcrossRotateRoot(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	addProjectRole(e)
	lease := e.ok(logical.ReadOperation, "creds/app", nil)
	issued := lease.Data["token"].(string)

	revokeAcrossRotateRoot(t, e, w, lease, "DELETE", projectTokenRoute, issued, "the token")
	e.issueAndRevoke("app")
}

// TestGitHubRevocationHeldAcrossKeyRotation: the same with a GitHub App
// whose signing key moves to the staged one, and the operator deleting the
// old key on GitHub, while a revocation is on its way. An installation
// token revokes itself, so no key is needed: the revocation succeeds.
func TestGitHubRevocationHeldAcrossKeyRotation(t *testing.T) {
	t.Parallel()
	e, gh := newGitHubRotEnv(t, nil)
	oldKey, newKey := appKey(t), secondKey(t)
	gh.SetAppKeys(testAppID, &oldKey.PublicKey, &newKey.PublicKey)
	e.ok(logical.UpdateOperation, "config/gh", map[string]any{"staged_private_keys": pemPKCS8(t, newKey)})
	lease := e.ok(logical.ReadOperation, "creds/r", nil)
	issued := lease.Data["token"].(string)

	gate := holdNext(gh.InjectFault, "DELETE", fakegithub.RouteInstallationToken, false)
	revoked := inBackground(func() error { return e.revoke(lease) })
	<-gate.Arrived()
	e.ok(logical.UpdateOperation, "rotate-root/gh", nil)
	gh.SetAppKeys(testAppID, &newKey.PublicKey)
	gate.Release()

	if err := <-revoked; err != nil {
		t.Fatalf("revocation across the key rotation: %v", err)
	}
	if _, live := gh.Lookup(issued); live {
		t.Fatal("the token is still live at GitHub after its lease was revoked")
	}
	resp := e.ok(logical.ReadOperation, "creds/r", nil)
	if err := e.revoke(resp); err != nil {
		t.Fatalf("revoke after the rotation: %v", err)
	}
}

// TestCredsHeldAcrossBaseURLChange: a creds request read the connection and
// is creating its token at GitLab A when an operator points the connection
// at GitLab B. Once A has made the token, moving the connection would
// leave its lease unable to revoke (A's handle means nothing at B, and
// the connection's credential is never sent to A again): the write must
// wait for the request and then be refused while the token lives, and the
// lease must name A and revoke there.
func TestCredsHeldAcrossBaseURLChange(t *testing.T) {
	t.Parallel()
	e, a := newGitLabRotEnv(t, nil)
	addProjectRole(e)
	b := newGitLabWorld(t, e.clock)

	resp := configChangeDuringCreds(t, e, a, logical.UpdateOperation, map[string]any{"base_url": b.gl.URL(), "token": b.token},
		"the connection moved to another base_url while a token it issued is live")
	if got := resp.Secret.InternalData["base_url"]; got != a.gl.URL() {
		t.Fatalf("the lease names %v, want GitLab A (%s)", got, a.gl.URL())
	}
	if err := e.revoke(resp); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if n := b.gl.TotalCalls(); n != 0 {
		t.Fatalf("%d requests reached GitLab B", n)
	}
	if _, live := a.gl.Lookup(resp.Data["token"].(string)); live {
		t.Fatal("the token is still live at GitLab A after its lease was revoked")
	}
	// With no live token, the connection may move.
	e.ok(logical.UpdateOperation, "config/gl", map[string]any{"base_url": b.gl.URL(), "token": b.token})
}

// TestConfigDeleteDuringCreds: a delete of the connection arrives while a
// creds request is creating its token (not yet in the inventory the
// delete checks). The delete must not leave that token's lease without the
// connection its revocation needs: it waits for the request, then is
// refused.
func TestConfigDeleteDuringCreds(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	addProjectRole(e)
	resp := configChangeDuringCreds(t, e, w, logical.DeleteOperation, nil,
		"the connection was deleted while a token it issued is live")
	if err := e.revoke(resp); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	e.ok(logical.DeleteOperation, "config/gl", nil)
}

// TestRotateRootUnsavedThenRestart: GitLab rotates the connection's token
// but storage refuses the connection write; a creds request works with the
// token memory holds; then the plugin is reloaded (clean, whose flush fails
// too) while storage still refuses. The new engine must act with the
// rotated token from the write-ahead log, not with the stored one GitLab
// revoked, and store it once storage recovers.
func TestRotateRootUnsavedThenRestart(t *testing.T) {
	t.Parallel()
	for _, reload := range []string{"clean", "crash"} {
		t.Run(reload, func(t *testing.T) {
			t.Parallel()
			e, w := newGitLabRotEnv(t, nil)
			addProjectRole(e)
			e.rotateRootUnsaved("config/")
			rotated := w.liveConnectionToken(t).Token
			e.issueAndRevoke("app")

			if reload == "clean" {
				e.restart()
			} else {
				e.crash()
			}
			e.issueAndRevoke("app")

			e.storage.failWrites()
			e.tick()
			e.requireStoredToken(rotated, "the rotated token was not stored once storage recovered")
			e.restart()
			e.issueAndRevoke("app")
		})
	}
}

// TestUnsavedRotationThenRotateRoot: a second rotate-root while the first
// one's token waits in memory must rotate that token, not the stored one
// GitLab already revoked (which would fail, or with a lost answer make
// GitLab revoke the whole family).
func TestUnsavedRotationThenRotateRoot(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	addProjectRole(e)
	e.rotateRootUnsaved("config/")
	e.storage.failWrites()
	e.ok(logical.UpdateOperation, "rotate-root/gl", nil)
	live := w.liveConnectionToken(t)
	e.requireStoredToken(live.Token, "the stored token is not GitLab's live one")
	e.restart()
	e.issueAndRevoke("app")
}

// TestTwoRotateRootsInTurn: a rotate-root arrives while another one's
// self-rotate call is on its way to GitLab. The connection lock makes the
// second wait and then rotate the first one's result: two rotations, one
// live token, and the engine works.
func TestTwoRotateRootsInTurn(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	addProjectRole(e)
	gate := holdNext(w.gl.InjectFault, "POST", rotateRoute, false)
	first := e.requestInBackground(logical.UpdateOperation, "rotate-root/gl", nil)
	<-gate.Arrived()
	second := e.requestInBackground(logical.UpdateOperation, "rotate-root/gl", nil)
	gate.Release()
	for i, ch := range []<-chan result{first, second} {
		(<-ch).succeeded(t, fmt.Sprintf("rotate-root %d", i+1))
	}
	if n := w.gl.Calls("POST", rotateRoute); n != 2 {
		t.Fatalf("%d self-rotations, want 2", n)
	}
	live := w.liveConnectionToken(t)
	e.requireStoredToken(live.Token, "the stored token is not GitLab's live one")
	e.issueAndRevoke("app")
}

// TestRotateRootRacesScheduledTick: a scheduled rotation falls due while a
// rotate-root is at GitLab. The tick waits for it, then finds the schedule
// moved on and does not rotate again.
func TestRotateRootRacesScheduledTick(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, map[string]any{"rotation_period": "24h"})
	addProjectRole(e)
	e.clock.Set(rotationStart.Add(24 * time.Hour))
	w.gl.ResetCalls()
	gate := holdNext(w.gl.InjectFault, "POST", rotateRoute, false)
	manual := e.requestInBackground(logical.UpdateOperation, "rotate-root/gl", nil)
	<-gate.Arrived()
	ticked := inBackground(func() bool { e.tick(); return true })
	gate.Release()
	(<-manual).succeeded(t, "rotate-root")
	<-ticked
	if n := w.gl.Calls("POST", rotateRoute); n != 1 {
		t.Fatalf("%d self-rotations, want 1", n)
	}
	w.liveConnectionToken(t)
	e.issueAndRevoke("app")
}

// TestRollbackWhileCreateHeld: Vault's rollback of a creds request's WAL
// entry runs while the request's create call is still on its way to
// GitLab (the rollback finds nothing and drops the entry). The request
// then completes: its token has a lease, which revokes it.
func TestRollbackWhileCreateHeld(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	addProjectRole(e)
	gate, issued := credsHeldAtCreate(e, w, false)
	e.rollback()
	gate.Release()
	resp := (<-issued).succeeded(t, "creds")
	token := resp.Data["token"].(string)
	if _, live := w.gl.Lookup(token); !live {
		t.Fatal("the lease's token is not live")
	}
	if err := e.revoke(resp); err != nil {
		t.Fatal(err)
	}
	if _, live := w.gl.Lookup(token); live {
		t.Fatal("the token is live after its lease was revoked")
	}
}

// TestSlowCreateNotLeasedAfterRollbackAge: GitLab created the token, but
// its answer takes longer than walRollbackMinAge to reach the engine, and
// Vault's rollback of the request's WAL entry has meanwhile found the
// token by name and revoked it. The request must not then hand out a lease
// for the revoked token: past the rollback's age it does not commit.
func TestSlowCreateNotLeasedAfterRollbackAge(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	addProjectRole(e)
	gate, issued := credsHeldAtCreate(e, w, true)
	e.clock.Advance(walRollbackMinAge + time.Minute)
	e.rollback()
	gate.Release()
	r := <-issued
	if !r.failed() {
		token := r.resp.Data["token"].(string)
		if _, live := w.gl.Lookup(token); !live {
			t.Fatal("the request returned a lease for a token the WAL rollback had revoked")
		}
		if err := e.revoke(r.resp); err != nil {
			t.Fatal(err)
		}
	}
	for _, tok := range w.gl.LiveTokens() {
		if tok.Kind != fakegitlab.KindPersonal {
			t.Fatalf("a %s token is live at GitLab with no lease", tok.Kind)
		}
	}
	e.issueAndRevoke("app")
}

// addStaticRole is static role cd on acme/app, rotated weekly, whose
// previous token lives on for an hour.
func addStaticRole(e *rotEnv) {
	e.t.Helper()
	e.ok(logical.CreateOperation, "static-roles/cd", map[string]any{
		"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api",
		"rotation_period": "168h", "grace_period": "1h",
	})
}

// projectTokensLive counts the project access tokens live at the fake.
func projectTokensLive(w *gitlabWorld) int {
	n := 0
	for _, tok := range w.gl.LiveTokens() {
		if tok.Kind == fakegitlab.KindProject {
			n++
		}
	}
	return n
}

// TestRotateRoleGracePeriodsOverlap: rotate-role twice within one grace
// period, with static-creds reads between. Each previous token is revoked
// when its own grace period ends, not before and not later, and reads
// always get the newest token.
func TestRotateRoleGracePeriodsOverlap(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	addStaticRole(e)
	first := staticCreds(t, e, w, "cd")["token"].(string)
	e.ok(logical.UpdateOperation, "rotate-role/cd", nil)
	second := staticCreds(t, e, w, "cd")["token"].(string)
	e.at(rotationStart.Add(30 * time.Minute))
	e.ok(logical.UpdateOperation, "rotate-role/cd", nil)
	third := staticCreds(t, e, w, "cd")["token"].(string)
	if first == second || second == third {
		t.Fatal("rotate-role did not replace the token")
	}
	e.at(rotationStart.Add(59 * time.Minute))
	if !live(w, first) || !live(w, second) {
		t.Fatal("a previous token was revoked within its grace period")
	}
	e.at(rotationStart.Add(60 * time.Minute))
	if live(w, first) {
		t.Fatal("the first token outlived its grace period")
	}
	if !live(w, second) {
		t.Fatal("the second token was revoked with the first one's grace period")
	}
	e.at(rotationStart.Add(90 * time.Minute))
	if live(w, second) {
		t.Fatal("the second token outlived its grace period")
	}
	if got := staticCreds(t, e, w, "cd")["token"].(string); got != third || projectTokensLive(w) != 1 {
		t.Fatalf("after both grace periods: %d project tokens live, static-creds current: %v", projectTokensLive(w), got == third)
	}
	e.ok(logical.DeleteOperation, "static-roles/cd", nil)
}

// TestRotateRoleStorageFailureLeavesNoToken: GitLab made the new token,
// then storage refused the role holding it. The token goes at once; when
// its revocation fails too, the WAL rollback revokes it. Either way the
// role keeps its working token and nothing else is left at GitLab.
func TestRotateRoleStorageFailureLeavesNoToken(t *testing.T) {
	t.Parallel()
	for _, revokeFails := range []bool{false, true} {
		e, w := newGitLabRotEnv(t, nil)
		addStaticRole(e)
		current := staticCreds(t, e, w, "cd")["token"].(string)
		e.storage.failWrites(staticRoleStoragePrefix)
		if revokeFails {
			w.gl.InjectFault(fakegitlab.Fault{Method: "DELETE", Route: projectTokenRoute, Status: 503})
		}
		if r, err := e.request(logical.UpdateOperation, "rotate-role/cd", nil); err == nil && !r.IsError() {
			t.Fatal("rotate-role succeeded with the role's write failing")
		}
		e.storage.failWrites()
		w.gl.ClearFaults()
		e.rollback()
		if n := projectTokensLive(w); n != 1 {
			t.Fatalf("revoke fails %v: %d project tokens live, want only the role's", revokeFails, n)
		}
		if got := staticCreds(t, e, w, "cd")["token"].(string); got != current {
			t.Fatal("the role lost its token")
		}
		if keys, _ := e.storage.List(context.Background(), "wal/"); len(keys) != 0 {
			t.Fatalf("WAL entries left: %v", keys)
		}
		e.ok(logical.DeleteOperation, "static-roles/cd", nil)
	}
}

// TestRollbackWaitsForRotateRole: GitLab made a static role's new token,
// but its answer is still on the way when Vault's rollback of the
// rotation's WAL entry runs. The rollback must not revoke a token the
// rotation is about to store: it waits for the role's lock, then finds the
// role holding the token.
func TestRollbackWaitsForRotateRole(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	addStaticRole(e)
	gate := holdNext(w.gl.InjectFault, "POST", projectTokensRoute, true)
	rotated := e.requestInBackground(logical.UpdateOperation, "rotate-role/cd", nil)
	<-gate.Arrived()
	rolledBack := inBackground(func() bool { e.rollback(); return true })
	gate.Release()
	(<-rotated).succeeded(t, "rotate-role")
	<-rolledBack
	staticCreds(t, e, w, "cd")
	if n := projectTokensLive(w); n != 2 {
		t.Fatalf("%d project tokens live, want the new one and the previous one in its grace period", n)
	}
	e.ok(logical.DeleteOperation, "static-roles/cd", nil)
}

// TestConfigDeleteDuringStaticRoleCreate: the same for a static role whose
// first token GitLab is making when the delete arrives: the delete waits,
// then finds the role using the connection.
func TestConfigDeleteDuringStaticRoleCreate(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	gate := holdNext(w.gl.InjectFault, "POST", projectTokensRoute, false)
	created := e.requestInBackground(logical.CreateOperation, "static-roles/cd", map[string]any{
		"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api", "rotation_period": "168h",
	})
	<-gate.Arrived()
	deleted := e.requestInBackground(logical.DeleteOperation, "config/gl", nil)
	gate.Release()
	(<-created).succeeded(t, "static role create")
	if d := <-deleted; !d.failed() {
		t.Fatal("the connection was deleted while a static role holds a token it issued")
	}
	e.ok(logical.DeleteOperation, "static-roles/cd", nil)
	if n := projectTokensLive(w); n != 0 {
		t.Fatalf("%d project tokens live after the static role was deleted", n)
	}
	e.ok(logical.DeleteOperation, "config/gl", nil)
}

// TestCleanStoresUnsavedRotation: storage refused both the rotated token's
// WAL entry and the connection; it recovers before the plugin is
// reloaded. The reload's clean stores the token that memory alone held.
func TestCleanStoresUnsavedRotation(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	addProjectRole(e)
	e.rotateRootUnsaved("config/", "wal/")
	e.storage.failWrites("config/")
	e.issueAndRevoke("app")
	e.storage.failWrites()
	e.restart()
	e.requireStoredToken(w.liveConnectionToken(t).Token, "the reload did not store the rotated token")
	e.issueAndRevoke("app")
}

// TestConcurrentCredsRevokeRotateAndConfig is the mix to run with -race:
// issuing and revoking at once, rotate-root again and again, and config
// writes that keep the credential (each verifies it and replaces the
// cached client). Requests that raced a rotation may fail; a revocation
// that failed is retried as Vault would. Afterwards every lease is
// revoked, no leased token is left at GitLab, and the engine works.
func TestConcurrentCredsRevokeRotateAndConfig(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	addProjectRole(e)
	const rotations, writes, requests = 6, 6, 15
	var pending []*logical.Response
	pendingCh := make(chan *logical.Response, 2*requests)
	done := make(chan struct{}, 4)
	go func() {
		defer func() { done <- struct{}{} }()
		for i := 0; i < rotations; i++ {
			if r, err := e.request(logical.UpdateOperation, "rotate-root/gl", nil); err != nil || r.IsError() {
				t.Errorf("rotation %d: %v %v", i, err, r)
				return
			}
		}
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		for i := 0; i < writes; i++ {
			// A write may verify a token a rotation has just replaced.
			_, _ = e.request(logical.UpdateOperation, "config/gl", map[string]any{"registry_host": "registry.example.com"})
		}
	}()
	for g := 0; g < 2; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < requests; i++ {
				resp, err := e.request(logical.ReadOperation, "creds/app", nil)
				if err != nil || resp.IsError() {
					continue
				}
				if e.revoke(resp) != nil {
					pendingCh <- resp
				}
			}
		}()
	}
	for i := 0; i < 4; i++ {
		<-done
	}
	close(pendingCh)
	for resp := range pendingCh {
		pending = append(pending, resp)
	}
	for _, resp := range pending {
		if err := e.revoke(resp); err != nil {
			t.Fatalf("Vault's retry of a revocation: %v", err)
		}
	}
	if n := projectTokensLive(w); n != 0 {
		t.Fatalf("%d leased tokens live at GitLab after every lease was revoked", n)
	}
	w.liveConnectionToken(t)
	e.issueAndRevoke("app")
}

// TestRollbackWhileCreateHeldThenRecordFails: the reverse of a lease for a
// revoked token. A rollback ran while the create was held (finding
// nothing, it dropped the WAL entry); GitLab then made the token, storage
// refused its inventory entry and the immediate revocation failed too. The
// token must not be left without a lease and without a WAL entry: the next
// rollback revokes it.
func TestRollbackWhileCreateHeldThenRecordFails(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	addProjectRole(e)
	gate, issued := credsHeldAtCreate(e, w, false)
	e.rollback()
	e.storage.failWrites(tokenStoragePrefix)
	w.gl.InjectFault(fakegitlab.Fault{Method: "DELETE", Route: projectTokenRoute, Status: 503})
	gate.Release()
	if r := <-issued; !r.failed() {
		t.Fatal("creds succeeded with the inventory write failing")
	}
	e.storage.failWrites()
	w.gl.ClearFaults()
	e.rollback()
	if n := projectTokensLive(w); n != 0 {
		t.Fatalf("%d project tokens live with no lease after the rollback", n)
	}
	e.issueAndRevoke("app")
}

// TestCredsHeldAcrossCredentialChange: while a creds request is making its
// token, an operator writes a token of another GitLab user, one who cannot
// see the project. Revoking with it would get GitLab's 404 for the
// project, which counts as revoked: the lease would end with its token
// alive. The write must wait for the request and be refused while the
// connection's tokens live; with none left it goes through.
func TestCredsHeldAcrossCredentialChange(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	addProjectRole(e)
	outsider := w.gl.AddUser("outsider", false)
	other, _ := w.gl.AddPersonalToken(outsider, "vault", []string{"api"}, e.clock.Now().AddDate(0, 3, 0))

	resp := configChangeDuringCreds(t, e, w, logical.UpdateOperation, map[string]any{"token": other},
		"the connection took another user's token while a token it issued is live")
	token := resp.Data["token"].(string)
	if err := e.revoke(resp); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if _, live := w.gl.Lookup(token); live {
		t.Fatal("the lease was revoked but its token is live at GitLab")
	}
	e.ok(logical.UpdateOperation, "config/gl", map[string]any{"token": other})
}

// TestSuccessorSearchHeldAcrossRotateRoot: the holder of a leased project
// token rotated it itself; the revocation deletes the original (GitLab:
// 404, already replaced) and then lists the project's tokens to find the
// successor, and that list reaches GitLab only after rotate-root replaced
// the connection's token. The revocation must fail (Vault retries), not
// end the lease with the successor alive; the retry ends the successor.
func TestSuccessorSearchHeldAcrossRotateRoot(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	e.ok(logical.CreateOperation, "roles/holder", map[string]any{
		"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "api", "ttl": "1h",
	})
	lease := e.ok(logical.ReadOperation, "creds/holder", nil)
	successor := selfRotateAt(t, w.gl, "/projects/acme%2Fapp/access_tokens/self/rotate", lease.Data["token"].(string), e.clock.Now().AddDate(0, 0, 30))

	revokeAcrossRotateRoot(t, e, w, lease, "GET", projectTokensRoute, successor, "the holder's successor")
}
