package gitlab

import (
	"fmt"
	"time"
)

// accessTokenExpiry is the expires_at date for an access or personal token
// that must work until notAfter. GitLab takes only a date and ends the token
// at 00:00 UTC on it, so the answer is the first UTC midnight after
// notAfter: the token outlives the lease by less than a day, as a backstop
// to Vault's own revocation. It is never today (notAfter must be ahead of
// now) and never past GitLab's cap of today + 365 days, which GitLab would
// refuse anyway; refusing here costs no HTTP call.
func accessTokenExpiry(now, notAfter time.Time) (time.Time, error) {
	if notAfter.IsZero() {
		return time.Time{}, fmt.Errorf("no end time was given for the token")
	}
	if !notAfter.After(now) {
		return time.Time{}, fmt.Errorf("the token's end time %s is not in the future", notAfter.UTC().Format(time.RFC3339))
	}
	date := utcDate(notAfter).AddDate(0, 0, 1)
	limit := utcDate(now).AddDate(0, 0, maxLifetimeDays)
	if date.After(limit) {
		return time.Time{}, fmt.Errorf(
			"GitLab tokens live at most %d days: a token used until %s would need the expiry date %s, after GitLab's limit of %s; use a TTL of at most %d days",
			maxLifetimeDays, notAfter.UTC().Format(time.RFC3339), date.Format(time.DateOnly), limit.Format(time.DateOnly), maxLifetimeDays-1)
	}
	return date, nil
}

// deployTokenExpiry is the expires_at of a deploy token, which GitLab takes
// as a full datetime: notAfter itself, rounded up to a whole second so the
// token never ends before the lease does.
func deployTokenExpiry(now, notAfter time.Time) (time.Time, error) {
	if notAfter.IsZero() {
		return time.Time{}, fmt.Errorf("no end time was given for the token")
	}
	if !notAfter.After(now) {
		return time.Time{}, fmt.Errorf("the token's end time %s is not in the future", notAfter.UTC().Format(time.RFC3339))
	}
	t := notAfter.UTC()
	if r := t.Truncate(time.Second); !r.Equal(t) {
		t = r.Add(time.Second)
	}
	return t, nil
}

// utcDate is the UTC midnight that starts t's UTC day.
func utcDate(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
