package gitsecrets

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/helper/locksutil"
	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// A connection credential that replaces itself (provider.Rotation.Final)
// stops working the moment the provider answers: from then on the new one is
// the engine's only working credential, so it is kept before anything else
// (commitRotatedToken), and held in memory while storage refuses it.

const (
	walKindRootToken = "root_token"
	// rootExpiryMargin is how long a rotated token outlives the rotation
	// after it: time for an operator to fix rotations that keep failing.
	rootExpiryMargin = 7 * 24 * time.Hour
)

// rotatedTokenExpiry is the latest moment the new connection credential
// must work: its configured lifetime, but never less than the next scheduled
// rotation (window included) plus a margin, and never past what the
// provider accepts.
func rotatedTokenExpiry(now time.Time, lifetime time.Duration, spec rotationSpec, limit time.Duration) time.Time {
	notAfter := now.Add(lifetime)
	if spec.enabled() {
		if need := spec.nextAfter(now).Add(spec.Window + rootExpiryMargin); notAfter.Before(need) {
			notAfter = need
		}
	}
	if limit > 0 && notAfter.After(now.Add(limit)) {
		notAfter = now.Add(limit)
	}
	return notAfter
}

// commitRotatedToken stores the token the provider just handed over. From
// the provider's answer on, that token is the engine's only working credential: losing it
// would leave the connection dead until an operator writes a new token. A
// write-ahead log entry before the call cannot hold it (it does not exist
// until the provider answers), so the token is kept in three places, in order:
//
//  1. a WAL entry holding it, written first: a small write of its own;
//  2. the connection itself, the commit point;
//  3. memory, until the connection is stored: every client the engine
//     builds uses the new token meanwhile, and every tick retries the write
//     (flushUnsavedRoots); the WAL entry, if it was written, is applied on
//     the next start (InitializeFunc) or by Vault's WAL rollback.
//
// So the token is lost only if both writes fail and the process then stops
// before any retry succeeds; storage that refuses every write has stopped
// the whole mount anyway. The cached client is dropped only once the token
// is kept, so no request that reads the connection after the rotation
// builds a client from the dead token; one that read it before acts with
// what it read, and its client is not cached (backend.client).
func (b *backend) commitRotatedToken(ctx context.Context, s logical.Storage, old, next *connection) (*connection, error) {
	replaced := hashToken(b.credential(old))
	// old may itself be a rotation still waiting in memory: storage then
	// holds the token that one replaced, and this rotation, which the provider
	// has just made supersede it (its token is revoked now), replaces that
	// stored token in turn. Its WAL entry would bring the revoked token
	// back, so it goes.
	prev := b.unsavedFor(next.Name)
	if prev != nil && b.credential(prev.conn) == b.credential(old) {
		replaced = prev.replaces
	} else {
		prev = nil
	}
	walID, walErr := framework.PutWAL(ctx, s, walKindRootToken, walRootToken{
		Config:     next.Name,
		Token:      b.credential(next),
		Replaces:   replaced,
		Credential: next.Credential,
		VerifiedAt: next.VerifiedAt,
		Rotation:   next.Rotation,
	})
	if walErr != nil {
		walID = ""
	}
	if err := b.putConnection(ctx, s, next); err != nil {
		b.keepUnsaved(&unsavedRoot{conn: next, replaces: replaced, walID: walID, storage: s})
		if prev != nil && prev.walID != "" {
			_ = framework.DeleteWAL(ctx, prev.storage, prev.walID)
		}
		b.dropClient(next.Name)
		return next, fmt.Errorf("%w (the engine uses the new token and retries storing it every minute): %w", errRotatedNotStored, err)
	}
	b.dropClient(next.Name)
	b.settleUnsaved(ctx, next)
	if walID != "" {
		if err := framework.DeleteWAL(ctx, s, walID); err != nil {
			// Its rollback finds the token stored and drops it.
			b.Logger().Warn("could not delete the WAL entry of a stored rotation", "config", next.Name, "error", err)
		}
	}
	return next, nil
}

// unsavedRoot is a rotated connection whose storage write failed.
type unsavedRoot struct {
	conn     *connection
	replaces string // hashToken of the token the provider revoked
	walID    string // "" when the WAL write failed too
	storage  logical.Storage
}

func (b *backend) keepUnsaved(u *unsavedRoot) {
	b.unsavedMu.Lock()
	defer b.unsavedMu.Unlock()
	b.unsaved[u.conn.Name] = u
}

func (b *backend) unsavedFor(name string) *unsavedRoot {
	b.unsavedMu.Lock()
	defer b.unsavedMu.Unlock()
	return b.unsaved[name]
}

// withUnsaved returns the connection to act with: conn as stored, or, while
// a rotation of it waits in memory, the rotated one.
func (b *backend) withUnsaved(conn *connection) *connection {
	if conn == nil {
		return nil
	}
	u := b.unsavedFor(conn.Name)
	if u == nil || hashToken(b.credential(conn)) != u.replaces {
		return conn
	}
	c := *u.conn
	return &c
}

// settleUnsaved forgets a rotation waiting in memory once the stored
// connection holds its token, or another one an operator wrote.
func (b *backend) settleUnsaved(ctx context.Context, stored *connection) {
	b.unsavedMu.Lock()
	u := b.unsaved[stored.Name]
	if u != nil && hashToken(b.credential(stored)) != u.replaces {
		delete(b.unsaved, stored.Name)
	} else {
		u = nil
	}
	b.unsavedMu.Unlock()
	if u != nil && u.walID != "" {
		_ = framework.DeleteWAL(ctx, u.storage, u.walID)
	}
}

// flushUnsavedRoots retries storing rotations that wait in memory.
func (b *backend) flushUnsavedRoots(ctx context.Context) {
	b.unsavedMu.Lock()
	pending := make([]*unsavedRoot, 0, len(b.unsaved))
	for _, u := range b.unsaved {
		pending = append(pending, u)
	}
	b.unsavedMu.Unlock()
	for _, u := range pending {
		b.flushUnsaved(ctx, u)
	}
}

func (b *backend) flushUnsaved(ctx context.Context, u *unsavedRoot) {
	name := u.conn.Name
	lock := locksutil.LockForKey(b.configLocks, name)
	lock.Lock()
	defer lock.Unlock()
	stored, err := b.connection(ctx, u.storage, name)
	if err != nil {
		b.Logger().Error("still cannot store the rotated token", "config", name, "error", err)
		return
	}
	if stored == nil {
		b.forgetUnsaved(ctx, u)
		return
	}
	if hashToken(b.credential(stored)) == u.replaces {
		if err := b.putConnection(ctx, u.storage, u.conn); err != nil {
			b.Logger().Error("still cannot store the rotated token", "config", name, "error", err)
			return
		}
		b.Logger().Info("stored the rotated token", "config", name)
	}
	b.forgetUnsaved(ctx, u)
}

func (b *backend) forgetUnsaved(ctx context.Context, u *unsavedRoot) {
	b.unsavedMu.Lock()
	if b.unsaved[u.conn.Name] == u {
		delete(b.unsaved, u.conn.Name)
	}
	b.unsavedMu.Unlock()
	if u.walID != "" {
		_ = framework.DeleteWAL(ctx, u.storage, u.walID)
	}
}

// credential is the secret of conn that a Final rotation replaces.
func (b *backend) credential(conn *connection) string {
	if k, ok := b.kinds[conn.Provider]; ok {
		return k.Credential(&conn.Connection)
	}
	return ""
}

// walRootToken holds a rotated connection credential (Kind.Credential;
// Token keeps the stored key, "token") until the connection holding it is
// stored.
type walRootToken struct {
	Config     string                  `json:"config"`
	Token      string                  `json:"token"`
	Replaces   string                  `json:"replaces"`
	Credential provider.CredentialInfo `json:"credential"`
	VerifiedAt time.Time               `json:"verified_at"`
	Rotation   rotationState           `json:"rotation"`
}

// rollbackRootToken applies a rotated token to its connection if the
// connection still holds the token it replaced. Anything else (the token
// stored, the connection rewritten or deleted) leaves nothing to do.
// While storage refuses the write, the engine acts with the token from
// memory, as after the rotation itself: the stored one is revoked. walID
// is the entry's id when the caller deletes it only once the token is
// stored ("" from Vault's rollback, which deletes it itself).
func (b *backend) rollbackRootToken(ctx context.Context, s logical.Storage, w walRootToken, walID string) error {
	lock := locksutil.LockForKey(b.configLocks, w.Config)
	lock.Lock()
	defer lock.Unlock()
	stored, err := b.connection(ctx, s, w.Config)
	if err != nil {
		return err
	}
	if stored == nil || b.credential(stored) == w.Token || hashToken(b.credential(stored)) != w.Replaces {
		return nil
	}
	kind, err := b.kind(stored.Provider)
	if err != nil {
		return err
	}
	if err := kind.SetCredential(&stored.Connection, w.Token); err != nil {
		return err
	}
	stored.Credential = w.Credential
	stored.VerifiedAt = w.VerifiedAt
	stored.Rotation = w.Rotation
	if err := b.putConnection(ctx, s, stored); err != nil {
		b.keepUnsaved(&unsavedRoot{conn: stored, replaces: w.Replaces, walID: walID, storage: s})
		b.dropClient(w.Config)
		return err
	}
	b.dropClient(w.Config)
	b.settleUnsaved(ctx, stored)
	b.Logger().Info("stored a rotated token recovered from the write-ahead log", "config", w.Config)
	return nil
}

// recoverRootTokenWALs applies rotated tokens left in the write-ahead log
// at once on start, rather than after the rollback's minimum age: until
// then the stored token is already revoked.
func (b *backend) recoverRootTokenWALs(ctx context.Context, s logical.Storage) {
	ids, err := framework.ListWAL(ctx, s)
	if err != nil {
		b.Logger().Error("could not list the write-ahead log", "error", err)
		return
	}
	for _, id := range ids {
		entry, err := framework.GetWAL(ctx, s, id)
		if err != nil || entry == nil || entry.Kind != walKindRootToken {
			continue
		}
		var w walRootToken
		if err := decodeWAL(entry.Data, &w); err != nil {
			continue
		}
		if err := b.rollbackRootToken(ctx, s, w, id); err != nil {
			b.Logger().Error("could not store a rotated token from the write-ahead log; the engine uses it and retries the write every minute", "config", w.Config, "error", err)
			continue
		}
		_ = framework.DeleteWAL(ctx, s, id)
	}
}
