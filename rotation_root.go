package gitsecrets

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/vault/sdk/helper/locksutil"
	"github.com/hashicorp/vault/sdk/logical"
)

// Rotation of a connection's own credential. rotateRootLocked is the one
// rotation behind rotate-root/:name, Vault's RotateCredential callback and
// the engine's own scheduler, so all three behave alike.

var (
	// errNoStagedKey: a GitHub connection has no key to move signing to.
	errNoStagedKey = errors.New("no staged key")
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
	conn, err := b.loadConnection(ctx, s, name)
	if err != nil {
		return nil, err
	}
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
	conn, err := b.loadConnection(ctx, s, name)
	if err != nil {
		return err
	}
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
	case errors.Is(err, errNoStagedKey):
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
// rotation leaves the old credential in use (GitLab: unless GitLab acted and
// its answer was lost, which the next attempt detects).
func (b *backend) rotateRootLocked(ctx context.Context, s logical.Storage, conn *connection) (*connection, error) {
	switch conn.Provider {
	case "gitlab":
		return b.rotateGitLabToken(ctx, s, conn)
	case "github":
		return b.rotateGitHubKey(ctx, s, conn)
	default:
		return nil, fmt.Errorf("%s connections cannot rotate their credential", conn.Provider)
	}
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
