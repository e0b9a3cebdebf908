package gitsecrets

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
)

const rotateRoute = "/personal_access_tokens/self/rotate"

func addProjectRole(e *rotEnv) {
	e.t.Helper()
	e.ok(logical.CreateOperation, "roles/app", map[string]any{
		"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api", "ttl": "1h",
	})
}

// assertRotated checks that GitLab's live connection token is no longer
// before, that the engine works with the new one, and that no response
// showed a token.
func assertRotated(t *testing.T, e *rotEnv, w *gitlabWorld, before string) string {
	t.Helper()
	if _, live := w.gl.Lookup(before); live {
		t.Fatal("the old connection token still works")
	}
	now := w.liveConnectionToken(t).Token
	if now == before {
		t.Fatal("the connection token did not change")
	}
	e.issueAndRevoke("app")
	return now
}

func TestGitLabRotateRootNow(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	addProjectRole(e)
	// A lease issued before the rotation revokes after it.
	lease := e.ok(logical.ReadOperation, "creds/app", nil)
	before := e.ok(logical.ReadOperation, "config/gl", nil)

	e.clock.Advance(time.Hour)
	resp := e.ok(logical.UpdateOperation, "rotate-root/gl", nil)
	assertNoSecret(t, resp.Data, w.token)
	newToken := assertRotated(t, e, w, w.token)
	assertNoSecret(t, resp.Data, newToken)
	if err := e.revoke(lease); err != nil {
		t.Fatalf("revoking a lease issued before the rotation: %v", err)
	}

	after := e.ok(logical.ReadOperation, "config/gl", nil)
	assertNoSecret(t, after.Data, newToken)
	if after.Data["token_id"] == before.Data["token_id"] {
		t.Fatalf("config read still shows token %v", before.Data["token_id"])
	}
	if got := mustTime(t, after.Data["last_rotated"]); !got.Equal(e.clock.Now()) {
		t.Fatalf("last_rotated %s, want %s", got, e.clock.Now())
	}
	// The new token keeps the old one's lifetime: seeded at the start with
	// an expiry date three months on.
	live := w.liveConnectionToken(t)
	lifetime := time.Duration(after.Data["token_lifetime"].(int64)) * time.Second
	wantExpiry := utcMidnightAfter(e.clock.Now().Add(lifetime))
	if !live.ExpiresAt.Equal(wantExpiry) {
		t.Fatalf("new token expires %s, want %s (lifetime %s)", live.ExpiresAt, wantExpiry, lifetime)
	}
	if lifetime < 88*24*time.Hour || lifetime > 92*24*time.Hour {
		t.Fatalf("token_lifetime %s is not the seeded token's three months", lifetime)
	}

	// And again: each rotation starts from the token the last one stored.
	e.ok(logical.UpdateOperation, "rotate-root/gl", nil)
	assertRotated(t, e, w, newToken)
}

func utcMidnightAfter(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

func TestGitLabScheduledRotation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		config  map[string]any
		first   time.Time // next_rotation after the write
		quiet   time.Time // a tick that must not rotate
		due     time.Time // the tick that rotates
		nextDue time.Time // next_rotation after it
	}{
		{
			name:    "period",
			config:  map[string]any{"rotation_period": "24h"},
			first:   rotationStart.Add(24 * time.Hour),
			quiet:   rotationStart.Add(24*time.Hour - time.Minute),
			due:     rotationStart.Add(24 * time.Hour),
			nextDue: rotationStart.Add(48 * time.Hour),
		},
		{
			name:    "cron",
			config:  map[string]any{"rotation_schedule": "0 3 * * *"},
			first:   at("2025-03-12T03:00:00Z"),
			quiet:   at("2025-03-12T02:59:00Z"),
			due:     at("2025-03-12T03:00:00Z"),
			nextDue: at("2025-03-13T03:00:00Z"),
		},
		{
			name:    "cron with window",
			config:  map[string]any{"rotation_schedule": "0 3 * * *", "rotation_window": "1h"},
			first:   at("2025-03-12T03:00:00Z"),
			quiet:   at("2025-03-12T02:59:00Z"),
			due:     at("2025-03-12T03:59:00Z"),
			nextDue: at("2025-03-13T03:00:00Z"),
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e, w := newGitLabRotEnv(t, c.config)
			addProjectRole(e)
			read := e.ok(logical.ReadOperation, "config/gl", nil)
			if read.Data["rotation_managed_by"] != managedByEngine {
				t.Fatalf("rotation_managed_by %v on community edition", read.Data["rotation_managed_by"])
			}
			if got := mustTime(t, read.Data["next_rotation"]); !got.Equal(c.first) {
				t.Fatalf("next_rotation %s, want %s", got, c.first)
			}
			w.gl.ResetCalls()
			e.at(c.quiet)
			if n := w.gl.Calls("POST", rotateRoute); n != 0 {
				t.Fatalf("rotated %d times before it was due", n)
			}
			e.at(c.due)
			if n := w.gl.Calls("POST", rotateRoute); n != 1 {
				t.Fatalf("%d rotations when due, want 1", n)
			}
			assertRotated(t, e, w, w.token)
			read = e.ok(logical.ReadOperation, "config/gl", nil)
			if got := mustTime(t, read.Data["next_rotation"]); !got.Equal(c.nextDue) {
				t.Fatalf("next_rotation %s, want %s", got, c.nextDue)
			}
			if got := mustTime(t, read.Data["last_rotated"]); !got.Equal(c.due) {
				t.Fatalf("last_rotated %s, want %s", got, c.due)
			}
			e.at(c.due.Add(time.Hour))
			if n := w.gl.Calls("POST", rotateRoute); n != 1 {
				t.Fatalf("%d rotations an hour later, want still 1", n)
			}
		})
	}
}

// TestGitLabScheduledRotationWindowMissed: the engine was down through the
// whole window, so the rotation waits for the next scheduled time.
func TestGitLabScheduledRotationWindowMissed(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, map[string]any{"rotation_schedule": "0 3 * * *", "rotation_window": "1h"})
	w.gl.ResetCalls()
	e.at(at("2025-03-12T04:30:00Z"))
	if n := w.gl.Calls("POST", rotateRoute); n != 0 {
		t.Fatalf("rotated outside the window")
	}
	read := e.ok(logical.ReadOperation, "config/gl", nil)
	if got := mustTime(t, read.Data["next_rotation"]); !got.Equal(at("2025-03-13T03:00:00Z")) {
		t.Fatalf("next_rotation %s", got)
	}
	e.at(at("2025-03-13T03:00:00Z"))
	if n := w.gl.Calls("POST", rotateRoute); n != 1 {
		t.Fatalf("%d rotations at the next scheduled time", n)
	}
}

// TestGitLabRotationFailureRetried: a rotation GitLab refuses or never
// receives keeps the old token in use and is tried again.
func TestGitLabRotationFailureRetried(t *testing.T) {
	t.Parallel()
	for _, fault := range []fakegitlab.Fault{
		{Status: 502},
		{Status: 503},
		{Drop: true},
	} {
		t.Run(faultName(fault), func(t *testing.T) {
			t.Parallel()
			e, w := newGitLabRotEnv(t, map[string]any{"rotation_period": "24h"})
			addProjectRole(e)
			fault.Method, fault.Route, fault.Times = "POST", rotateRoute, 1
			w.gl.InjectFault(fault)

			due := rotationStart.Add(24 * time.Hour)
			e.at(due)
			if _, live := w.gl.Lookup(w.token); !live {
				t.Fatal("a failed rotation killed the old token")
			}
			e.issueAndRevoke("app")
			read := e.ok(logical.ReadOperation, "config/gl", nil)
			if read.Data["last_rotation_error"] == nil {
				t.Fatalf("config read shows no rotation error: %v", read.Data)
			}
			assertNoSecret(t, read.Data, w.token)
			if got := mustTime(t, read.Data["next_rotation"]); !got.Equal(due.Add(time.Minute)) {
				t.Fatalf("retry at %s, want a minute later", got)
			}

			e.at(due.Add(time.Minute))
			assertRotated(t, e, w, w.token)
			read = e.ok(logical.ReadOperation, "config/gl", nil)
			if read.Data["last_rotation_error"] != nil {
				t.Fatalf("error still shown after success: %v", read.Data["last_rotation_error"])
			}
			if got := mustTime(t, read.Data["next_rotation"]); !got.Equal(due.Add(time.Minute + 24*time.Hour)) {
				t.Fatalf("next_rotation %s after the retry", got)
			}
		})
	}
}

func faultName(f fakegitlab.Fault) string {
	if f.Drop {
		return "dropped"
	}
	return fmt.Sprintf("status %d", f.Status)
}

// TestGitLabLostRotationAnswerNotRetried: GitLab rotated but the answer was
// lost, so the engine's token is dead. The engine must not rotate with it
// again, which would make GitLab revoke the whole family, the unknown new
// token included.
func TestGitLabLostRotationAnswerNotRetried(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, map[string]any{"rotation_period": "24h"})
	w.gl.InjectFault(fakegitlab.Fault{Method: "POST", Route: rotateRoute, DropAfterCommit: true, Times: 1})
	due := rotationStart.Add(24 * time.Hour)
	e.at(due)
	replacement := w.liveConnectionToken(t) // the token whose answer was lost
	for i := 1; i <= 5; i++ {
		e.at(due.Add(time.Duration(i) * time.Hour))
	}
	if n := w.gl.Calls("POST", rotateRoute); n != 1 {
		t.Fatalf("%d rotate calls, want only the lost one", n)
	}
	if _, live := w.gl.Lookup(replacement.Token); !live {
		t.Fatal("GitLab revoked the token family: the engine rotated a revoked token")
	}
	read := e.ok(logical.ReadOperation, "config/gl", nil)
	msg, _ := read.Data["last_rotation_error"].(string)
	if !strings.Contains(msg, "write a new token") {
		t.Fatalf("last_rotation_error %q does not tell the operator what to do", msg)
	}
	// The operator writes the replacement; the engine works again.
	e.ok(logical.UpdateOperation, "config/gl", map[string]any{"token": replacement.Token})
	addProjectRole(e)
	e.issueAndRevoke("app")
}

// TestGitLabRotationStoredBeforeUse: GitLab rotated, then storage refused
// the new token. The engine keeps working with it, stores it when storage
// recovers, and a restart before that recovers it from the WAL.
func TestGitLabRotationStoredBeforeUse(t *testing.T) {
	t.Parallel()
	t.Run("kept in memory until storage recovers", func(t *testing.T) {
		t.Parallel()
		e, w := newGitLabRotEnv(t, nil)
		addProjectRole(e)
		e.storage.failWrites("config/", "wal/")
		if _, err := e.request(logical.UpdateOperation, "rotate-root/gl", nil); err == nil || !strings.Contains(err.Error(), "storing the new one failed") {
			t.Fatalf("rotate-root with storage down: %v", err)
		}
		newToken := w.liveConnectionToken(t).Token
		// Still working, with the token only memory holds.
		e.storage.failWrites("config/")
		e.issueAndRevoke("app")
		e.storage.failWrites()
		e.tick()
		e.requireStoredToken(newToken, "the tick did not store the rotated token")
		e.restart()
		e.issueAndRevoke("app")
	})
	t.Run("recovered from the WAL after a crash", func(t *testing.T) {
		t.Parallel()
		e, w := newGitLabRotEnv(t, nil)
		addProjectRole(e)
		e.rotateRootUnsaved("config/")
		newToken := w.liveConnectionToken(t).Token
		e.storage.failWrites()
		e.crash()
		e.requireStoredToken(newToken, "the restart did not recover the rotated token from the WAL")
		if keys, _ := e.storage.List(context.Background(), "wal/"); len(keys) != 0 {
			t.Fatalf("WAL entries left: %v", keys)
		}
		e.issueAndRevoke("app")
	})
}

// TestGitLabScheduleSurvivesRestart: the schedule lives in storage; a new
// backend on the same storage rotates on time.
func TestGitLabScheduleSurvivesRestart(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, map[string]any{"rotation_period": "24h"})
	addProjectRole(e)
	e.clock.Advance(12 * time.Hour)
	e.restart()
	w.gl.ResetCalls()
	e.at(rotationStart.Add(24*time.Hour - time.Minute))
	if n := w.gl.Calls("POST", rotateRoute); n != 0 {
		t.Fatal("rotated early after the restart")
	}
	e.crash()
	e.at(rotationStart.Add(24 * time.Hour))
	if n := w.gl.Calls("POST", rotateRoute); n != 1 {
		t.Fatalf("%d rotations at the due time after a restart", n)
	}
	assertRotated(t, e, w, w.token)
}

// TestRotationManagerRunsTheSchedule: on Vault Enterprise the schedule is
// registered with the rotation manager, the engine does not run it, and
// the manager's callback rotates.
func TestRotationManagerRunsTheSchedule(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	w := newGitLabWorld(t, clock)
	view := &enterpriseView{StaticSystemView: systemDefaults(), next: rotationStart.Add(24 * time.Hour)}
	e := newRotEnv(t, clock, view)
	e.ok(logical.CreateOperation, "config/gl", map[string]any{
		"provider": "gitlab", "token": w.token, "base_url": w.gl.URL(), "rotation_period": "24h",
	})
	addProjectRole(e)
	if reg, _ := view.calls(); reg != 1 {
		t.Fatalf("%d registrations", reg)
	}
	job := view.registered[0]
	if job.ReqPath != "config/gl" || job.MountPoint != "git/" || job.RotationPeriod != 24*time.Hour {
		t.Fatalf("registered %+v", job)
	}
	read := e.ok(logical.ReadOperation, "config/gl", nil)
	if read.Data["rotation_managed_by"] != managedByVault || !mustTime(t, read.Data["next_rotation"]).Equal(view.next) {
		t.Fatalf("config read: managed by %v, next %v", read.Data["rotation_managed_by"], read.Data["next_rotation"])
	}
	// The engine's own ticks leave it to Vault.
	e.at(rotationStart.Add(48 * time.Hour))
	if n := w.gl.Calls("POST", rotateRoute); n != 0 {
		t.Fatal("the engine rotated a schedule Vault runs")
	}
	resp, err := e.b.HandleRequest(context.Background(), &logical.Request{
		Operation: logical.RotationOperation, Path: "config/gl", Storage: e.storage, MountPoint: "git/",
	})
	if err != nil || resp.IsError() {
		t.Fatalf("RotateCredential: %v %v", err, resp)
	}
	assertRotated(t, e, w, w.token)

	// Switching it off, and deleting the connection, deregister it.
	e.ok(logical.UpdateOperation, "config/gl", map[string]any{"disable_automated_rotation": true})
	e.ok(logical.UpdateOperation, "config/gl", map[string]any{"disable_automated_rotation": false, "rotation_schedule": "0 3 * * *"})
	e.ok(logical.DeleteOperation, "roles/app", nil)
	e.ok(logical.DeleteOperation, "config/gl", nil)
	if reg, dereg := view.calls(); reg != 2 || dereg != 2 {
		t.Fatalf("%d registrations and %d deregistrations, want 2 and 2", reg, dereg)
	}
}

func TestConfigRotationFields(t *testing.T) {
	t.Parallel()
	e, _ := newGitLabRotEnv(t, nil)
	read := e.ok(logical.ReadOperation, "config/gl", nil)
	if read.Data["rotation_managed_by"] != "" || read.Data["next_rotation"] != nil || read.Data["rotation_period"] != float64(0) {
		t.Fatalf("no schedule: %v", read.Data)
	}
	e.ok(logical.UpdateOperation, "config/gl", map[string]any{"rotation_schedule": "0 3 * * 1", "rotation_window": "2h"})
	read = e.ok(logical.ReadOperation, "config/gl", nil)
	if read.Data["rotation_schedule"] != "0 3 * * 1" || read.Data["rotation_window"] != float64(7200) || read.Data["rotation_period"] != float64(0) {
		t.Fatalf("schedule: %v", read.Data)
	}
	// A period replaces the schedule in one write.
	e.ok(logical.UpdateOperation, "config/gl", map[string]any{"rotation_period": "72h"})
	read = e.ok(logical.ReadOperation, "config/gl", nil)
	if read.Data["rotation_schedule"] != "" || read.Data["rotation_period"] != float64(72*3600) {
		t.Fatalf("period: %v", read.Data)
	}
	if got := mustTime(t, read.Data["next_rotation"]); !got.Equal(rotationStart.Add(72 * time.Hour)) {
		t.Fatalf("next_rotation %s", got)
	}
	e.ok(logical.UpdateOperation, "config/gl", map[string]any{"disable_automated_rotation": true})
	read = e.ok(logical.ReadOperation, "config/gl", nil)
	if read.Data["next_rotation"] != nil || read.Data["rotation_managed_by"] != "" {
		t.Fatalf("disabled: %v", read.Data)
	}

	for _, c := range []struct {
		data map[string]any
		want string
	}{
		{map[string]any{"rotation_period": "1h", "rotation_schedule": "0 3 * * *"}, "mutually exclusive"},
		{map[string]any{"rotation_window": "2h"}, "rotation_window"},
		{map[string]any{"rotation_schedule": "0 3 * * *", "rotation_window": "10m"}, "3600"},
		{map[string]any{"rotation_schedule": "not cron"}, "rotation_schedule"},
		{map[string]any{"rotation_period": "10s"}, "at least"},
		{map[string]any{"rotation_period": "8760h"}, "GitLab tokens live at most"},
		{map[string]any{"rotation_schedule": "0 0 1 1 *"}, "GitLab tokens live at most"},
		{map[string]any{"token_lifetime": "1h"}, "at least a day"},
		{map[string]any{"staged_private_keys": "x"}, "github"},
	} {
		if msg := e.bad(logical.UpdateOperation, "config/gl", c.data); !strings.Contains(msg, c.want) {
			t.Errorf("%v: %q does not mention %q", c.data, msg, c.want)
		}
	}
}

// TestScheduleMovesToVaultAfterUpgrade: a schedule the engine ran on
// Community Edition is handed to the rotation manager at the next write
// once Vault can take it, and the engine stops running it.
func TestScheduleMovesToVaultAfterUpgrade(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, map[string]any{"rotation_period": "24h"})
	view := &enterpriseView{StaticSystemView: systemDefaults(), next: rotationStart.Add(24 * time.Hour)}
	e.system = view
	e.restart()
	e.ok(logical.UpdateOperation, "config/gl", map[string]any{"rotation_period": "24h"})
	if reg, _ := view.calls(); reg != 1 {
		t.Fatalf("%d registrations after the upgrade", reg)
	}
	if by := e.ok(logical.ReadOperation, "config/gl", nil).Data["rotation_managed_by"]; by != managedByVault {
		t.Fatalf("rotation_managed_by %v", by)
	}
	e.at(rotationStart.Add(48 * time.Hour))
	if n := w.gl.Calls("POST", rotateRoute); n != 0 {
		t.Fatal("the engine still runs a schedule Vault took over")
	}
}

// TestGitLabRotationTimeout: a rotate call that times out before GitLab
// acts leaves the old token in use, and the next rotation works.
func TestGitLabRotationTimeout(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	addProjectRole(e)
	w.gl.InjectFault(fakegitlab.Fault{Method: "POST", Route: rotateRoute, Latency: time.Minute, Times: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	resp, err := e.b.HandleRequest(ctx, &logical.Request{
		Operation: logical.UpdateOperation, Path: "rotate-root/gl", Storage: e.storage, MountPoint: "git/",
	})
	if err == nil && !resp.IsError() {
		t.Fatal("rotate-root succeeded through a timeout")
	}
	if _, live := w.gl.Lookup(w.token); !live {
		t.Fatal("a timed-out rotation killed the old token")
	}
	e.issueAndRevoke("app")
	e.ok(logical.UpdateOperation, "rotate-root/gl", nil)
	assertRotated(t, e, w, w.token)
}
