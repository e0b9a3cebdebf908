package gitsecrets

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/logical"
)

// FuzzRotationSchedule feeds arbitrary rotation fields (a cron string, a
// period, a window) through the checks config/ and static-roles/ writes
// make: nothing panics, and a schedule the checks accept always has a next
// rotation after now, is due there, and moves on after it.
func FuzzRotationSchedule(f *testing.F) {
	for _, s := range []struct {
		schedule       string
		period, window int64
	}{
		{"0 3 * * 1", 0, 0},
		{"", 3600, 0},
		{"*/5 * * * *", 0, 3600},
		{"0 0 29 2 *", 0, 7200},
		{"0 0 30 2 *", 0, 0},
		{"0 0 31 4,6,9,11 *", 0, 0},
		{"@every 1m", 0, 0},
		{"* * * * * *", 0, 0},
		{"60 24 32 13 8", 0, 0},
		{"0 3 * * 1", 3600, 0},
		{"0 3 * * 1", 0, 9223286400},
		{"", 9223286400, 0},
		{"", 59, 0},
		{"1-59/0 * * * *", 0, 0},
		{"0 0 1 1 *\x00", 0, 0},
	} {
		f.Add(s.schedule, s.period, s.window, int64(1767225600))
	}
	f.Fuzz(func(t *testing.T, schedule string, periodSecs, windowSecs, nowUnix int64) {
		sp := rotationSpec{Schedule: schedule, Period: seconds(periodSecs), Window: seconds(windowSecs)}
		// Any moment from 1970 to 2200.
		now := time.Unix(nowUnix%7258118400, 0).UTC()
		if now.Before(time.Unix(0, 0)) {
			now = time.Unix(0, 0).UTC()
		}
		if msg := sp.validate(); msg != "" || !sp.enabled() {
			return
		}
		next := sp.nextAfter(now)
		if !next.After(now) {
			t.Fatalf("accepted %+v, whose next rotation after %s is %s", sp, now, next)
		}
		if gap := sp.longestGap(now); gap <= 0 {
			t.Fatalf("accepted %+v, whose longest gap from %s is %s", sp, now, gap)
		}
		var st rotationState
		st.schedule(sp, now)
		if due, _ := st.due(sp, st.Next); !due {
			t.Fatalf("%+v is not due at its own next rotation %s", sp, st.Next)
		}
		st.succeeded(sp, st.Next)
		if !st.Next.After(st.Last) {
			t.Fatalf("%+v: after a rotation at %s the next is %s", sp, st.Last, st.Next)
		}
	})
}

// seconds is a field's seconds as the framework hands them over: a
// TypeDurationSecond never exceeds what a time.Duration holds.
func seconds(n int64) time.Duration {
	const maxSeconds = int64(1<<63-1) / int64(time.Second)
	n %= maxSeconds
	return time.Duration(n) * time.Second
}

// TestRotationFieldsRefuseNeverAndOverflow: a cron schedule that matches no
// day, and periods, windows and grace periods so long that their sums
// would overflow, are refused with a 400 that names the field.
func TestRotationFieldsRefuseNeverAndOverflow(t *testing.T) {
	t.Parallel()
	e, _ := newGitLabRotEnv(t, nil)
	static := map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_repository", "access_level": "developer"}
	for _, c := range []struct {
		name, path string
		fields     map[string]any
		want       string
	}{
		{"root schedule on February 30", "config/gl", map[string]any{"rotation_schedule": "0 0 30 2 *"}, "never fires"},
		{"root window of centuries", "config/gl", map[string]any{"rotation_schedule": "0 0 * * *", "rotation_window": "106751d"}, "rotation_window must be at most"},
		{"root period of centuries", "config/gl", map[string]any{"rotation_period": "106751d"}, "rotation_period must be at most"},
		{"static schedule on April 31", "static-roles/s", map[string]any{"rotation_schedule": "0 0 31 4 *"}, "never fires"},
		{"static period of centuries", "static-roles/s", map[string]any{"rotation_period": "106751d"}, "rotation_period must be at most"},
		{"static grace of centuries", "static-roles/s", map[string]any{"rotation_period": "24h", "grace_period": "106751d"}, "grace_period must be at most"},
	} {
		data := map[string]any{}
		if c.path != "config/gl" {
			for k, v := range static {
				data[k] = v
			}
		}
		for k, v := range c.fields {
			data[k] = v
		}
		if msg := e.bad(logical.UpdateOperation, c.path, data); !strings.Contains(msg, c.want) {
			t.Errorf("%s: refused with %q, want it to say %q", c.name, msg, c.want)
		}
	}
	// Leap days and the last day of long months still fire.
	for _, s := range []string{"0 0 29 2 *", "0 0 31 * *"} {
		if msg := (rotationSpec{Schedule: s}).validate(); msg != "" {
			t.Errorf("%q refused: %s", s, msg)
		}
	}
	e.ok(logical.UpdateOperation, "config/gl", map[string]any{"rotation_schedule": "0 0 31 * *"})
}
