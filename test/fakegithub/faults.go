package fakegithub

import (
	"context"
	"net/http"
	"time"
)

// Fault makes matching requests fail. Faults act before GitHub's own checks
// (they stand for trouble in front of GitHub), are matched in the order they
// were injected, and the first match applies.
type Fault struct {
	Method, Route string // match like Calls(); empty matches any

	// Status answers with this code and a GitHub-style error body instead
	// of serving the request.
	Status int
	// RetryAfter is sent as the Retry-After header.
	RetryAfter string
	// RateLimitReset reports an exhausted quota: x-ratelimit-remaining: 0
	// and this reset time. Without Status the request is still served, so
	// a client can be shown a quota running out on a success.
	RateLimitReset time.Time
	// Latency delays the answer; a request cancelled meanwhile gets none.
	Latency time.Duration
	// Drop closes the connection without answering, before acting.
	Drop bool
	// DropAfterCommit serves the request (a token is minted and stays
	// live) and then closes the connection without answering: the
	// ambiguous failure a client must clean up after.
	DropAfterCommit bool

	// Times is how many requests the fault applies to; 0 means until
	// ClearFaults.
	Times int
}

type injectedFault struct {
	Fault
	left int // remaining uses when Times > 0
}

// InjectFault adds a fault after those already injected.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &injectedFault{Fault: f, left: f.Times})
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns the first fault matching the request and uses it up.
func (s *Server) takeFault(method, route string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if (f.Method != "" && f.Method != method) || (f.Route != "" && f.Route != route) {
			continue
		}
		if f.Times > 0 {
			f.left--
			if f.left == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return f.Fault, true
	}
	return Fault{}, false
}

// actOutFault applies f and reports whether the request should still be
// served normally.
func (s *Server) actOutFault(x *exchange, rt *route, f Fault) bool {
	if f.Latency > 0 && !s.wait(x.r.Context(), f.Latency) {
		dropConnection(x.w)
		return false
	}
	x.fault = &f
	switch {
	case f.Drop:
		dropConnection(x.w)
		return false
	case f.Status != 0:
		if f.RetryAfter != "" {
			x.w.Header().Set("Retry-After", f.RetryAfter)
		}
		msg, doc := faultMessage(f)
		x.writeErrorDoc(f.Status, msg, doc)
		return false
	case f.DropAfterCommit:
		answer := x.w
		x.w = &discardWriter{header: http.Header{}}
		s.serveEndpoint(x, rt)
		dropConnection(answer)
		return false
	}
	if f.RetryAfter != "" {
		x.w.Header().Set("Retry-After", f.RetryAfter)
	}
	return true
}

// faultMessage is the message and documentation URL GitHub sends with such
// a status.
func faultMessage(f Fault) (string, string) {
	limited := f.Status == http.StatusForbidden || f.Status == http.StatusTooManyRequests
	switch {
	case limited && !f.RateLimitReset.IsZero():
		return "API rate limit exceeded. Check out the documentation for more information.", docsPrimaryRateLimit
	case limited && (f.RetryAfter != "" || f.Status == http.StatusTooManyRequests):
		return "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", docsSecondaryRateLimit
	case f.Status == http.StatusForbidden:
		return "Resource not accessible by integration", docsREST
	}
	return http.StatusText(f.Status), docsREST
}

// wait sleeps for d in real time, giving up when the request is cancelled
// or the server closes.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

// dropConnection closes the client's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// Not hijackable (HTTP/2): abort, which resets the stream.
	panic(http.ErrAbortHandler)
}

// discardWriter swallows the answer to a request whose connection will be
// dropped.
type discardWriter struct {
	header http.Header
}

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}
