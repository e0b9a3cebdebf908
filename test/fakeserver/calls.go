package fakeserver

import (
	"maps"
	"strings"
	"sync"
)

// CallCounter counts a fake's requests by method and route pattern,
// whatever their outcome (faults and refusals included). Its methods are
// safe for concurrent use; the zero value is ready.
type CallCounter struct {
	mu     sync.Mutex
	counts map[string]int // "METHOD route"
	total  int
	// seq numbers requests; unlike total it is never reset, so the numbers
	// stay unique.
	seq int64
}

// Record counts a request to route, "" when it matched no route, and
// returns its sequence number (1, 2, ... over the counter's life).
func (c *CallCounter) Record(method, route string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = map[string]int{}
	}
	c.counts[method+" "+route]++
	c.total++
	c.seq++
	return c.seq
}

// Count is how many requests with method (in any case) reached route since
// the last Reset; route "" counts those that matched no route.
func (c *CallCounter) Count(method, route string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[strings.ToUpper(method)+" "+route]
}

// Total is how many requests were recorded since the last Reset.
func (c *CallCounter) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

// Reset sets every count, and the total, back to zero.
func (c *CallCounter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts = nil
	c.total = 0
}

// Snapshot copies the counts, keyed "METHOD route", and the total.
func (c *CallCounter) Snapshot() (map[string]int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	counts := maps.Clone(c.counts)
	if counts == nil {
		counts = map[string]int{}
	}
	return counts, c.total
}
