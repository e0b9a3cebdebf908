package main

import (
	"net/http"
	"sync"
)

// inflight counts the requests a fake provider is serving and the most it
// served at once: how hard the engine presses the provider, which matters
// when many leases end together (GitHub, for one, asks for no more than 100
// concurrent requests).
type inflight struct {
	mu        sync.Mutex
	now, peak int
}

func (f *inflight) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.now++
		f.peak = max(f.peak, f.now)
		f.mu.Unlock()
		defer func() {
			f.mu.Lock()
			f.now--
			f.mu.Unlock()
		}()
		h.ServeHTTP(w, r)
	})
}

// takePeak returns the peak since the last call and starts a new one.
func (f *inflight) takePeak() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.peak
	f.peak = f.now
	return p
}
