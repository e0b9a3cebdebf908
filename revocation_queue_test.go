package gitsecrets

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
)

// queueEnv is a GitHub environment on a clock the test moves, with role ci.
type queueEnv struct {
	*githubEnv
	now time.Time
}

func newQueueEnv(t *testing.T) *queueEnv {
	t.Helper()
	e := &queueEnv{githubEnv: newGitHubEnv(t), now: time.Now()}
	e.b.now = func() time.Time { return e.now }
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{"config": "gh", "owner": "acme"})
	return e
}

// limitRevocations makes GitHub refuse revocations with a wait longer than
// the engine's own retries.
func (e *queueEnv) limitRevocations() {
	e.gh.InjectFault(fakegithub.Fault{Method: http.MethodDelete, Route: fakegithub.RouteInstallationToken,
		Status: http.StatusTooManyRequests, RetryAfter: "600"})
}

func (e *queueEnv) deletes() int {
	return e.gh.Calls(http.MethodDelete, fakegithub.RouteInstallationToken)
}

func (e *queueEnv) queued() []string {
	e.t.Helper()
	refs, err := e.storage.List(context.Background(), revocationStoragePrefix)
	if err != nil {
		e.t.Fatal(err)
	}
	return refs
}

// revokeUntilQueued plays Vault retrying a lease's rate-limited
// revocation: the attempts before queueAfterAttempts fail, the last ends the
// lease with the token queued.
func (e *queueEnv) revokeUntilQueued(resp *logical.Response) {
	e.t.Helper()
	for attempt := 1; attempt < queueAfterAttempts; attempt++ {
		if err := e.revoke(resp); err == nil {
			e.t.Fatalf("rate-limited attempt %d succeeded; want an error so that Vault retries", attempt)
		}
	}
	if err := e.revoke(resp); err != nil {
		e.t.Fatalf("attempt %d: %v, want the lease to end with the revocation queued", queueAfterAttempts, err)
	}
}

func (e *queueEnv) drain() {
	e.t.Helper()
	if err := e.b.drainRevocations(context.Background(), e.storage, drainBudget); err != nil {
		e.t.Fatal(err)
	}
}

// A rate-limited revocation fails back to Vault until its fifth attempt,
// which ends the lease and leaves the engine owing it; attempts for the same
// connection do not call GitHub while it asks to hold off; once GitHub's
// wait is over the queue revokes them.
func TestRateLimitedRevocationsAreQueuedThenRevoked(t *testing.T) {
	t.Parallel()
	e := newQueueEnv(t)
	first := e.ok(logical.ReadOperation, "creds/ci", nil)
	second := e.ok(logical.ReadOperation, "creds/ci", nil)
	e.limitRevocations()

	e.revokeUntilQueued(first)
	if n := e.deletes(); n != 1 {
		t.Fatalf("%d DELETEs for the first revocation's attempts, want 1: the client's retries stop at a 600 s wait, and later attempts hold off", n)
	}
	e.revokeUntilQueued(second)
	if n := e.deletes(); n != 1 {
		t.Errorf("%d DELETEs after the second revocation, want still 1: a held-off connection is not called", n)
	}
	if got := e.queued(); len(got) != 2 {
		t.Fatalf("queue holds %v, want both tokens", got)
	}
	read := e.ok(logical.ReadOperation, "tokens/"+first.Data["token_ref"].(string), nil)
	if read.Data["revocation_queued_at"] == nil {
		t.Errorf("tokens/ read of a queued token: %v, want revocation_queued_at", read.Data)
	}

	e.gh.ClearFaults()
	e.drain()
	if n := e.deletes(); n != 1 {
		t.Errorf("%d DELETEs from a drain inside GitHub's wait, want none sent", n)
	}

	e.now = e.now.Add(10*time.Minute + time.Second)
	e.drain()
	if got := e.queued(); len(got) != 0 {
		t.Errorf("queue holds %v after GitHub's wait, want it empty", got)
	}
	if live := e.gh.LiveTokens(); len(live) != 0 {
		t.Errorf("%d tokens live at GitHub after the drain", len(live))
	}
	if list := e.ok(logical.ListOperation, "tokens/", nil); len(list.Data) != 0 && list.Data["keys"] != nil {
		t.Errorf("inventory after the drain: %v, want empty", list.Data["keys"])
	}
}

// A token GitHub has already ended by itself needs no call.
func TestQueuedRevocationOfAnExpiredTokenNeedsNoCall(t *testing.T) {
	t.Parallel()
	e := newQueueEnv(t)
	e.gh.AllowLiveTokens() // the fake's own clock does not move
	resp := e.ok(logical.ReadOperation, "creds/ci", nil)
	e.limitRevocations()
	e.revokeUntilQueued(resp)
	e.gh.ClearFaults()
	before := e.deletes()
	e.now = e.now.Add(61 * time.Minute)
	e.drain()
	if n := e.deletes() - before; n != 0 {
		t.Errorf("%d DELETEs for a token past its GitHub expiry, want 0", n)
	}
	if got := e.queued(); len(got) != 0 {
		t.Errorf("queue holds %v, want it empty", got)
	}
}

// Other failures keep the token queued with a growing wait and the error
// on record.
func TestQueuedRevocationFailureIsRetriedLater(t *testing.T) {
	t.Parallel()
	e := newQueueEnv(t)
	resp := e.ok(logical.ReadOperation, "creds/ci", nil)
	ref := resp.Data["token_ref"].(string)
	e.limitRevocations()
	e.revokeUntilQueued(resp)
	e.gh.ClearFaults()
	e.gh.InjectFault(fakegithub.Fault{Method: http.MethodDelete, Route: fakegithub.RouteInstallationToken, Status: http.StatusBadGateway})
	e.now = e.now.Add(11 * time.Minute)
	e.drain()
	q, err := getQueuedRevocation(context.Background(), e.storage, ref)
	if err != nil || q == nil || q.Attempts != 1 || q.LastError == "" || !q.NextTry.After(e.now) {
		t.Fatalf("after a failed try: %+v %v, want 1 attempt, the error and a later next try", q, err)
	}
	before := e.deletes()
	e.drain()
	if n := e.deletes() - before; n != 0 {
		t.Errorf("%d DELETEs before the next try is due, want 0", n)
	}

	e.gh.ClearFaults()
	e.now = q.NextTry
	e.drain()
	if got := e.queued(); len(got) != 0 {
		t.Errorf("queue holds %v after a successful retry, want it empty", got)
	}
}

// When the queue cannot be written, the revocation fails and Vault keeps
// the lease to retry: the duty to revoke is never dropped.
func TestRevocationFailsWhenTheQueueCannotBeWritten(t *testing.T) {
	t.Parallel()
	e := newQueueEnv(t)
	resp := e.ok(logical.ReadOperation, "creds/ci", nil)
	e.limitRevocations()
	faulty := &faultyStorage{Storage: e.storage}
	faulty.failPut.Store(revocationStoragePrefix)
	e.storage = faulty
	for attempt := 1; attempt <= queueAfterAttempts+1; attempt++ {
		if err := e.revoke(resp); err == nil {
			t.Fatalf("attempt %d succeeded though the engine could neither revoke nor queue", attempt)
		}
	}
	e.storage = faulty.Storage
	e.gh.ClearFaults()
	e.now = e.now.Add(11 * time.Minute)
	if err := e.revoke(resp); err != nil {
		t.Fatalf("Vault's retry: %v", err)
	}
}

// A rate limit that lifts before the fifth attempt leaves the revocation
// to Vault's own retry, as the SPEC has it: nothing is queued.
func TestRateLimitLiftingInTimeNeedsNoQueue(t *testing.T) {
	t.Parallel()
	e := newQueueEnv(t)
	resp := e.ok(logical.ReadOperation, "creds/ci", nil)
	e.limitRevocations()
	for attempt := 1; attempt <= 2; attempt++ {
		if err := e.revoke(resp); err == nil {
			t.Fatalf("rate-limited attempt %d succeeded", attempt)
		}
	}
	e.gh.ClearFaults()
	e.now = e.now.Add(11 * time.Minute)
	if err := e.revoke(resp); err != nil {
		t.Fatalf("Vault's retry once GitHub accepts again: %v", err)
	}
	if got := e.queued(); len(got) != 0 {
		t.Errorf("queue holds %v, want nothing queued", got)
	}
	if live := e.gh.LiveTokens(); len(live) != 0 {
		t.Errorf("%d tokens live at GitHub", len(live))
	}
}

// sleepRecorder stands in for the backend's sleep: it notes each wait and
// returns at once.
type sleepRecorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (r *sleepRecorder) sleep(_ context.Context, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waits = append(r.waits, d)
	return nil
}

func (r *sleepRecorder) take() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.waits
	r.waits = nil
	return w
}

// The scheduler's tick never waits on a rate-limited provider: Vault runs
// the tick (and then the mount's WAL rollback) once a minute and starts no
// other while one runs, and an unmount waits for it. With GitLab answering
// revocations 429 and a Retry-After longer (50 s) or shorter (10 s) than
// the retry transport would wait, a tick that also has a static role due
// rotates it, sends one revocation, takes no wait, and leaves the queue to
// a later tick, which revokes it once GitLab's wait is over.
func TestTickNeverWaitsOnRateLimitedRevocations(t *testing.T) {
	t.Parallel()
	const revokeRoute = "/projects/{id}/access_tokens/{token_id}"
	for _, retryAfter := range []string{"50", "10"} {
		t.Run("Retry-After "+retryAfter, func(t *testing.T) {
			t.Parallel()
			e, w := newGitLabRotEnv(t, nil)
			slept := &sleepRecorder{}
			e.b.sleep = slept.sleep
			e.b.dropClient("gl") // built before the recorder was in place
			e.ok(logical.CreateOperation, "roles/app", map[string]any{
				"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api", "ttl": "2h",
			})
			e.ok(logical.CreateOperation, "static-roles/cd", map[string]any{
				"config": "gl", "token_type": "deploy", "path": "acme/app", "scopes": "read_registry",
				"rotation_period": "1h", "grace_period": "1h",
			})
			static := staticCreds(t, e, w, "cd")["token"]

			var issued []*logical.Response
			for range 3 {
				issued = append(issued, e.ok(logical.ReadOperation, "creds/app", nil))
			}
			w.gl.InjectFault(fakegitlab.Fault{Method: http.MethodDelete, Route: revokeRoute,
				Status: http.StatusTooManyRequests, RetryAfter: retryAfter})
			for _, resp := range issued {
				for attempt := 1; attempt <= queueAfterAttempts; attempt++ {
					_ = e.revoke(resp)
				}
			}
			refs, _ := e.storage.List(context.Background(), revocationStoragePrefix)
			if len(refs) != len(issued) {
				t.Fatalf("queue holds %v, want the %d rate-limited tokens", refs, len(issued))
			}

			due := rotationStart.Add(time.Hour)
			slept.take()
			deletes := w.gl.Calls(http.MethodDelete, revokeRoute)
			e.at(due)
			if waits := slept.take(); len(waits) != 0 {
				t.Errorf("the tick waited %v", waits)
			}
			if n := w.gl.Calls(http.MethodDelete, revokeRoute) - deletes; n != 1 {
				t.Errorf("the tick sent %d revocations to a rate-limiting GitLab, want 1", n)
			}
			data := staticCreds(t, e, w, "cd")
			if data["token"] == static || !mustTime(t, data["last_rotated"]).Equal(due) {
				t.Errorf("the static role due in the same tick was not rotated: last_rotated %v", data["last_rotated"])
			}
			if refs, _ := e.storage.List(context.Background(), revocationStoragePrefix); len(refs) != len(issued) {
				t.Errorf("queue holds %v after the limited tick, want all %d still owed", refs, len(issued))
			}

			w.gl.ClearFaults()
			e.at(due.Add(time.Minute))
			if refs, _ := e.storage.List(context.Background(), revocationStoragePrefix); len(refs) != 0 {
				t.Errorf("queue holds %v once GitLab's wait is over, want it empty", refs)
			}
			for _, resp := range issued {
				if live(w, resp.Data["token"].(string)) {
					t.Errorf("token %s still live at GitLab", resp.Data["token_ref"])
				}
			}
			e.ok(logical.DeleteOperation, "static-roles/cd", nil)
		})
	}
}
