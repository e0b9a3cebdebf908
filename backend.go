// Package gitsecrets is a Vault secrets engine that issues short-lived,
// narrowly scoped tokens of Git hosting services as Vault leases and revokes
// them at the provider when the lease ends. This package is the backend
// (paths, leases, write-ahead log, inventory, scheduling); each service is a
// provider.Kind under provider/, registered in providers.go.
package gitsecrets

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/helper/locksutil"
	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

const operationPrefix = "git"

// Factory builds one backend per mount. ServeMultiplex runs every mount in one
// process, so all state hangs off the backend value.
func Factory(ctx context.Context, conf *logical.BackendConfig) (logical.Backend, error) {
	b := newBackend(registeredKinds())
	if err := b.Setup(ctx, conf); err != nil {
		return nil, err
	}
	return b, nil
}

type backend struct {
	*framework.Backend

	kinds map[string]provider.Kind
	// now is the clock; tests replace it.
	now func() time.Time
	// sleep is how the provider clients wait before a retry (nil: a
	// timer); tests replace it to see the waits without taking them.
	sleep func(ctx context.Context, d time.Duration) error

	// clients caches one provider client per connection, with the
	// credential it was built from, so the App JWT, installation ids and
	// keep-alive connections are reused across requests (client).
	clientsMu sync.Mutex
	clients   map[string]cachedClient
	// beforeClient, when set (tests only), runs as client starts: after
	// the caller read the connection, before the cache is looked at, so a
	// test can put a rotation or an invalidation exactly there.
	beforeClient func(conn *connection)

	// configLocks serialise writes to one connection (config writes and
	// rotations) without blocking the others; staticLocks do the same for
	// static roles.
	configLocks []*locksutil.LockEntry
	staticLocks []*locksutil.LockEntry

	status *statusCache

	// connections and roles spare issuing and revoking a storage read
	// (entry_cache.go).
	connections *entryCache[connection]
	roles       *entryCache[role]

	// pacing holds revocations back from a rate-limited provider
	// (revocation_queue.go).
	pacing *pacing

	// mountTTLCache spares issuing two calls to Vault (mount_ttls.go).
	mountTTLCache mountTTLs

	// queue orders the rotations the engine schedules itself.
	queue *rotationQueue

	// unsaved holds rotated connection tokens whose storage write failed,
	// by connection name, until a retry stores them (rotation_commit.go).
	unsavedMu sync.Mutex
	unsaved   map[string]*unsavedRoot
}

func newBackend(kinds []provider.Kind) *backend {
	b := &backend{
		kinds:       make(map[string]provider.Kind, len(kinds)),
		now:         time.Now,
		clients:     make(map[string]cachedClient),
		configLocks: locksutil.CreateLocks(),
		staticLocks: locksutil.CreateLocks(),
		status:      newStatusCache(30 * time.Second),
		connections: newEntryCache[connection](),
		roles:       newEntryCache[role](),
		pacing:      newPacing(),
		queue:       newRotationQueue(),
		unsaved:     make(map[string]*unsavedRoot),
	}
	for _, k := range kinds {
		b.kinds[k.Name()] = k
	}
	b.Backend = &framework.Backend{
		Help:        strings.TrimSpace(fmt.Sprintf(backendHelp, b.eachKind(" and ", provider.Kind.DisplayName))),
		BackendType: logical.TypeLogical,
		PathsSpecial: &logical.Paths{
			// Write-ahead log entries describe this cluster's in-flight
			// provider calls; they must not replicate.
			LocalStorage: []string{framework.WALPrefix},
			// Every prefix that holds a credential: connections their
			// key or token, static roles their tokens, the revocation
			// queue the tokens whose lease has ended (its only copy), and
			// WAL entries a rotated connection token or a token whose
			// lease is not yet returned. tokens/ holds none (path_tokens.go).
			SealWrapStorage: []string{configStoragePrefix, staticRoleStoragePrefix, revocationStoragePrefix, framework.WALPrefix},
		},
		Paths: framework.PathAppend(
			pathConfig(b),
			pathRotateRoot(b),
			pathRoles(b),
			pathCreds(b),
			pathStaticRoles(b),
			pathStaticCreds(b),
			pathRotateRole(b),
			pathTokens(b),
		),
		Secrets:           []*framework.Secret{secretToken(b)},
		WALRollback:       b.walRollback,
		WALRollbackMinAge: walRollbackMinAge,
		// Scheduled rotation (scheduler.go): the queue is rebuilt when the
		// mount starts or this node becomes active, and worked through on
		// every rollback tick. Vault Enterprise's rotation manager calls
		// RotateCredential for the schedules it runs.
		InitializeFunc:   b.initialize,
		PeriodicFunc:     b.periodic,
		RotateCredential: b.rotateCredential,
		Invalidate:       b.invalidate,
		Clean:            b.clean,
		RunningVersion:   Version,
	}
	return b
}

// invalidate drops what this node caches of an entry another node changed
// (Vault calls it on performance standbys as writes replicate).
func (b *backend) invalidate(_ context.Context, key string) {
	if name, ok := strings.CutPrefix(key, configStoragePrefix); ok {
		b.connections.forget(key)
		b.dropClient(name)
	}
	if strings.HasPrefix(key, roleStoragePrefix) {
		b.roles.forget(key)
	}
}

func (b *backend) clean(ctx context.Context) {
	// A last try to store rotated tokens still held only in memory.
	b.flushUnsavedRoots(ctx)
	b.clientsMu.Lock()
	b.clients = make(map[string]cachedClient)
	b.clientsMu.Unlock()
	b.connections.clear()
	b.roles.clear()
}

func (b *backend) dropClient(name string) {
	b.clientsMu.Lock()
	delete(b.clients, name)
	b.clientsMu.Unlock()
}

// cachedClient is a cached client and the credential it was built from.
type cachedClient struct {
	cred   *provider.Connection
	client provider.Client
}

// setClient caches a client that a write of conn built from conn, so the
// next request need not build it again.
func (b *backend) setClient(conn *connection, c provider.Client) {
	b.clientsMu.Lock()
	b.clients[conn.Name] = cachedClient{cred: conn.providerConnection(), client: c}
	b.clientsMu.Unlock()
}

// client returns a client for a connection a request read, as the engine
// acts with it (with a rotated token that still waits to be stored, if
// any). The cached client serves only a request that holds the credential
// it was built from.
//
// A request may hold a connection older than the cache: it read the
// connection, then a rotation or a replicated write changed the credential
// and dropped the cached client. Such a request gets a client for what it
// holds, but that client is cached only while the connection cache still
// holds the same credential. Every credential change forgets the
// connection cache entry before it drops or replaces the cached client
// (under clientsMu), so a client built from an old credential never
// outlives the change: it would be left behind by a request that read
// before the change, and requests after it would all fail with the old,
// revoked credential until the next config write.
func (b *backend) client(conn *connection) (provider.Client, error) {
	if b.beforeClient != nil {
		b.beforeClient(conn)
	}
	act := b.withUnsaved(conn)
	cred := act.providerConnection()
	b.clientsMu.Lock()
	defer b.clientsMu.Unlock()
	if c, ok := b.clients[conn.Name]; ok && sameCredential(c.cred, cred) {
		return c.client, nil
	}
	c, err := b.newClient(cred)
	if err != nil {
		return nil, err
	}
	if b.isCurrent(cred) {
		b.clients[conn.Name] = cachedClient{cred: cred, client: c}
	}
	return c, nil
}

// isCurrent reports whether cred is the credential of its connection as
// the connection cache holds it now. A connection the cache does not hold
// counts as changed: the caller cannot tell what replaced it.
func (b *backend) isCurrent(cred *provider.Connection) bool {
	stored := b.connections.cached(configStoragePrefix + cred.Name)
	return stored != nil && sameCredential(b.withUnsaved(stored).providerConnection(), cred)
}

// sameCredential compares every field a client is built from;
// reflect.DeepEqual keeps the comparison whole when a field is added.
func sameCredential(a, b *provider.Connection) bool {
	return reflect.DeepEqual(a, b)
}

// newClient builds a client for c, uncached (provider.NewClientFunc).
func (b *backend) newClient(c *provider.Connection) (provider.Client, error) {
	kind, err := b.kind(c.Provider)
	if err != nil {
		return nil, err
	}
	return kind.NewClient(c, b.providerOptions())
}

func (b *backend) providerOptions() provider.Options {
	return provider.Options{
		Logger:    b.Logger(),
		UserAgent: "vault-plugin-secrets-git/" + Version,
		Now:       b.now,
		Sleep:     b.sleep,
	}
}

func (b *backend) kind(name string) (provider.Kind, error) {
	k, ok := b.kinds[name]
	if !ok {
		return nil, errUnknownProvider(name, b.providerNames())
	}
	return k, nil
}

const backendHelp = `
The git secrets engine issues short-lived %s tokens.

Configure a connection to a provider account under config/, describe what a
token may reach under roles/, and read creds/<role> to get a token scoped to
exactly that. Every token is a Vault lease and is revoked at the provider when
the lease ends. tokens/ lists the tokens that are live and who holds them.
`
