package gitlab

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// issueTimes are moments around UTC midnight, some written in other zones,
// at which tokens are issued in the expiry grid.
func issueTimes(t *testing.T) []time.Time {
	t.Helper()
	tokyo := time.FixedZone("UTC+9", 9*3600)
	denver := time.FixedZone("UTC-7", -7*3600)
	return []time.Time{
		time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC),
		time.Date(2025, 3, 10, 0, 0, 1, 0, time.UTC),
		time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC),
		time.Date(2025, 3, 10, 23, 0, 0, 0, time.UTC),
		time.Date(2025, 3, 10, 23, 59, 59, 0, time.UTC),
		time.Date(2025, 3, 10, 23, 59, 59, 999999999, time.UTC),
		time.Date(2024, 2, 28, 23, 30, 0, 0, time.UTC),   // leap day next
		time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC), // year end
		time.Date(2025, 3, 11, 8, 30, 0, 0, tokyo),       // 23:30 UTC the day before
		time.Date(2025, 3, 10, 20, 0, 0, 0, denver),      // 03:00 UTC the next day
		time.Date(2025, 3, 10, 0, 0, 0, 0, time.FixedZone("UTC+14", 14*3600)),
	}
}

func TestAccessTokenExpiryGrid(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	ttls := []time.Duration{
		time.Hour, 23 * time.Hour, day - time.Second, day, day + time.Hour, 7 * day,
		30 * day, 90 * day, 363 * day, 364 * day, 365 * day, 366 * day,
	}
	for _, now := range issueTimes(t) {
		today := utcDate(now)
		for _, ttl := range ttls {
			t.Run(fmt.Sprintf("%s+%s", now.Format(time.RFC3339Nano), ttl), func(t *testing.T) {
				notAfter := now.Add(ttl)
				date, err := accessTokenExpiry(now, notAfter)
				if ttl > maxAccessTokenTTL {
					// 365 days and more never fit: the lease ends on or
					// after day 365, so its midnight is past the cap.
					if err == nil {
						t.Fatalf("a %s TTL gave expiry %s; GitLab's cap is %s", ttl, date.Format(time.DateOnly), today.AddDate(0, 0, 365).Format(time.DateOnly))
					}
					if !strings.Contains(err.Error(), "at most 365 days") {
						t.Errorf("error does not explain the cap: %v", err)
					}
					return
				}
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if date.Location() != time.UTC || date.Hour() != 0 || date.Minute() != 0 || date.Second() != 0 || date.Nanosecond() != 0 {
					t.Errorf("expiry %v is not a UTC date", date)
				}
				if !date.After(notAfter) {
					t.Errorf("expiry %s does not outlive the lease end %s", date, notAfter)
				}
				if date.Sub(notAfter) > day {
					t.Errorf("expiry %s is more than a day after the lease end %s: not the first midnight after it", date, notAfter)
				}
				if !date.After(today) {
					t.Errorf("expiry %s is today (%s) or earlier", date, today)
				}
				if date.After(today.AddDate(0, 0, maxLifetimeDays)) {
					t.Errorf("expiry %s is past GitLab's cap", date)
				}
			})
		}
	}
}

func TestAccessTokenExpiryExamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		now, notAfter string
		want          string
	}{
		{"2025-03-10T12:00:00Z", "2025-03-10T13:00:00Z", "2025-03-11"},
		{"2025-03-10T23:59:59Z", "2025-03-11T00:59:59Z", "2025-03-12"},
		// A lease that ends exactly at midnight gets the next one: GitLab
		// would end the token at the very moment the lease ends.
		{"2025-03-10T12:00:00Z", "2025-03-11T00:00:00Z", "2025-03-12"},
		{"2025-03-10T00:00:00Z", "2026-03-09T23:59:59Z", "2026-03-10"},
	}
	for _, tc := range tests {
		now, _ := time.Parse(time.RFC3339, tc.now)
		notAfter, _ := time.Parse(time.RFC3339, tc.notAfter)
		got, err := accessTokenExpiry(now, notAfter)
		if err != nil || got.Format(time.DateOnly) != tc.want {
			t.Errorf("accessTokenExpiry(%s, %s) = %s, %v; want %s", tc.now, tc.notAfter, got.Format(time.DateOnly), err, tc.want)
		}
	}
}

func TestExpiryRefusesPastAndZero(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	for name, f := range map[string]func(now, notAfter time.Time) (time.Time, error){
		"access": accessTokenExpiry, "deploy": deployTokenExpiry,
	} {
		for _, notAfter := range []time.Time{{}, now, now.Add(-time.Hour)} {
			if _, err := f(now, notAfter); err == nil {
				t.Errorf("%s: end %v at %v was accepted", name, notAfter, now)
			}
		}
	}
}

func TestDeployTokenExpiry(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 10, 23, 59, 59, 0, time.UTC)
	tests := []struct {
		notAfter time.Time
		want     time.Time
	}{
		{now.Add(time.Hour), now.Add(time.Hour)},
		{now.Add(time.Hour + time.Millisecond), now.Add(time.Hour + time.Second)},
		{now.Add(400 * 24 * time.Hour), now.Add(400 * 24 * time.Hour)}, // no cap on deploy tokens
		{time.Date(2025, 3, 11, 10, 0, 0, 0, time.FixedZone("UTC+2", 7200)), time.Date(2025, 3, 11, 8, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		got, err := deployTokenExpiry(now, tc.notAfter)
		if err != nil || !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("deployTokenExpiry(%v) = %v, %v; want %v", tc.notAfter, got, err, tc.want)
		}
	}
}
