package fakegitlab

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is a failure injected into matching requests. Fields combine:
// Latency comes first, then Drop, Status or DropAfterCommit.
type Fault struct {
	Method, Route string // empty matches any; Route is a pattern like "/projects/{id}/access_tokens"

	// Status answers with this code without acting. 429 gets GitLab's
	// "Retry later" text body; others a {"message": ...} body.
	Status         int
	RetryAfter     string    // Retry-After value
	RateLimitReset time.Time // sets RateLimit-Reset to this and RateLimit-Remaining to 0

	// Latency delays the request; the request is dropped unanswered and
	// unacted if the client gives up first.
	Latency time.Duration

	// Drop closes the connection without acting. Go's http.Transport
	// silently replays a GET once when a reused connection closes before
	// any answer, so a Times: 1 drop of a GET may go unseen by a keep-alive
	// client.
	Drop bool
	// DropAfterCommit acts (creates, rotates, revokes), then closes the
	// connection without answering: the ambiguous failure.
	DropAfterCommit bool

	// Times is how many requests the fault hits; 0 means until cleared.
	Times int
}

type activeFault struct {
	Fault
	hits int
}

// InjectFault adds a fault. When several match a request, the oldest wins.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &activeFault{Fault: f})
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault finds the fault for a request and uses up one of its hits; the
// caller holds s.mu.
func (s *Server) takeFault(method, route string) (Fault, bool) {
	for i, f := range s.faults {
		if !f.matches(method, route) {
			continue
		}
		f.hits++
		if f.Times > 0 && f.hits >= f.Times {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		return f.Fault, true
	}
	return Fault{}, false
}

func (f Fault) matches(method, route string) bool {
	return (f.Method == "" || strings.EqualFold(f.Method, method)) && (f.Route == "" || f.Route == route)
}

// wait sleeps for the injected latency; false means the client went away or
// the server is closing, and the request must not be acted on.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.closing:
		return false
	}
}

// faultReply is the answer to a Status fault.
func faultReply(f Fault) reply {
	rep := messageReply(f.Status, strconv.Itoa(f.Status)+" "+http.StatusText(f.Status))
	if f.Status == http.StatusTooManyRequests {
		// Rack::Attack's throttled response.
		rep = reply{status: f.Status, text: "Retry later\n"}
	}
	if f.RetryAfter != "" {
		rep.header = http.Header{"Retry-After": {f.RetryAfter}}
	}
	return rep
}

// dropConnection closes the client's connection without a response.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// Not hijackable (HTTP/2, a recorder): the server aborts the stream.
	panic(http.ErrAbortHandler)
}
