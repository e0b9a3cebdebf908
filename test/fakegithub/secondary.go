package fakegithub

import (
	"errors"
	"net/http"
	"time"
)

// SecondaryLimits are GitHub's secondary rate limits, which the fake
// enforces when Options.SecondaryLimits is set or SetSecondaryLimits is
// called; GitHubSecondaryLimits returns the documented values. They are off
// by default.
//
// The limits apply per identity, as on GitHub: the installation for
// requests made with an installation token (all of its tokens together),
// the App for requests made with an App JWT. (Every route needs one or the
// other; a request that fails authentication gets its 401 as before.) A
// request over a limit is refused without being acted on: no token is
// minted or revoked. The refusal is GitHub's: Status (403 unless set to
// 429), a JSON body with the secondary-limit message and documentation_url,
// and a Retry-After header with the whole seconds (at least 1) until the
// request would be accepted. It is checked after authentication and the
// primary rate limit, which it is charged to (assumed).
type SecondaryLimits struct {
	// PointsPerWindow is how many points one identity may spend on one
	// endpoint (method and route) within any Window: a GET, HEAD or
	// OPTIONS costs 1 point, any other method 5, as GitHub counts "most"
	// requests. 0 or less: no limit on points. Below 5 every write is
	// refused.
	PointsPerWindow int
	// Window is the span PointsPerWindow applies to, by Options.Now. It
	// slides: a request is refused when it would take the points spent in
	// the last Window over the limit. GitHub does not say whether its
	// minute is fixed or sliding; a sliding one is the stricter reading, so
	// a client that keeps within it keeps within either. 0: one minute.
	Window time.Duration
	// MaxConcurrent is how many requests one identity may have in flight
	// at once. A request is in flight from its arrival until it is answered,
	// injected Latency included, so that latency faults can stand in for
	// GitHub's own response time. 0 or less: no limit.
	MaxConcurrent int
	// Status is the refusal's status code: 0 or 403, what GitHub most often
	// sends (and the one go-github reports as an AbuseRateLimitError), or
	// 429.
	Status int
}

// GitHubSecondaryLimits returns the limits GitHub documents for the REST
// API: 900 points a minute per endpoint, so 180 token mints or revocations
// a minute per App or installation, and 100 concurrent requests.
func GitHubSecondaryLimits() *SecondaryLimits {
	return &SecondaryLimits{PointsPerWindow: 900, Window: time.Minute, MaxConcurrent: 100}
}

// concurrencyRetryAfter is the Retry-After of a refusal for too many
// requests in flight; they usually finish within a second.
const concurrencyRetryAfter = time.Second

// secondaryLimitMessage is GitHub's message for a secondary limit.
const secondaryLimitMessage = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."

// validate rejects settings that are surely a mistake.
func (l SecondaryLimits) validate() error {
	if l.Window < 0 {
		return errors.New("secondary limits: negative window")
	}
	if l.Status != 0 && l.Status != http.StatusForbidden && l.Status != http.StatusTooManyRequests {
		return errors.New("secondary limits: status must be 403 or 429")
	}
	return nil
}

// withDefaults fills in the zero Window and Status.
func (l SecondaryLimits) withDefaults() SecondaryLimits {
	if l.Window == 0 {
		l.Window = time.Minute
	}
	if l.Status == 0 {
		l.Status = http.StatusForbidden
	}
	return l
}

// requestPoints is what a request costs against PointsPerWindow.
func requestPoints(method string) int {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return 1
	}
	return 5
}

// retryAfterSeconds rounds a wait up to whole seconds, at least one: a
// client told 0 would come straight back.
func retryAfterSeconds(wait time.Duration) int {
	return max(int((wait+time.Second-1)/time.Second), 1)
}

// SetSecondaryLimits replaces the secondary limits in force; nil turns them
// off. The points spent so far are forgotten; requests already in flight
// stay counted. It panics on a negative Window or a Status other than 0,
// 403 or 429.
func (s *Server) SetSecondaryLimits(limits *SecondaryLimits) {
	s.secondary.set(limits)
}

// SecondaryLimited is how many requests the secondary limits refused, over
// all routes, since the server was made.
func (s *Server) SecondaryLimited() int {
	return s.secondary.refused.Total()
}

// SecondaryLimitedCalls is how many requests to route with method the
// secondary limits refused, e.g.
// SecondaryLimitedCalls("DELETE", RouteInstallationToken).
func (s *Server) SecondaryLimitedCalls(method, route string) int {
	return s.secondary.refused.Count(method, route)
}
