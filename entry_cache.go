package gitsecrets

import (
	"context"
	"sync"

	"github.com/hashicorp/vault/sdk/logical"
)

// entryCache keeps decoded storage entries (roles, connections) in memory so
// issuing and revoking skip a storage round trip to Vault and a JSON decode
// on every request: each round trip is a gRPC call the plugin makes and Vault
// serves, and on a creds request they cost more CPU than anything else the
// engine does (BENCHMARKS.md).
//
// It is safe because every change to those entries passes through this
// process: the engine's own writes drop the cached copy (forget), and on a
// performance standby Vault reports the writes it replicates through the
// backend's Invalidate. A node that becomes active builds a new backend, so
// it starts empty.
//
// A read that misses fills the cache only if nothing was forgotten while it
// read storage, so a write racing a slow read never leaves the old value
// behind.
type entryCache[T any] struct {
	mu      sync.Mutex
	gen     uint64 // counts forgets, so a fill can tell it raced one
	entries map[string]*T
}

func newEntryCache[T any]() *entryCache[T] {
	return &entryCache[T]{entries: map[string]*T{}}
}

// read returns the entry at key, decoded by decode, or nil when storage has
// none. The value is shared with the cache and with other callers: they must
// not modify it.
func (c *entryCache[T]) read(ctx context.Context, s logical.Storage, key string, decode func(*logical.StorageEntry) (*T, error)) (*T, error) {
	c.mu.Lock()
	v, ok := c.entries[key]
	gen := c.gen
	c.mu.Unlock()
	if ok {
		return v, nil
	}

	entry, err := s.Get(ctx, key)
	if err != nil || entry == nil {
		return nil, err
	}
	v, err = decode(entry)
	if err != nil {
		return nil, err
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.entries[key] = v
	}
	return v, nil
}

// cached returns the entry at key if the cache holds it, without reading
// storage; nil when it does not. What it returns is current until the next
// forget of key, which backend.client relies on.
func (c *entryCache[T]) cached(key string) *T {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries[key]
}

// forget drops the entry at key. Call it after every write or delete of
// key, whether or not the write succeeded: a failed write may still have
// reached storage.
func (c *entryCache[T]) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.entries, key)
}

// clear forgets everything, so nothing outlives the mount in memory.
func (c *entryCache[T]) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}
