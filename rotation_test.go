package gitsecrets

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/helper/automatedrotationutil"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestRotationStateTiming walks a schedule through ticks and says, at each,
// whether a rotation is due and what comes next.
func TestRotationStateTiming(t *testing.T) {
	t.Parallel()
	type step struct {
		now      string
		wantDue  bool
		wantNext string // the scheduled rotation after the step
	}
	cases := []struct {
		name  string
		spec  rotationSpec
		start string
		steps []step
	}{
		{
			name:  "period",
			spec:  rotationSpec{Period: 24 * time.Hour},
			start: "2025-03-11T12:00:00Z",
			steps: []step{
				{"2025-03-12T11:59:00Z", false, "2025-03-12T12:00:00Z"},
				{"2025-03-12T12:00:00Z", true, "2025-03-13T12:00:00Z"},
				{"2025-03-13T11:00:00Z", false, "2025-03-13T12:00:00Z"},
				// Late (the engine was down): rotates, and counts from then.
				{"2025-03-13T18:30:00Z", true, "2025-03-14T18:30:00Z"},
			},
		},
		{
			name:  "cron",
			spec:  rotationSpec{Schedule: "0 3 * * *"},
			start: "2025-03-11T12:00:00Z",
			steps: []step{
				{"2025-03-12T02:59:00Z", false, "2025-03-12T03:00:00Z"},
				{"2025-03-12T03:00:00Z", true, "2025-03-13T03:00:00Z"},
				// Without a window a late rotation still happens.
				{"2025-03-13T09:00:00Z", true, "2025-03-14T03:00:00Z"},
			},
		},
		{
			name:  "cron with window",
			spec:  rotationSpec{Schedule: "0 3 * * *", Window: 2 * time.Hour},
			start: "2025-03-11T12:00:00Z",
			steps: []step{
				{"2025-03-12T04:59:00Z", true, "2025-03-13T03:00:00Z"},
				// 05:00 on the 13th is past the 03:00 + 2h window: skipped.
				{"2025-03-13T05:00:00Z", false, "2025-03-14T03:00:00Z"},
				{"2025-03-14T03:01:00Z", true, "2025-03-15T03:00:00Z"},
			},
		},
		{
			name:  "weekly cron",
			spec:  rotationSpec{Schedule: "30 6 * * 1"},
			start: "2025-03-11T12:00:00Z", // a Tuesday
			steps: []step{
				{"2025-03-16T23:00:00Z", false, "2025-03-17T06:30:00Z"},
				{"2025-03-17T06:30:00Z", true, "2025-03-24T06:30:00Z"},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var st rotationState
			st.schedule(c.spec, at(c.start))
			for _, s := range c.steps {
				now := at(s.now)
				due, _ := st.due(c.spec, now)
				if due != s.wantDue {
					t.Fatalf("at %s: due %v, want %v (next %s)", s.now, due, s.wantDue, st.Next)
				}
				if due {
					st.succeeded(c.spec, now)
				}
				if got := st.Next.Format(time.RFC3339); got != s.wantNext {
					t.Fatalf("after %s: next %s, want %s", s.now, got, s.wantNext)
				}
			}
		})
	}
}

func TestRotationStateRetriesWithBackoff(t *testing.T) {
	t.Parallel()
	spec := rotationSpec{Period: 24 * time.Hour}
	var st rotationState
	start := at("2025-03-11T12:00:00Z")
	st.schedule(spec, start)
	now := st.Next
	wantWaits := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	for i, wait := range wantWaits {
		if due, _ := st.due(spec, now); !due {
			t.Fatalf("attempt %d at %s not due", i+1, now)
		}
		st.failed(now, fmt.Errorf("GitLab answered 502"))
		if got := st.RetryAt.Sub(now); got != wait {
			t.Fatalf("after failure %d: retry in %s, want %s", i+1, got, wait)
		}
		if due, _ := st.due(spec, now.Add(wait-time.Second)); due {
			t.Fatalf("due before the retry time")
		}
		if st.wake() != st.RetryAt || st.LastError == "" {
			t.Fatalf("wake %s retry %s error %q", st.wake(), st.RetryAt, st.LastError)
		}
		now = st.RetryAt
	}
	st.succeeded(spec, now)
	if st.Failures != 0 || st.LastError != "" || !st.Next.Equal(now.Add(24*time.Hour)) {
		t.Fatalf("after success: %+v", st)
	}
}

// TestRotationStateRetriesStopAtWindow: a failing rotation is not retried
// past its window; the next scheduled point takes over.
func TestRotationStateRetriesStopAtWindow(t *testing.T) {
	t.Parallel()
	spec := rotationSpec{Schedule: "0 3 * * *", Window: time.Hour}
	var st rotationState
	st.schedule(spec, at("2025-03-11T12:00:00Z"))
	now := at("2025-03-12T03:00:00Z")
	for {
		due, moved := st.due(spec, now)
		if moved {
			break
		}
		if !due {
			now = st.wake()
			continue
		}
		st.failed(now, errors.New("down"))
		now = st.RetryAt
	}
	if !st.Next.Equal(at("2025-03-13T03:00:00Z")) || st.Failures != 0 {
		t.Fatalf("after the window: next %s failures %d", st.Next, st.Failures)
	}
	if now.Before(at("2025-03-12T04:00:00Z")) {
		t.Fatalf("gave up at %s, inside the window", now)
	}
}

func TestRotationSpecValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		spec rotationSpec
		want string
	}{
		{rotationSpec{Period: time.Hour}, ""},
		{rotationSpec{Schedule: "0 3 * * 1", Window: time.Hour}, ""},
		{rotationSpec{}, ""},
		{rotationSpec{Period: time.Hour, Schedule: "0 3 * * *"}, "mutually exclusive"},
		{rotationSpec{Period: 30 * time.Second}, "at least"},
		{rotationSpec{Period: time.Hour, Window: 2 * time.Hour}, "only with rotation_schedule"},
		{rotationSpec{Schedule: "0 3 * * *", Window: 10 * time.Minute}, "3600"},
		{rotationSpec{Schedule: "every day"}, "cron"},
		{rotationSpec{Schedule: "0 0 3 * * *"}, "cron"}, // six fields
	}
	for _, c := range cases {
		got := c.spec.validate()
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%+v: %q, want %q", c.spec, got, c.want)
		}
	}
}

func TestRotationManagerUnavailable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err  error
		want bool
	}{
		{automatedrotationutil.ErrRotationManagerUnsupported, true},
		// Vault's in-process system view flattens the error to text.
		{fmt.Errorf("error registering rotation job: %s", automatedrotationutil.ErrRotationManagerUnsupported), true},
		// An external plugin on a Vault that predates the sdk's call.
		{errors.New("rpc error: code = Unimplemented desc = unknown method RegisterRotationJobWithResponse for service pb.SystemView"), true},
		{errors.New("rpc error: code = Internal desc = invalid rotation schedule"), false},
		{errors.New("RegisterRotationJob is not implemented in StaticSystemView"), false},
	}
	for _, c := range cases {
		if got := rotationManagerUnavailable(c.err); got != c.want {
			t.Errorf("%v: %v, want %v", c.err, got, c.want)
		}
	}
}

func TestRotatedTokenExpiry(t *testing.T) {
	t.Parallel()
	now := at("2025-03-11T12:00:00Z")
	const day = 24 * time.Hour
	limit := 364 * day
	cases := []struct {
		name     string
		lifetime time.Duration
		spec     rotationSpec
		want     time.Time
	}{
		{"the configured lifetime", 90 * day, rotationSpec{Period: 30 * day}, now.Add(90 * day)},
		{"stretched to outlive the next rotation", 7 * day, rotationSpec{Period: 30 * day}, now.Add(37 * day)},
		{"window counted", day, rotationSpec{Schedule: "0 3 * * *", Window: 2 * time.Hour}, at("2025-03-12T05:00:00Z").Add(7 * day)},
		{"capped by GitLab", 400 * day, rotationSpec{}, now.Add(limit)},
		{"no schedule", 30 * day, rotationSpec{}, now.Add(30 * day)},
	}
	for _, c := range cases {
		if got := rotatedTokenExpiry(now, c.lifetime, c.spec, limit); !got.Equal(c.want) {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}
