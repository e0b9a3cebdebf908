package fakegitlab

import (
	"net/http"
	"strconv"
	"time"
)

// rateLimitPerMinute is the quota the headers announce. It is high on
// purpose: client-go sizes its own limiter from RateLimit-Limit on the first
// answer, and a realistic 2000/min would slow every test down. Throttling is
// a fault a test injects, never a side effect.
const rateLimitPerMinute = 60000

// rateWindow counts requests in the current minute of Options.Now.
type rateWindow struct {
	start    time.Time
	observed int
}

// rateSnapshot is what one answer reports.
type rateSnapshot struct {
	observed int
	reset    time.Time
	// exhausted forces RateLimit-Remaining: 0 (an injected rate limit).
	exhausted bool
}

// countRequest records one request; the caller holds s.mu.
func (s *Server) countRequest(now time.Time) rateSnapshot {
	start := now.UTC().Truncate(time.Minute)
	if !start.Equal(s.window.start) {
		s.window = rateWindow{start: start}
	}
	s.window.observed++
	return rateSnapshot{observed: s.window.observed, reset: start.Add(time.Minute)}
}

// under is the snapshot as the fault f, if any, reports it: RateLimitReset
// stands for an exhausted quota.
func (r rateSnapshot) under(f *Fault) rateSnapshot {
	if f != nil && !f.RateLimitReset.IsZero() {
		r.reset, r.exhausted = f.RateLimitReset, true
	}
	return r
}

// apply sets GitLab's RateLimit-* headers.
func (r rateSnapshot) apply(h http.Header) {
	remaining := max(rateLimitPerMinute-r.observed, 0)
	if r.exhausted {
		remaining = 0
	}
	h.Set("RateLimit-Name", "throttle_authenticated_api")
	h.Set("RateLimit-Limit", strconv.Itoa(rateLimitPerMinute))
	h.Set("RateLimit-Observed", strconv.Itoa(r.observed))
	h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("RateLimit-Reset", strconv.FormatInt(r.reset.Unix(), 10))
	h.Set("RateLimit-ResetTime", r.reset.UTC().Format(http.TimeFormat))
}
