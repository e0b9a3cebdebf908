package gitsecrets

import (
	"sync"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// statusCache keeps what a provider said about a token for a short while.
type statusCache struct {
	ttl     time.Duration
	mu      sync.Mutex
	entries map[string]statusEntry
}

type statusEntry struct {
	status  *provider.TokenStatus
	fetched time.Time
}

func newStatusCache(ttl time.Duration) *statusCache {
	return &statusCache{ttl: ttl, entries: map[string]statusEntry{}}
}

func (c *statusCache) get(ref string, now time.Time) (*provider.TokenStatus, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[ref]
	if !ok || now.Sub(e.fetched) > c.ttl {
		delete(c.entries, ref)
		return nil, false
	}
	return e.status, true
}

func (c *statusCache) put(ref string, st *provider.TokenStatus, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[ref] = statusEntry{status: st, fetched: now}
}

func (c *statusCache) drop(ref string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, ref)
}
