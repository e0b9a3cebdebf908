package gitsecrets

import (
	"context"
	"errors"

	"github.com/hashicorp/vault/sdk/helper/locksutil"
	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// Rotation of a connection's own credential. rotateRootLocked is the one
// rotation behind rotate-root/:name, Vault's RotateCredential callback and
// the engine's own scheduler, so all three behave alike.

var (
	// errRotatedNotStored: the provider rotated the credential but storage
	// refused the new one; the engine holds it in memory meanwhile.
	errRotatedNotStored = errors.New("the provider rotated the credential, but storing the new one failed")
)

// rotateRootNow rotates connection name's credential at once (rotate-root,
// the rotation manager).
func (b *backend) rotateRootNow(ctx context.Context, s logical.Storage, name string) (*connection, error) {
	lock := locksutil.LockForKey(b.configLocks, name)
	lock.Lock()
	defer lock.Unlock()
	conn, err := b.connection(ctx, s, name)
	if err != nil {
		return nil, err
	}
	// Rotate what the engine acts with: a rotated credential still waiting
	// to be stored is the one that works.
	conn = b.withUnsaved(conn)
	if conn == nil {
		return nil, errNoConnection{name}
	}
	rotated, err := b.rotateRootLocked(ctx, s, conn)
	if rotated != nil && rotated.Rotation.ManagedBy == managedByEngine {
		b.queue.set(queueKeyConnection+name, rotated.Rotation.wake())
	}
	if err != nil {
		return nil, err
	}
	return rotated, nil
}

// scheduledRootRotation is the scheduler's look at one connection.
func (b *backend) scheduledRootRotation(ctx context.Context, s logical.Storage, name string) error {
	key := queueKeyConnection + name
	lock := locksutil.LockForKey(b.configLocks, name)
	lock.Lock()
	defer lock.Unlock()
	conn, err := b.connection(ctx, s, name)
	if err != nil {
		return err
	}
	conn = b.withUnsaved(conn)
	if conn == nil || conn.Rotation.ManagedBy != managedByEngine {
		b.queue.remove(key)
		return nil
	}
	spec := conn.rotationSpec()
	now := b.now()
	due, moved := conn.Rotation.due(spec, now)
	if !due {
		if moved {
			b.Logger().Warn("a scheduled rotation's window passed without it; waiting for the next one",
				"config", name, "next_rotation", conn.Rotation.Next)
			if err := b.storeConnection(ctx, s, conn); err != nil {
				return err
			}
		}
		b.queue.set(key, conn.Rotation.wake())
		return nil
	}

	log := b.Logger().With("config", name, "provider", conn.Provider)
	rotated, err := b.rotateRootLocked(ctx, s, conn)
	switch {
	case err == nil:
		log.Info("rotated the connection's credential on schedule", "next_rotation", rotated.Rotation.Next)
		conn = rotated
	case errors.Is(err, errRotatedNotStored):
		// The rotation happened; only its storage is pending.
		log.Error("rotated the connection's credential, but could not store it; the engine uses it and retries the write every minute", "error", err)
		conn = rotated
	case errors.Is(err, provider.ErrNoNextCredential):
		// Retrying cannot help until an operator stages a key.
		log.Error("scheduled rotation skipped: the connection has no staged key to move signing to", "error", err)
		conn.Rotation.skipped(spec, now, err)
		if err := b.storeConnection(ctx, s, conn); err != nil {
			return err
		}
	default:
		conn.Rotation.failed(now, err)
		log.Error("scheduled rotation failed; the current credential stays in use", "error", err,
			"failures", conn.Rotation.Failures, "retry_at", conn.Rotation.RetryAt)
		if err := b.storeConnection(ctx, s, conn); err != nil {
			return err
		}
	}
	b.queue.set(key, conn.Rotation.wake())
	return nil
}

// rotateRootLocked rotates conn's credential; the caller holds the
// connection's lock. On success it returns the connection as stored, with
// its rotation state moved on, and conn itself is left untouched. A failed
// rotation leaves the old credential in use (for a credential that replaces
// itself: unless the provider acted and its answer was lost, which the
// provider's next attempt detects).
func (b *backend) rotateRootLocked(ctx context.Context, s logical.Storage, conn *connection) (*connection, error) {
	kind, err := b.kind(conn.Provider)
	if err != nil {
		return nil, err
	}
	now := b.now()
	spec := conn.rotationSpec()
	lifetime, limit := kind.CredentialLifetime(&conn.Connection)
	notAfter := rotatedTokenExpiry(now, lifetime, spec, limit)
	rot, err := kind.RotateCredential(ctx, conn.providerConnection(), conn.Credential, notAfter, b.newClient)
	if err != nil {
		return nil, err
	}
	next := *conn
	next.Connection = *rot.Connection
	next.Credential = rot.Info
	next.VerifiedAt = now.UTC()
	next.Rotation.succeeded(spec, now)
	if rot.Final {
		return b.commitRotatedToken(ctx, s, conn, &next)
	}
	// The old credential still works, so a failed write leaves a working
	// connection behind.
	if err := b.storeConnection(ctx, s, &next); err != nil {
		return nil, err
	}
	if rot.Client != nil {
		b.setClient(&next, rot.Client)
	} else {
		b.dropClient(next.Name)
	}
	return &next, nil
}

// storeConnection writes a connection the rotation code changed. Writing
// one whose token was still waiting in memory also settles that.
func (b *backend) storeConnection(ctx context.Context, s logical.Storage, conn *connection) error {
	if err := b.putConnection(ctx, s, conn); err != nil {
		return err
	}
	b.settleUnsaved(ctx, conn)
	return nil
}
