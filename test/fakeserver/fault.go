package fakeserver

import (
	"strings"
	"time"
)

// Fault makes matching requests fail. Faults stand for trouble in front of
// the provider, so they act before the fake's own checks. They are matched
// in the order they were injected and the first match applies. Fields
// combine: Latency and Hold come first, then Drop, Status or
// DropAfterCommit.
type Fault struct {
	// Method and Route select the requests: Route is a route pattern as the
	// fake names it in Calls (e.g. "/projects/{id}/access_tokens"), Method
	// matches in any case. Empty matches any request, unknown paths
	// included.
	Method, Route string

	// Status answers with this code and the provider's error body for it,
	// without acting on the request.
	Status int
	// RetryAfter is sent as the Retry-After header on a Status answer
	// (fakegithub sends it on a served answer too).
	RetryAfter string
	// RateLimitReset reports an exhausted quota: the provider's
	// rate-limit headers say none remains until this time. Without Status
	// the request is still served, so a client can be shown a quota running
	// out on a success.
	RateLimitReset time.Time
	// Latency delays the request. A request whose client gives up meanwhile,
	// or whose server closes, is dropped unanswered and not acted on.
	Latency time.Duration
	// Hold keeps the request waiting until the gate is released, before
	// the fake looks at it: its credential is checked, and it acts, only
	// then. With HoldAnswer the fake serves the request at once and holds
	// only its answer (Drop, Status and DropAfterCommit do not apply): the
	// provider has done what was asked, the client does not know it yet.
	Hold       *Gate
	HoldAnswer bool
	// Drop closes the connection without answering or acting. Go's
	// http.Transport silently replays a GET once when a reused connection
	// closes before any answer, so a Times: 1 drop of a GET may go unseen by
	// a keep-alive client.
	Drop bool
	// DropAfterCommit acts on the request (a token is created, rotated or
	// revoked) and then closes the connection without answering: the
	// ambiguous failure a client must clean up after.
	DropAfterCommit bool

	// Times is how many requests the fault applies to; 0 means until the
	// faults are cleared.
	Times int
}

// matches reports whether f selects a request; route is "" for a request
// that matched no route.
func (f Fault) matches(method, route string) bool {
	return (f.Method == "" || strings.EqualFold(f.Method, method)) && (f.Route == "" || f.Route == route)
}
