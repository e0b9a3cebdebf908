package gitsecrets

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/vault/sdk/logical"
	"github.com/hashicorp/vault/sdk/queue"
)

// The engine's own scheduler. It runs every rotation Vault's rotation
// manager does not: a connection's credential on Vault Community Edition,
// and every static role.
//
// It is driven from PeriodicFunc rather than a goroutine of its own. Vault
// calls PeriodicFunc once a minute (the rollback tick), only on the active
// node of a cluster that may write, with the mount's storage and a request
// context: exactly the conditions scheduled rotation needs, with no
// goroutine to start in InitializeFunc, stop in Clean, or keep from running
// on a standby after a leadership change. A minute's granularity is ample
// for credentials rotated every few hours or days.
//
// The queue (sdk/queue, ordered by when each credential needs looking at)
// only saves reading every entry each minute; the schedule itself lives in
// storage with each credential. InitializeFunc rebuilds the queue after a
// restart, a plugin reload or a leadership change, and the first tick
// rebuilds it if InitializeFunc did not run.

// Queue keys are the storage prefix and name of the credential.
const (
	queueKeyConnection = configStoragePrefix
	queueKeyStaticRole = staticRoleStoragePrefix
)

type rotationQueue struct {
	items *queue.PriorityQueue

	mu     sync.Mutex
	loaded bool
}

func newRotationQueue() *rotationQueue {
	return &rotationQueue{items: queue.New()}
}

// set (re)schedules key at at; a zero at removes it.
func (q *rotationQueue) set(key string, at time.Time) {
	_, _ = q.items.PopByKey(key)
	if at.IsZero() {
		return
	}
	// Push fails only on a duplicate key, which PopByKey just removed.
	_ = q.items.Push(&queue.Item{Key: key, Priority: at.Unix()})
}

func (q *rotationQueue) remove(key string) { _, _ = q.items.PopByKey(key) }

// popDue removes and returns every key due at now.
func (q *rotationQueue) popDue(now time.Time) []string {
	var due []string
	for {
		item, err := q.items.Pop()
		if err != nil {
			return due
		}
		if item.Priority > now.Unix() {
			// A set that raced in for the same key wins.
			_ = q.items.Push(item)
			return due
		}
		due = append(due, item.Key)
	}
}

// reload makes the next loadQueue read storage again.
func (q *rotationQueue) reload() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.loaded = false
}

// initialize runs when the mount starts, after a reload, and when this node
// becomes active.
func (b *backend) initialize(ctx context.Context, req *logical.InitializationRequest) error {
	if !b.WriteSafeReplicationState() {
		return nil
	}
	b.recoverRootTokenWALs(ctx, req.Storage)
	b.queue.reload()
	if err := b.loadQueue(ctx, req.Storage); err != nil {
		// The first tick tries again.
		b.Logger().Error("could not load the rotation schedule; retrying on the next tick", "error", err)
	}
	return nil
}

// periodic is the scheduler's tick.
func (b *backend) periodic(ctx context.Context, req *logical.Request) error {
	if !b.WriteSafeReplicationState() {
		return nil
	}
	b.flushUnsavedRoots(ctx)
	if err := b.loadQueue(ctx, req.Storage); err != nil {
		return err
	}
	for _, key := range b.queue.popDue(b.now()) {
		if ctx.Err() != nil {
			// Put the rest back; the next tick takes them.
			b.queue.set(key, b.now())
			continue
		}
		b.runScheduled(ctx, req.Storage, key)
	}
	// Last, and bounded: the drain never waits for a provider (see
	// drainRevocations), so it holds up neither the next tick nor the WAL
	// rollback Vault runs after this.
	if err := b.drainRevocations(ctx, req.Storage, drainBudget); err != nil {
		b.Logger().Error("working the revocation queue failed; retrying on the next tick", "error", err)
	}
	return nil
}

// loadQueue fills the queue from storage once per backend instance.
func (b *backend) loadQueue(ctx context.Context, s logical.Storage) error {
	q := b.queue
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.loaded {
		return nil
	}
	names, err := s.List(ctx, configStoragePrefix)
	if err != nil {
		return fmt.Errorf("list connections: %w", err)
	}
	for _, name := range names {
		conn, err := b.connection(ctx, s, name)
		if err != nil {
			return err
		}
		// A rotation waiting to be stored has moved the schedule on.
		conn = b.withUnsaved(conn)
		if conn != nil && conn.Rotation.ManagedBy == managedByEngine {
			q.set(queueKeyConnection+name, conn.Rotation.wake())
		}
	}
	err = eachStaticRole(ctx, s, func(r *staticRole) {
		q.set(queueKeyStaticRole+r.Name, r.wake())
	})
	if err != nil {
		return err
	}
	q.loaded = true
	return nil
}

// runScheduled looks at one due credential. Failures are recorded on the
// credential and logged; they never stop the others.
func (b *backend) runScheduled(ctx context.Context, s logical.Storage, key string) {
	var err error
	switch {
	case strings.HasPrefix(key, queueKeyConnection):
		err = b.scheduledRootRotation(ctx, s, strings.TrimPrefix(key, queueKeyConnection))
	case strings.HasPrefix(key, queueKeyStaticRole):
		err = b.scheduledStaticRotation(ctx, s, strings.TrimPrefix(key, queueKeyStaticRole))
	default:
		err = errors.New("unknown queue key")
	}
	if err != nil {
		// Storage failed before the attempt could be recorded: look again
		// at the next tick.
		b.Logger().Error("scheduled rotation could not run", "key", key, "error", err)
		b.queue.set(key, b.now().Add(time.Minute))
	}
}
