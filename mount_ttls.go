package gitsecrets

import (
	"sync"
	"time"
)

// mountTTLMaxAge is how long the mount's TTLs are reused before Vault is
// asked again.
const mountTTLMaxAge = time.Second

// mountTTLs keeps the mount's default and max lease TTLs for a second.
// Each is a gRPC call to Vault, and issuing needs both on every request: at
// hundreds of requests a second the answers are the same, and asking cost
// the plugin as much CPU as reading the role from storage (BENCHMARKS.md).
//
// A tune is never missed by a lease: Vault caps every lease at the mount's
// current max TTL when it registers it. Within a second of a tune, a new
// token's expires_at and provider-side expiry may still follow the old
// values.
type mountTTLs struct {
	mu       sync.Mutex
	read     time.Time // when Vault was last asked; zero: never
	def, max time.Duration
}

// mountTTLs returns the mount's default and max lease TTLs.
func (b *backend) mountTTLs() (def, max time.Duration) {
	c := &b.mountTTLCache
	c.mu.Lock()
	defer c.mu.Unlock()
	now := b.now()
	if c.read.IsZero() || now.Sub(c.read) >= mountTTLMaxAge || now.Before(c.read) {
		sys := b.System()
		c.def, c.max, c.read = sys.DefaultLeaseTTL(), sys.MaxLeaseTTL(), now
	}
	return c.def, c.max
}
