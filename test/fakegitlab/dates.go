package fakegitlab

import (
	"time"
)

// Access tokens carry a date, not a time; GitLab's days are UTC days.

// dateOf is 00:00 UTC of t's UTC date.
func dateOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// formatDate is how GitLab writes an access token's expires_at.
func formatDate(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// formatTime is how GitLab (Rails) writes timestamps.
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// parseDate reads a Grape Date parameter: "2025-03-12", or a timestamp whose
// written date is taken, as Ruby's Date.parse does.
func parseDate(s string) (time.Time, bool) {
	if len(s) < len(time.DateOnly) {
		return time.Time{}, false
	}
	d, err := time.Parse(time.DateOnly, s[:len(time.DateOnly)])
	if err != nil {
		return time.Time{}, false
	}
	if len(s) > len(time.DateOnly) {
		if _, ok := parseDateTime(s); !ok {
			return time.Time{}, false
		}
	}
	return d, true
}

// parseDateTime reads a Grape DateTime parameter: RFC 3339, a zoneless
// timestamp (UTC), or a bare date (00:00 UTC).
func parseDateTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
