package fakeserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"time"
)

// Answer is how a fake answers a request that a fault may intercept.
type Answer struct {
	// Serve answers the request as the fake does without faults, writing to
	// w. fault is the fault matched to the request, nil when none: a fault
	// without Status still shapes the answer (RateLimitReset). Under
	// DropAfterCommit, w throws the answer away and the connection is
	// dropped afterwards.
	Serve func(w http.ResponseWriter, fault *Fault)
	// Refuse writes the provider's answer to a Status fault. Retry-After is
	// already set.
	Refuse func(w http.ResponseWriter, fault Fault)
}

// Serve answers r through the first fault matching its method and route
// ("" when it matched no route), and through a.Serve alone when none does.
func (fs *Faults) Serve(w http.ResponseWriter, r *http.Request, route string, a Answer) {
	f, ok := fs.take(r.Method, route)
	if !ok {
		a.Serve(w, nil)
		return
	}
	if f.Latency > 0 && !fs.wait(r.Context(), f.Latency) {
		dropConnection(w)
		return
	}
	if f.Hold != nil && f.HoldAnswer {
		fs.serveHeldAnswer(w, r, f, a)
		return
	}
	if f.Hold != nil && !f.Hold.hold(r.Context(), fs.done) {
		dropConnection(w)
		return
	}
	switch {
	case f.Drop:
		dropConnection(w)
	case f.Status != 0:
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		a.Refuse(w, f)
	case f.DropAfterCommit:
		a.Serve(&discardWriter{header: http.Header{}}, &f)
		dropConnection(w)
	default:
		a.Serve(w, &f)
	}
}

// serveHeldAnswer acts on r, then holds its answer until f.Hold is
// released. A client that gives up meanwhile finds the request acted on.
func (fs *Faults) serveHeldAnswer(w http.ResponseWriter, r *http.Request, f Fault, a Answer) {
	rec := httptest.NewRecorder()
	a.Serve(rec, &f)
	if !f.Hold.hold(r.Context(), fs.done) {
		dropConnection(w)
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// wait sleeps for d in real time; false means the client went away or the
// fake is closing, and the request must not be acted on.
func (fs *Faults) wait(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	case <-fs.done:
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
	// Not hijackable (HTTP/2, a recorder): abort, which resets the stream.
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
