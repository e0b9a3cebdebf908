package gitsecrets

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/httpretry"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// The revocation queue takes over revocations the provider rate-limits for
// longer than Vault keeps trying.
//
// A rate-limited revocation fails back to Vault, which retries it (SPEC):
// five times over about ten minutes, and then gives the lease up as
// irrevocable. When thousands of leases end together, a provider's
// secondary limits (some allow about 180 revocations a minute) refuse them
// for longer than that. So at a lease's fifth rate-limited attempt the engine writes
// the token into this queue and tells Vault the lease is revoked: the duty
// to revoke moves from Vault's lease to the engine's storage, never
// dropped. The token stays in the inventory, marked queued, until the
// provider confirms it is gone or it has expired there by itself.
//
// While a connection is rate limited, revocation attempts fail at once
// without calling the provider: providers ask integrations to stop sending
// while limited. The scheduler's tick (PeriodicFunc, active node only) works
// the queue at the pace the provider names, without ever waiting for it
// (drainRevocations).

const revocationStoragePrefix = "revocations/"

// drainBudget bounds one tick's work on the queue, a third of the minute
// between ticks, so that the tick's rotations before it and the WAL
// rollback after it still fit.
const drainBudget = 20 * time.Second

// drainCallShare is the part of the drain's budget one revocation may take.
// A call that takes longer counts as that token's failure, so it backs off
// and the tokens queued behind it get their turn: a provider that accepts
// connections but never answers would otherwise take the whole budget of
// every tick, first in key order, and starve the queue.
const drainCallShare = 4

// drainMaxWait is the longest the drain's provider calls wait before a
// retry: enough for a transient failure's backoff; a rate limit naming a
// longer wait comes back at once and holds the connection off instead.
const drainMaxWait = time.Second

// defaultRateLimitWait is how long to hold off when a rate-limited answer
// names no wait; providers ask for at least a minute.
const defaultRateLimitWait = time.Minute

// maxRevocationBackoff caps the wait between tries of a revocation that
// fails for other reasons.
const maxRevocationBackoff = time.Hour

// queuedRevocation is a token whose revocation the engine owes.
type queuedRevocation struct {
	// Lease is the ended lease's internal data, the token itself included
	// where revoking needs it (Handle.Secret): once the lease is gone this is the
	// only copy, so revocations/ is seal-wrapped (backend.go).
	Lease    leaseInternal `json:"lease"`
	QueuedAt time.Time     `json:"queued_at"`
	// Attempts and NextTry pace failures other than rate limits.
	Attempts  int       `json:"attempts"`
	NextTry   time.Time `json:"next_try"`
	LastError string    `json:"last_error,omitempty"`
}

// pacing remembers, per connection, until when the provider asked the
// engine to hold off, and per token how many revocation attempts in a row
// met a rate limit. Memory is enough: after a restart the count starts
// again, and Vault's own attempts left still cover it in all but the
// rarest timing.
type pacing struct {
	mu       sync.Mutex
	until    map[string]time.Time
	attempts map[string]int
}

func newPacing() *pacing {
	return &pacing{until: map[string]time.Time{}, attempts: map[string]int{}}
}

// limitedAttempt counts one more rate-limited attempt for ref.
func (p *pacing) limitedAttempt(ref string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.attempts[ref]++
	return p.attempts[ref]
}

func (p *pacing) forgetAttempts(ref string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.attempts, ref)
}

func (p *pacing) holdOff(config string, until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until.After(p.until[config]) {
		p.until[config] = until
	}
}

// heldOff returns until when config is held off, if it is at now.
func (p *pacing) heldOff(config string, now time.Time) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	until, ok := p.until[config]
	if ok && !now.Before(until) {
		delete(p.until, config)
		return time.Time{}, false
	}
	return until, ok
}

// rateLimitWait is the wait a rate-limited provider error names.
func rateLimitWait(err error) (time.Duration, bool) {
	var pe *provider.Error
	if !errors.Is(err, provider.ErrRateLimited) || !errors.As(err, &pe) {
		return 0, false
	}
	if pe.RetryAfter > 0 {
		return pe.RetryAfter, true
	}
	return defaultRateLimitWait, true
}

// queueAfterAttempts is the rate-limited attempt at which a revocation
// moves to the queue. Vault marks a lease irrevocable when its sixth
// attempt fails; until the fifth, a rate limit is returned to Vault, which
// retries (SPEC), with one attempt to spare should the queue write fail.
const queueAfterAttempts = 5

// revokeOrQueue revokes a lease's token. A rate limit is returned to Vault,
// which retries, until the lease's queueAfterAttempts-th attempt, which
// queues the token instead (queued reports it). While the provider asks the
// engine to hold off, attempts fail at once, without a call.
func (b *backend) revokeOrQueue(ctx context.Context, s logical.Storage, l leaseInternal) (queued bool, err error) {
	now := b.now()
	if until, held := b.pacing.heldOff(l.Config, now); held {
		err = &provider.Error{Kind: provider.ErrRateLimited, Message: fmt.Sprintf(
			"%s rate-limits revocations of connection %q; holding off until %s", l.Provider, l.Config, until.UTC().Format(time.RFC3339))}
	} else {
		err = b.revoke(ctx, s, l.Config, l.Provider, l.BaseURL, l.Handle)
		if wait, limited := rateLimitWait(err); limited {
			b.pacing.holdOff(l.Config, now.Add(wait))
		}
	}
	// A holder replacing its token faster than revocation finds the
	// successors (provider.ErrHolderRotating) is queued the same way: Vault
	// would give the lease up while the last successor lives on.
	if _, limited := rateLimitWait(err); !limited && !errors.Is(err, provider.ErrHolderRotating) {
		b.pacing.forgetAttempts(l.Ref)
		return false, err
	}
	if b.pacing.limitedAttempt(l.Ref) < queueAfterAttempts {
		return false, err
	}
	if qerr := b.queueRevocation(ctx, s, l, now); qerr != nil {
		b.Logger().Warn("could not queue a rate-limited revocation; Vault will retry", "token_ref", l.Ref, "error", qerr)
		return false, err
	}
	b.pacing.forgetAttempts(l.Ref)
	b.Logger().Info("revocation still rate-limited or outrun by the token's holder; token queued before Vault gives its lease up", "config", l.Config, "token_ref", l.Ref, "error", err)
	return true, nil
}

func (b *backend) queueRevocation(ctx context.Context, s logical.Storage, l leaseInternal, now time.Time) error {
	entry, err := logical.StorageEntryJSON(revocationStoragePrefix+l.Ref, queuedRevocation{Lease: l, QueuedAt: now})
	if err != nil {
		return fmt.Errorf("encode queued revocation: %w", err)
	}
	if err := s.Put(ctx, entry); err != nil {
		return fmt.Errorf("queue revocation: %w", err)
	}
	return nil
}

func getQueuedRevocation(ctx context.Context, s logical.Storage, ref string) (*queuedRevocation, error) {
	entry, err := s.Get(ctx, revocationStoragePrefix+ref)
	if err != nil || entry == nil {
		return nil, err
	}
	q := &queuedRevocation{}
	if err := entry.DecodeJSON(q); err != nil {
		return nil, fmt.Errorf("%w: %w", errUnreadableQueued, err)
	}
	return q, nil
}

// errUnreadableQueued is a queue entry that does not decode: retrying
// cannot help, so the drain passes over it to the tokens after it.
var errUnreadableQueued = errors.New("decode queued revocation")

// drainRevocations revokes what in the queue is due now, and leaves the
// rest for a later tick. It never waits: Vault starts neither the mount's
// next tick nor, in this one, its WAL rollback until it returns, and an
// unmount waits for it. So a connection the provider holds off is skipped
// (pacing remembers until when), a provider call waits at most
// drainMaxWait before a retry and never for a rate limit, and the calls
// stop at budget, by the engine's clock between tokens and by a context
// deadline during a call; one call takes at most a drainCallShare-th of
// the budget.
func (b *backend) drainRevocations(ctx context.Context, s logical.Storage, budget time.Duration) error {
	refs, err := s.List(ctx, revocationStoragePrefix)
	if err != nil || len(refs) == 0 {
		return err
	}
	budgetCtx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	budgetCtx = httpretry.WithMaxWait(budgetCtx, drainMaxWait)
	deadline := b.now().Add(budget)
	for _, ref := range refs {
		if budgetCtx.Err() != nil || !b.now().Before(deadline) {
			return nil
		}
		q, err := getQueuedRevocation(ctx, s, ref)
		if errors.Is(err, errUnreadableQueued) {
			b.Logger().Error("a revocation queue entry cannot be read; skipping it", "token_ref", ref, "error", err)
			continue
		}
		if err != nil {
			return err
		}
		if q == nil || b.now().Before(q.NextTry) {
			continue
		}
		if _, held := b.pacing.heldOff(q.Lease.Config, b.now()); held {
			continue
		}
		if err := b.retryQueued(ctx, budgetCtx, s, q, budget/drainCallShare); err != nil {
			return err
		}
	}
	return nil
}

// retryQueued tries one queued revocation, calling the provider for at
// most callTimeout within budgetCtx; only storage errors are returned.
func (b *backend) retryQueued(ctx, budgetCtx context.Context, s logical.Storage, q *queuedRevocation, callTimeout time.Duration) error {
	l := q.Lease
	if !l.TokenExpiresAt.IsZero() && b.now().After(l.TokenExpiresAt) && l.Handle.Name == "" {
		// The provider has ended the token by itself. A named token may
		// have successors its holder made, which live on (provider.Handle).
		return b.finishQueued(ctx, s, l.Ref)
	}
	callCtx, cancel := context.WithTimeout(budgetCtx, callTimeout)
	defer cancel()
	err := b.revoke(callCtx, s, l.Config, l.Provider, l.BaseURL, l.Handle)
	if err == nil {
		return b.finishQueued(ctx, s, l.Ref)
	}
	if wait, limited := rateLimitWait(err); limited {
		b.pacing.holdOff(l.Config, b.now().Add(wait))
		return nil
	}
	if budgetCtx.Err() != nil {
		// The drain's budget ran out during the call: not the token's
		// failure, so it keeps its place for the next tick. (A call that
		// ran out of its own share is: it backs off below.)
		return nil
	}
	q.Attempts++
	q.NextTry = b.now().Add(min(time.Duration(1<<min(q.Attempts, 12))*time.Second, maxRevocationBackoff))
	q.LastError = err.Error()
	b.Logger().Warn("queued revocation failed; retrying later", "token_ref", l.Ref, "attempts", q.Attempts, "next_try", q.NextTry, "error", err)
	entry, err := logical.StorageEntryJSON(revocationStoragePrefix+l.Ref, q)
	if err != nil {
		return err
	}
	return s.Put(ctx, entry)
}

func (b *backend) finishQueued(ctx context.Context, s logical.Storage, ref string) error {
	if err := deleteTokenEntry(ctx, s, ref); err != nil {
		return err
	}
	b.status.drop(ref)
	if err := s.Delete(ctx, revocationStoragePrefix+ref); err != nil {
		return fmt.Errorf("delete queued revocation: %w", err)
	}
	return nil
}
