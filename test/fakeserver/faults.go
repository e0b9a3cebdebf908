package fakeserver

import (
	"slices"
	"sync"
)

// Faults is the list of faults injected into one fake. Its methods are safe
// for concurrent use.
type Faults struct {
	// done, once closed, ends every wait on injected latency.
	done <-chan struct{}

	mu     sync.Mutex
	active []*activeFault // in the order they were injected
}

type activeFault struct {
	Fault
	hits int
}

// NewFaults returns an empty list. Latency stops waiting once done is
// closed, so that closing the fake never waits for it.
func NewFaults(done <-chan struct{}) *Faults {
	return &Faults{done: done}
}

// Inject adds f after the faults already injected.
func (fs *Faults) Inject(f Fault) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.active = append(fs.active, &activeFault{Fault: f})
}

// Clear removes every fault.
func (fs *Faults) Clear() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.active = nil
}

// take returns the first fault matching the request and uses up one of its
// Times.
func (fs *Faults) take(method, route string) (Fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, f := range fs.active {
		if !f.matches(method, route) {
			continue
		}
		f.hits++
		if f.Times > 0 && f.hits >= f.Times {
			fs.active = slices.Delete(fs.active, i, i+1)
		}
		return f.Fault, true
	}
	return Fault{}, false
}
