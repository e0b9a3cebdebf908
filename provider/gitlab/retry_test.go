package gitlab

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
)

const createRoute = "/projects/{id}/access_tokens"

// TestCreateRateLimited: a 429 on a create is retried (GitLab did nothing),
// waiting what GitLab asked: Retry-After first, else RateLimit-Reset, else
// a bounded backoff. A wait beyond the limit is not taken.
func TestCreateRateLimited(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// after moves the clock past 12:00:00 before the request.
		after     time.Duration
		fault     func(now time.Time) fakegitlab.Fault
		wantWait  time.Duration // exact, or -1 for "no wait"
		wantPosts int
		wantErr   bool
	}{
		{"retry-after", 0, func(time.Time) fakegitlab.Fault {
			return fakegitlab.Fault{Method: "POST", Route: createRoute, Status: 429, RetryAfter: "7", Times: 1}
		}, 7 * time.Second, 2, false},
		{"retry-after wins over reset", 0, func(now time.Time) fakegitlab.Fault {
			return fakegitlab.Fault{Method: "POST", Route: createRoute, Status: 429, RetryAfter: "3", RateLimitReset: now.Add(12 * time.Second), Times: 1}
		}, 3 * time.Second, 2, false},
		{"ratelimit-reset only", 0, func(now time.Time) fakegitlab.Fault {
			return fakegitlab.Fault{Method: "POST", Route: createRoute, Status: 429, RateLimitReset: now.Add(9 * time.Second), Times: 1}
		}, 9 * time.Second, 2, false},
		// The fake, like GitLab, sends RateLimit-Reset on every answer: the
		// end of the current minute. At 12:00:50 that is 10 s away.
		{"window reset", 50 * time.Second, func(now time.Time) fakegitlab.Fault {
			return fakegitlab.Fault{Method: "POST", Route: createRoute, Status: 429, Times: 1}
		}, 10 * time.Second, 2, false},
		// At 12:00:00 it is a minute away, beyond the longest wait.
		{"window reset too far", 0, func(time.Time) fakegitlab.Fault {
			return fakegitlab.Fault{Method: "POST", Route: createRoute, Status: 429, Times: 1}
		}, -1, 1, true},
		{"retry-after too long", 0, func(time.Time) fakegitlab.Fault {
			return fakegitlab.Fault{Method: "POST", Route: createRoute, Status: 429, RetryAfter: "600", Times: 1}
		}, -1, 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			req := e.request("project", "acme/app", time.Hour, "read_api")
			e.issue(req) // resolve the path first
			e.revokeLeftovers()
			e.fake.ResetCalls()
			e.clock.Set(e.clock.Now().Add(tc.after))
			e.fake.InjectFault(tc.fault(e.clock.Now()))

			tok, err := e.client.Issue(context.Background(), req)
			if tc.wantErr {
				var perr *provider.Error
				if !errors.As(err, &perr) || perr.Status != http.StatusTooManyRequests {
					t.Fatalf("error %v, want the 429", err)
				}
			} else if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			if n := e.fake.Calls("POST", createRoute); n != tc.wantPosts {
				t.Errorf("%d POSTs, want %d", n, tc.wantPosts)
			}
			waits := e.sleep.Waits()
			switch {
			case tc.wantWait < 0:
				if len(waits) != 0 {
					t.Errorf("waited %v; a wait past the limit must be handed back", waits)
				}
			default:
				if len(waits) != 1 || waits[0] != tc.wantWait {
					t.Errorf("waits %v, want [%v]", waits, tc.wantWait)
				}
			}
			if tok != nil {
				e.revoke(tok.Handle)
			}
		})
	}
}

// TestCreateNeverRetriedWhenAmbiguous: after a failure GitLab may have acted
// on (the connection dropped after the token was made, or a 5xx), exactly
// one POST was sent, and the token made is revocable from the fake's data
// as the backend's write-ahead log would.
func TestCreateNeverRetriedWhenAmbiguous(t *testing.T) {
	t.Parallel()
	faults := map[string]fakegitlab.Fault{
		"dropped after commit": {Method: "POST", Route: createRoute, DropAfterCommit: true, Times: 1},
		"502":                  {Method: "POST", Route: createRoute, Status: 502, Times: 1},
		"500":                  {Method: "POST", Route: createRoute, Status: 500, Times: 1},
	}
	for name, fault := range faults {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			req := e.request("project", "acme/app", time.Hour, "read_api")
			e.revoke(e.issue(req).Handle)
			e.fake.ResetCalls()
			e.fake.InjectFault(fault)
			tok, err := e.client.Issue(context.Background(), req)
			if err == nil {
				t.Fatalf("Issue succeeded (%+v) through an injected failure", tok.Handle)
			}
			requireNoSecret(t, err, e.token)
			if n := e.fake.Calls("POST", createRoute); n != 1 {
				t.Errorf("%d POSTs, want exactly 1", n)
			}
			if len(e.sleep.Waits()) != 0 {
				t.Errorf("waited %v before giving up", e.sleep.Waits())
			}
			e.revokeLeftovers()
		})
	}
}

// TestRevokeFailures: anything but success or 404 is an error Vault retries,
// and the token stays live until a revoke succeeds.
func TestRevokeFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status   int
		wantKind error
	}{
		{500, nil}, {502, nil}, {503, nil}, {429, provider.ErrRateLimited},
		{401, provider.ErrUnauthorized}, {403, provider.ErrUnauthorized},
	}
	for _, tokenType := range []string{"project", "group", "deploy", "personal"} {
		for _, tc := range tests {
			t.Run(tokenType+" "+http.StatusText(tc.status), func(t *testing.T) {
				t.Parallel()
				e := newEnv(t)
				path := map[string]string{"project": "acme/app", "group": "acme/platform", "deploy": "acme/app", "personal": "deployer"}[tokenType]
				tok := e.issue(e.request(tokenType, path, time.Hour, "read_repository"))
				e.fake.InjectFault(fakegitlab.Fault{Method: "DELETE", Status: tc.status})
				err := e.client.Revoke(context.Background(), tok.Handle)
				var perr *provider.Error
				if !errors.As(err, &perr) || perr.Status != tc.status || perr.Kind != tc.wantKind {
					t.Fatalf("Revoke: %v (%#v), want status %d kind %v", err, perr, tc.status, tc.wantKind)
				}
				requireNoSecret(t, err, e.token, tok.Token)
				if _, live := e.fake.Lookup(tok.Token); !live {
					t.Fatal("the token died although revoke failed")
				}
				e.fake.ClearFaults()
				e.revoke(tok.Handle)
			})
		}
	}
}

// TestRevokeTimeout: a revoke that outlives its context is an error.
func TestRevokeTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.issue(e.request("project", "acme/app", time.Hour, "read_api"))
	e.fake.InjectFault(fakegitlab.Fault{Method: "DELETE", Latency: time.Minute, Times: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := e.client.Revoke(ctx, tok.Handle)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Revoke: %v, want a deadline error", err)
	}
	e.revoke(tok.Handle)
}

// TestRevokeGone: 404 counts as revoked for every type, including tokens
// GitLab never had and parents that no longer exist.
func TestRevokeGone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	app := e.fake.AddProject("acme/gone")
	handles := []provider.Handle{
		{TokenType: "project", ID: 987654, Parent: "projects/" + itoa(app)},
		{TokenType: "group", ID: 987654, Parent: "groups/424242"},
		{TokenType: "deploy", ID: 987654, Parent: "projects/" + itoa(app)},
		{TokenType: "deploy", ID: 987654, Parent: "groups/424242"},
		{TokenType: "personal", ID: 987654, Parent: "users/1"},
	}
	for _, h := range handles {
		if err := e.client.Revoke(context.Background(), h); err != nil {
			t.Errorf("Revoke(%+v): %v", h, err)
		}
	}
}

func TestRevokeBadHandle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, h := range []provider.Handle{
		{TokenType: "project", Parent: "projects/1"},
		{TokenType: "project", ID: 1, Parent: "projects/acme"},
		{TokenType: "project", ID: 1, Parent: "groups/1"},
		{TokenType: "personal", ID: 1, Parent: "projects/1"},
		{TokenType: "deploy", ID: 1, Parent: "users/1"},
		{TokenType: "installation", ID: 1, Parent: "projects/1"},
		{TokenType: "project", ID: 1},
	} {
		if err := e.client.Revoke(context.Background(), h); err == nil {
			t.Errorf("Revoke(%+v) accepted a bad handle", h)
		}
	}
	if n := e.fake.TotalCalls(); n != 0 {
		t.Errorf("%d calls for bad handles", n)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
