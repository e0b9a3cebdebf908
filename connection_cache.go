package gitsecrets

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/vault/sdk/logical"
)

// connectionCache keeps the last decoded form of each stored connection
// beside the bytes it was decoded from. Issuing and revoking read the
// connection on every request, and decoding one that holds a GitHub App key
// cost more CPU and garbage than the rest of the engine's own work on the
// request (BENCHMARKS.md). Storage is still read every time, so a changed or
// deleted connection is never missed; only an unchanged one skips the decode.
type connectionCache struct {
	mu      sync.Mutex
	entries map[string]cachedConnection
}

type cachedConnection struct {
	raw  []byte
	conn connection
}

func newConnectionCache() *connectionCache {
	return &connectionCache{entries: map[string]cachedConnection{}}
}

// readConnection is getConnection for request paths that only read the
// connection (issuing, revoking). The result shares its slices and maps with
// the cache: callers must not modify it.
func (b *backend) readConnection(ctx context.Context, s logical.Storage, name string) (*connection, error) {
	entry, err := s.Get(ctx, configStoragePrefix+name)
	if err != nil {
		return nil, fmt.Errorf("read connection: %w", err)
	}
	if entry == nil {
		b.connections.forget(name)
		return nil, nil
	}
	if conn, ok := b.connections.get(name, entry.Value); ok {
		return conn, nil
	}
	conn := &connection{}
	if err := entry.DecodeJSON(conn); err != nil {
		return nil, fmt.Errorf("decode connection: %w", err)
	}
	conn.Name = name
	b.connections.put(name, entry.Value, conn)
	return conn, nil
}

// get returns a copy of the connection decoded from raw, if that is what the
// cache holds for name.
func (c *connectionCache) get(name string, raw []byte) (*connection, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[name]
	if !ok || !bytes.Equal(e.raw, raw) {
		return nil, false
	}
	conn := e.conn
	return &conn, true
}

func (c *connectionCache) put(name string, raw []byte, conn *connection) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[name] = cachedConnection{raw: bytes.Clone(raw), conn: *conn}
}

func (c *connectionCache) forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, name)
}

// clear forgets every connection, so none outlives the mount in memory.
func (c *connectionCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
}
