package gitsecrets

import (
	"context"
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

func (r result) failed() bool { return r.err != nil || r.resp == nil || r.resp.IsError() }

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

	gate := holdNext(w.gl.InjectFault, "DELETE", projectTokenRoute, false)
	revoked := inBackground(func() error { return e.revoke(lease) })
	<-gate.Arrived()
	e.ok(logical.UpdateOperation, "rotate-root/gl", nil)
	gate.Release()

	if err := <-revoked; err == nil {
		if _, live := w.gl.Lookup(issued); live {
			t.Fatal("the revocation reported success, but the token is still live at GitLab")
		}
	} else if err := e.revoke(lease); err != nil {
		t.Fatalf("Vault's retry of the revocation: %v", err)
	}
	if _, live := w.gl.Lookup(issued); live {
		t.Fatal("the token is still live at GitLab after its lease was revoked")
	}
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
// at GitLab B. The lease must name A, where the token lives; its
// revocation must send nothing to B (neither A's token handle nor B's
// credential belongs there) and fail until the connection points at A
// again, then revoke the token at A.
func TestCredsHeldAcrossBaseURLChange(t *testing.T) {
	t.Parallel()
	e, a := newGitLabRotEnv(t, nil)
	addProjectRole(e)
	b := newGitLabWorld(t, e.clock)

	gate := holdNext(a.gl.InjectFault, "POST", projectTokensRoute, false)
	issued := inBackground(func() result {
		resp, err := e.request(logical.ReadOperation, "creds/app", nil)
		return result{resp, err}
	})
	<-gate.Arrived()
	e.ok(logical.UpdateOperation, "config/gl", map[string]any{"base_url": b.gl.URL(), "token": b.token})
	gate.Release()
	r := <-issued
	if r.failed() {
		// Failing is fine, if nothing was left at A.
		for _, tok := range a.gl.LiveTokens() {
			if tok.Kind != fakegitlab.KindPersonal {
				t.Fatalf("the failed request left a %s token at GitLab A", tok.Kind)
			}
		}
		return
	}
	token := r.resp.Data["token"].(string)
	if _, live := a.gl.Lookup(token); !live {
		t.Fatal("the issued token is not live at GitLab A")
	}
	if got := r.resp.Secret.InternalData["base_url"]; got != a.gl.URL() {
		t.Fatalf("the lease names %v, want GitLab A (%s)", got, a.gl.URL())
	}

	b.gl.ResetCalls()
	if err := e.revoke(r.resp); err == nil {
		t.Fatal("the revocation succeeded while the connection points at B")
	}
	if n := b.gl.TotalCalls(); n != 0 {
		t.Fatalf("revoking a token of A sent %d requests to B", n)
	}
	e.ok(logical.UpdateOperation, "config/gl", map[string]any{"base_url": a.gl.URL(), "token": a.token})
	if err := e.revoke(r.resp); err != nil {
		t.Fatalf("revoke once the connection points at A again: %v", err)
	}
	if _, live := a.gl.Lookup(token); live {
		t.Fatal("the token is still live at GitLab A after its lease was revoked")
	}
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
			e.storage.failWrites("config/")
			if _, err := e.request(logical.UpdateOperation, "rotate-root/gl", nil); err == nil {
				t.Fatal("rotate-root succeeded with config writes failing")
			}
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
			stored, err := getConnection(context.Background(), e.storage, "gl")
			if err != nil || stored.Token != rotated {
				t.Fatal("the rotated token was not stored once storage recovered")
			}
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
	e.storage.failWrites("config/")
	if _, err := e.request(logical.UpdateOperation, "rotate-root/gl", nil); err == nil {
		t.Fatal("rotate-root succeeded with config writes failing")
	}
	e.storage.failWrites()
	e.ok(logical.UpdateOperation, "rotate-root/gl", nil)
	live := w.liveConnectionToken(t)
	stored, err := getConnection(context.Background(), e.storage, "gl")
	if err != nil || stored.Token != live.Token {
		t.Fatal("the stored token is not GitLab's live one")
	}
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
	first := inBackground(func() result {
		resp, err := e.request(logical.UpdateOperation, "rotate-root/gl", nil)
		return result{resp, err}
	})
	<-gate.Arrived()
	second := inBackground(func() result {
		resp, err := e.request(logical.UpdateOperation, "rotate-root/gl", nil)
		return result{resp, err}
	})
	gate.Release()
	for i, ch := range []<-chan result{first, second} {
		if r := <-ch; r.failed() {
			t.Fatalf("rotate-root %d: %v %v", i+1, r.err, r.resp)
		}
	}
	if n := w.gl.Calls("POST", rotateRoute); n != 2 {
		t.Fatalf("%d self-rotations, want 2", n)
	}
	live := w.liveConnectionToken(t)
	stored, err := getConnection(context.Background(), e.storage, "gl")
	if err != nil || stored.Token != live.Token {
		t.Fatal("the stored token is not GitLab's live one")
	}
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
	manual := inBackground(func() result {
		resp, err := e.request(logical.UpdateOperation, "rotate-root/gl", nil)
		return result{resp, err}
	})
	<-gate.Arrived()
	ticked := inBackground(func() bool { e.tick(); return true })
	gate.Release()
	if r := <-manual; r.failed() {
		t.Fatalf("rotate-root: %v %v", r.err, r.resp)
	}
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
	gate := holdNext(w.gl.InjectFault, "POST", projectTokensRoute, false)
	issued := inBackground(func() result {
		resp, err := e.request(logical.ReadOperation, "creds/app", nil)
		return result{resp, err}
	})
	<-gate.Arrived()
	e.rollback()
	gate.Release()
	r := <-issued
	if r.failed() {
		t.Fatalf("creds: %v %v", r.err, r.resp)
	}
	token := r.resp.Data["token"].(string)
	if _, live := w.gl.Lookup(token); !live {
		t.Fatal("the lease's token is not live")
	}
	if err := e.revoke(r.resp); err != nil {
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
	gate := holdNext(w.gl.InjectFault, "POST", projectTokensRoute, true)
	issued := inBackground(func() result {
		resp, err := e.request(logical.ReadOperation, "creds/app", nil)
		return result{resp, err}
	})
	<-gate.Arrived()
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
	rotated := inBackground(func() result {
		resp, err := e.request(logical.UpdateOperation, "rotate-role/cd", nil)
		return result{resp, err}
	})
	<-gate.Arrived()
	rolledBack := inBackground(func() bool { e.rollback(); return true })
	gate.Release()
	if r := <-rotated; r.failed() {
		t.Fatalf("rotate-role: %v %v", r.err, r.resp)
	}
	<-rolledBack
	staticCreds(t, e, w, "cd")
	if n := projectTokensLive(w); n != 2 {
		t.Fatalf("%d project tokens live, want the new one and the previous one in its grace period", n)
	}
	e.ok(logical.DeleteOperation, "static-roles/cd", nil)
}
