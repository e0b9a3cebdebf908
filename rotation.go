package gitsecrets

import (
	"fmt"
	"time"

	"github.com/hashicorp/vault/sdk/rotation"
)

// Scheduled rotation, the part shared by the connections' own credentials
// (config/:name) and static roles: when a credential is due, and what a
// success or a failure does to its schedule. The time arithmetic is the
// sdk's (sdk/rotation, the scheduler Vault's database engine and rotation
// manager use), always given the backend's clock instead of time.Now.

const (
	// minRotationPeriod is the shortest rotation_period accepted. Scheduled
	// work runs on Vault's one-minute rollback tick, so anything shorter
	// could not be honoured.
	minRotationPeriod = time.Minute
	// maxRetryBackoff bounds the wait between attempts of a failing
	// rotation: it is retried at the next tick, then after 2, 4, 8 … minutes,
	// at least once an hour.
	maxRetryBackoff = time.Hour
	// maxRotationSpan bounds rotation_period, rotation_window and
	// grace_period. No provider token lives that long anyway; the bound
	// keeps their sums (a token's needed lifetime) far from overflowing a
	// time.Duration, which would wrap and slip past the lifetime checks.
	maxRotationSpan = 10 * 365 * 24 * time.Hour
)

// Who runs a connection's schedule.
const (
	// managedByVault: Vault Enterprise's rotation manager calls back
	// (RotateCredential); the engine keeps no schedule of its own.
	managedByVault = "vault"
	// managedByEngine: the rotation manager is not available (Vault
	// Community Edition), so the engine's own scheduler runs it.
	managedByEngine = "engine"
)

// rotationSpec is when a credential should rotate: every Period, or at each
// point of the cron Schedule (five fields, UTC), within Window of it.
type rotationSpec struct {
	Period   time.Duration `json:"period,omitempty"`
	Schedule string        `json:"schedule,omitempty"`
	Window   time.Duration `json:"window,omitempty"`
}

func (sp rotationSpec) enabled() bool { return sp.Period > 0 || sp.Schedule != "" }

// validate checks the spec the way Vault's database engine does, and
// returns a message for the operator or "".
func (sp rotationSpec) validate() string {
	switch {
	case sp.Period != 0 && sp.Schedule != "":
		return "rotation_period and rotation_schedule are mutually exclusive; give one"
	case sp.Period < 0:
		return "rotation_period must not be negative"
	case sp.Period != 0 && sp.Period < minRotationPeriod:
		return fmt.Sprintf("rotation_period must be at least %s", minRotationPeriod)
	case sp.Window != 0 && sp.Schedule == "":
		return "rotation_window applies only with rotation_schedule"
	case sp.Period > maxRotationSpan:
		return fmt.Sprintf("rotation_period must be at most %s", maxRotationSpan)
	case sp.Window > maxRotationSpan:
		return fmt.Sprintf("rotation_window must be at most %s", maxRotationSpan)
	}
	if sp.Schedule != "" {
		sched, err := rotation.DefaultScheduler.Parse(sp.Schedule)
		if err != nil {
			return fmt.Sprintf("rotation_schedule %q is not a five-field cron expression (minute hour day-of-month month day-of-week, UTC): %s", sp.Schedule, err)
		}
		// The cron parser takes dates that do not exist, such as February
		// 30; such a schedule would rotate once and then never again. Any
		// instant does to ask: cron has no year field.
		if sched.Next(time.Now()).IsZero() {
			return fmt.Sprintf("rotation_schedule %q never fires: no day matches it", sp.Schedule)
		}
	}
	if sp.Window != 0 {
		if err := rotation.DefaultScheduler.ValidateRotationWindow(int(sp.Window.Seconds())); err != nil {
			return err.Error()
		}
	}
	return ""
}

// sdk is the spec in the sdk's form, with next as the scheduled rotation.
// The spec was validated when it was written, so the cron parses.
func (sp rotationSpec) sdk(next time.Time) *rotation.RotationSchedule {
	rs := &rotation.RotationSchedule{
		RotationSchedule:  sp.Schedule,
		RotationWindow:    sp.Window,
		RotationPeriod:    sp.Period,
		NextVaultRotation: next,
	}
	if sp.Schedule != "" {
		rs.Schedule, _ = rotation.DefaultScheduler.Parse(sp.Schedule)
	}
	return rs
}

// nextAfter is the first scheduled rotation after t.
func (sp rotationSpec) nextAfter(t time.Time) time.Time {
	if !sp.enabled() {
		return time.Time{}
	}
	rs := sp.sdk(time.Time{})
	if sp.Schedule != "" && rs.Schedule == nil {
		return time.Time{}
	}
	return rotation.DefaultScheduler.NextRotationTimeFromInput(rs, t).UTC()
}

// longestGap is the longest the spec can leave a credential between two
// rotations, window included, as seen from now: what a credential's
// provider expiry must cover.
func (sp rotationSpec) longestGap(now time.Time) time.Duration {
	if sp.Period > 0 {
		return sp.Period
	}
	first := sp.nextAfter(now)
	second := sp.nextAfter(first)
	if first.IsZero() || second.IsZero() {
		return 0
	}
	return max(first.Sub(now), second.Sub(first)) + sp.Window
}

// rotationState is where one credential's schedule stands. It is stored
// with the credential, so it survives restarts, and the scheduler's queue is
// rebuilt from it.
type rotationState struct {
	// ManagedBy is managedByVault, managedByEngine, or "" when nothing is
	// scheduled (static roles are always the engine's).
	ManagedBy string `json:"managed_by,omitempty"`
	// Last is the last successful rotation; Next the scheduled one.
	Last time.Time `json:"last"`
	Next time.Time `json:"next"`
	// Failures counts failed attempts since the last success; while it is
	// above zero the scheduler tries again at RetryAt.
	Failures int       `json:"failures,omitempty"`
	RetryAt  time.Time `json:"retry_at"`
	// LastError says why the last attempt failed; it never holds a secret.
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at"`
}

// schedule (re)starts the schedule after the spec was written. A period
// counts from the last rotation (or now); a late one is due at once.
func (st *rotationState) schedule(sp rotationSpec, now time.Time) {
	st.Failures, st.RetryAt = 0, time.Time{}
	base := now
	if sp.Period > 0 && !st.Last.IsZero() {
		base = st.Last
	}
	st.Next = sp.nextAfter(base)
	if st.Next.Before(now) {
		st.Next = now
	}
}

// due reports whether the credential should rotate at now. A scheduled
// rotation whose window has passed unrotated (the engine was down, or every
// attempt failed) is skipped to the next point of the schedule, as Vault's
// database engine does; moved then says the state changed.
func (st *rotationState) due(sp rotationSpec, now time.Time) (due, moved bool) {
	if !sp.enabled() || st.Next.IsZero() {
		return false, false
	}
	at := st.Next
	if st.Failures > 0 && !st.RetryAt.IsZero() {
		at = st.RetryAt
	}
	rs := sp.sdk(st.Next)
	if rotation.DefaultScheduler.ShouldRotate(rs, at.Unix(), now) {
		return true, false
	}
	if !rotation.DefaultScheduler.IsInsideRotationWindow(rs, now) {
		st.Next = sp.nextAfter(now)
		st.Failures, st.RetryAt = 0, time.Time{}
		return false, true
	}
	return false, false
}

// succeeded records a rotation at now and schedules the next one.
func (st *rotationState) succeeded(sp rotationSpec, now time.Time) {
	st.Last = now.UTC()
	st.Next = sp.nextAfter(now)
	st.Failures, st.RetryAt = 0, time.Time{}
	st.LastError, st.LastErrorAt = "", time.Time{}
}

// failed records a failed attempt and schedules the retry.
func (st *rotationState) failed(now time.Time, err error) {
	st.Failures++
	st.RetryAt = now.Add(retryBackoff(st.Failures)).UTC()
	st.LastError, st.LastErrorAt = err.Error(), now.UTC()
}

// skipped records an attempt that cannot succeed by retrying (nothing to
// rotate to yet, provider.ErrNoNextCredential): the error is kept for the operator and the schedule moves
// on to its next point.
func (st *rotationState) skipped(sp rotationSpec, now time.Time, err error) {
	st.Next = sp.nextAfter(now)
	st.Failures, st.RetryAt = 0, time.Time{}
	st.LastError, st.LastErrorAt = err.Error(), now.UTC()
}

// wake is when the scheduler must look at the credential next; zero for
// never.
func (st *rotationState) wake() time.Time {
	if st.Failures > 0 && !st.RetryAt.IsZero() {
		return st.RetryAt
	}
	return st.Next
}

func retryBackoff(failures int) time.Duration {
	if failures < 1 {
		failures = 1
	}
	if failures > 7 { // 2^6 minutes is already past the cap
		return maxRetryBackoff
	}
	return min(time.Minute<<(failures-1), maxRetryBackoff)
}

// rotationStateData shows a state in a read: times as RFC 3339 (or nil),
// the last error while it stands.
func rotationStateData(data map[string]any, st rotationState) {
	data["last_rotated"] = timeOrNil(st.Last)
	data["next_rotation"] = timeOrNil(st.wake())
	if st.LastError != "" {
		data["last_rotation_error"] = st.LastError
		data["last_rotation_error_at"] = timeOrNil(st.LastErrorAt)
	}
}

func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}
