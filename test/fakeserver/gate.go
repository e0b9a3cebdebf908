package fakeserver

import (
	"context"
	"sync"
)

// Gate holds requests until the test releases it, so that a test can put
// another step exactly between a request's arrival and its outcome rather
// than hope a race lands there. Inject it as a Fault's Hold.
type Gate struct {
	arrived     chan struct{}
	arriveOnce  sync.Once
	released    chan struct{}
	releaseOnce sync.Once
}

// NewGate returns a closed gate: requests that reach it wait.
func NewGate() *Gate {
	return &Gate{arrived: make(chan struct{}), released: make(chan struct{})}
}

// Arrived is closed once the first request reached the gate.
func (g *Gate) Arrived() <-chan struct{} { return g.arrived }

// Release lets every held request, and every later one, through.
func (g *Gate) Release() { g.releaseOnce.Do(func() { close(g.released) }) }

// hold waits for Release; false means the client went away or the fake is
// closing first, and the request must not be acted on (or answered).
func (g *Gate) hold(ctx context.Context, done <-chan struct{}) bool {
	g.arriveOnce.Do(func() { close(g.arrived) })
	select {
	case <-g.released:
		return true
	case <-ctx.Done():
		return false
	case <-done:
		return false
	}
}
