package fakegithub

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// anonymousBucket is charged for requests whose caller is not (yet) known:
// unauthenticated ones, and those refused before authentication.
const anonymousBucket = "anonymous"

// appIdentity and installationIdentity name the callers that rate limits,
// primary and secondary, are counted for.
func appIdentity(appID int64) string {
	return fmt.Sprintf("app ID %d", appID)
}

func installationIdentity(installationID int64) string {
	return fmt.Sprintf("installation ID %d", installationID)
}

// unlimited is the limit reported when Options.RateLimit is negative.
const unlimited = 1 << 30

// rateWindow is one bucket's hour.
type rateWindow struct {
	used  int
	reset time.Time
}

// rateSnapshot is what the x-ratelimit-* headers of one response report.
type rateSnapshot struct {
	limit, used int
	reset       time.Time
}

// charge counts the request against bucket and reports whether it is
// within the limit. Each request is charged once.
func (x *exchange) charge(bucket string) bool {
	x.charged = true
	limit := x.s.opts.RateLimit
	switch {
	case limit == 0:
		limit = 5000
	case limit < 0:
		limit = unlimited
	}

	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	w := x.s.rate[bucket]
	if w == nil || !x.now.Before(w.reset) {
		w = &rateWindow{reset: x.now.Add(time.Hour).Truncate(time.Second)}
		x.s.rate[bucket] = w
	}
	w.used++
	x.rate = rateSnapshot{limit: limit, used: w.used, reset: w.reset}
	return w.used <= limit
}

// apply sets the rate-limit headers; a fault with RateLimitReset reports an
// exhausted quota instead.
func (r rateSnapshot) apply(h http.Header, f *Fault) {
	used, reset := r.used, r.reset
	if f != nil && !f.RateLimitReset.IsZero() {
		used, reset = r.limit, f.RateLimitReset
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(r.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(r.limit-used, 0)))
	h.Set("X-RateLimit-Used", strconv.Itoa(min(used, r.limit)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
}
