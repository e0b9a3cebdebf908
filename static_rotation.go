package gitsecrets

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/helper/locksutil"
	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// Rotating a static role means making a new token with the same scope and
// keeping the previous one alive for the grace period, then revoking it.
// (A provider's own rotate API may revoke the old token at once, which
// leaves no grace period, and some token types have none.)
//
// A new token is made under the same write-ahead-log discipline as a
// leased one (issue.go): the WAL entry names it before the provider call,
// and the role that holds it is the commit point.

const walKindStaticToken = "static_token"

// walStaticToken is written before a static role's token is created.
type walStaticToken struct {
	Role  string   `json:"role"`
	Token walToken `json:"token"`
}

// rotateStaticToken makes r's next token and stores r with it. It returns
// the stored role; r itself is left as it was, so a failure changes
// nothing. The caller holds the role's lock.
func (b *backend) rotateStaticToken(ctx context.Context, s logical.Storage, r *staticRole, conn *connection, now time.Time) (*staticRole, error) {
	client, err := b.client(conn)
	if err != nil {
		return nil, fmt.Errorf("build %s client: %w", conn.Provider, err)
	}
	ref := uuid.NewString()
	name := staticTokenName(r.Name, ref)
	notAfter := r.tokenNotAfter(now)
	w := walStaticToken{Role: r.Name, Token: walToken{
		Ref:       ref,
		Config:    conn.Name,
		Provider:  conn.Provider,
		BaseURL:   conn.BaseURL,
		TokenType: r.TokenType,
		Name:      name,
		Scope:     r.Scope,
	}}
	walID, err := framework.PutWAL(ctx, s, walKindStaticToken, w)
	if err != nil {
		return nil, fmt.Errorf("write WAL entry: %w", err)
	}
	tok, err := client.Issue(ctx, provider.IssueRequest{
		TokenType: r.TokenType,
		Scope:     r.Scope,
		NotAfter:  notAfter,
		Name:      name,
		Description: truncate(fmt.Sprintf("Static role %s of Vault mount %s; Vault replaces it by %s",
			r.Name, r.Mount, r.Rotation.nextAfter(now).Format(time.RFC3339)), 255),
	})
	if err != nil {
		if refusedBeforeCreating(err) {
			_ = framework.DeleteWAL(ctx, s, walID)
		}
		return nil, err
	}

	next := *r
	next.Previous = slices.Clone(r.Previous)
	if r.Current != nil {
		old := *r.Current
		old.RevokeAfter = now.Add(r.GracePeriod).UTC()
		next.Previous = append(next.Previous, old)
	}
	next.Current = &staticToken{
		Ref:          ref,
		Token:        tok.Token,
		Username:     tok.Username,
		Registry:     tok.Registry,
		RegistryHost: tok.RegistryHost,
		Scope:        tok.Scope,
		Handle:       tok.Handle,
		Config:       conn.Name,
		BaseURL:      conn.BaseURL,
		IssuedAt:     now.UTC(),
		ExpiresAt:    tok.ExpiresAt.UTC(),
	}
	next.State.succeeded(r.Rotation, now)
	if err := putStaticRole(ctx, s, &next); err != nil {
		// No role holds the token: revoke it now, or leave it to the WAL
		// rollback, which finds it by name.
		if rerr := b.revoke(ctx, s, conn.Name, conn.Provider, conn.BaseURL, tok.Handle); rerr == nil {
			_ = framework.DeleteWAL(ctx, s, walID)
		} else {
			b.Logger().Warn("revoking the token of a failed static role write failed; the WAL rollback will retry", "static_role", r.Name, "error", rerr)
		}
		return nil, err
	}
	if err := framework.DeleteWAL(ctx, s, walID); err != nil {
		// Its rollback finds the token in use and leaves it.
		b.Logger().Warn("could not delete a static token's WAL entry", "static_role", r.Name, "error", err)
	}
	b.Logger().Info("made a new static token", "static_role", r.Name, "token_id", tok.Handle.ID, "next_rotation", next.State.Next)

	// With no grace period, the previous token goes at once.
	if b.revokeDuePrevious(ctx, s, &next, now) {
		if err := putStaticRole(ctx, s, &next); err != nil {
			b.Logger().Warn("could not record a revoked static token; revoking it again later is harmless", "static_role", r.Name, "error", err)
		}
	}
	return &next, nil
}

// revokeDuePrevious revokes r's previous tokens whose grace period is over.
// One that fails stays, to be tried again with backoff. It reports whether
// r changed.
func (b *backend) revokeDuePrevious(ctx context.Context, s logical.Storage, r *staticRole, now time.Time) bool {
	changed := false
	kept := r.Previous[:0:0]
	for _, t := range r.Previous {
		if t.RevokeAfter.After(now) {
			kept = append(kept, t)
			continue
		}
		changed = true
		if err := b.revoke(ctx, s, t.Config, r.Provider, t.BaseURL, t.Handle); err != nil {
			t.RevokeFailures++
			t.RevokeAfter = now.Add(retryBackoff(t.RevokeFailures)).UTC()
			b.Logger().Warn("revoking a static role's previous token failed; will retry", "static_role", r.Name,
				"token_id", t.Handle.ID, "retry_at", t.RevokeAfter, "error", err)
			kept = append(kept, t)
			continue
		}
		b.Logger().Info("revoked a static role's previous token after its grace period", "static_role", r.Name, "token_id", t.Handle.ID)
	}
	r.Previous = kept
	return changed
}

// scheduledStaticRotation is the scheduler's look at one static role:
// previous tokens past their grace period are revoked, and the token is
// replaced when its rotation is due.
func (b *backend) scheduledStaticRotation(ctx context.Context, s logical.Storage, name string) error {
	key := queueKeyStaticRole + name
	lock := locksutil.LockForKey(b.staticLocks, name)
	lock.Lock()
	defer lock.Unlock()
	r, err := getStaticRole(ctx, s, name)
	if err != nil {
		return err
	}
	if r == nil {
		b.queue.remove(key)
		return nil
	}
	now := b.now()
	changed := b.revokeDuePrevious(ctx, s, r, now)
	due, moved := r.State.due(r.Rotation, now)
	changed = changed || moved
	if due {
		rotated, err := b.rotateStaticNow(ctx, s, r, now)
		if err != nil {
			r.State.failed(now, err)
			changed = true
			b.Logger().Error("scheduled rotation of a static role failed; its current token stays in use", "static_role", name,
				"error", err, "failures", r.State.Failures, "retry_at", r.State.RetryAt)
		} else {
			r, changed = rotated, false
		}
	}
	if changed {
		if err := putStaticRole(ctx, s, r); err != nil {
			return err
		}
	}
	b.queue.set(key, r.wake())
	return nil
}

// rotateStaticNow replaces r's token through its connection.
func (b *backend) rotateStaticNow(ctx context.Context, s logical.Storage, r *staticRole, now time.Time) (*staticRole, error) {
	// The connection holds still until the role with the new token is
	// stored (see pathCredsIssue).
	lock := locksutil.LockForKey(b.configLocks, r.Config)
	lock.RLock()
	defer lock.RUnlock()
	conn, err := b.connection(ctx, s, r.Config)
	if err == nil && conn == nil {
		err = errNoConnection{r.Config}
	}
	if err != nil {
		return nil, err
	}
	return b.rotateStaticToken(ctx, s, r, conn, now)
}

// revokeStaticTokens revokes every token of a role being deleted. It
// returns the tokens it could not revoke.
func (b *backend) revokeStaticTokens(ctx context.Context, s logical.Storage, r *staticRole) (current *staticToken, previous []staticToken, err error) {
	var firstErr error
	note := func(e error) {
		if firstErr == nil {
			firstErr = e
		}
	}
	if r.Current != nil {
		if e := b.revoke(ctx, s, r.Current.Config, r.Provider, r.Current.BaseURL, r.Current.Handle); e != nil {
			current = r.Current
			note(e)
		}
	}
	for _, t := range r.Previous {
		if e := b.revoke(ctx, s, t.Config, r.Provider, t.BaseURL, t.Handle); e != nil {
			previous = append(previous, t)
			note(e)
		}
	}
	return current, previous, firstErr
}

// rollbackStaticToken cleans up after a static token creation that did not
// complete. A token some role still holds is left alone: only the WAL
// entry's delete failed.
func (b *backend) rollbackStaticToken(ctx context.Context, s logical.Storage, w walStaticToken) error {
	lock := locksutil.LockForKey(b.staticLocks, w.Role)
	lock.Lock()
	defer lock.Unlock()
	r, err := getStaticRole(ctx, s, w.Role)
	if err != nil {
		return err
	}
	if r != nil && r.holds(w.Token.Ref) {
		return nil
	}
	return b.rollbackToken(ctx, s, w.Token)
}
