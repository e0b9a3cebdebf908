package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// helper carries out get and erase.
type helper struct {
	cache cache
	now   func() time.Time
}

// get answers with the cached token for the request's role while it is
// fresh, else with a new one from Vault, which it caches.
func (h helper) get(ctx context.Context, req request, stdout io.Writer) error {
	url, err := req.url()
	if err != nil {
		return err
	}
	t, err := lookupTarget(ctx, url)
	if err != nil {
		return err
	}
	if t.Role == "" {
		return fmt.Errorf("no Vault role for %s: set one with git config --global credential.%s.vaultRole ROLE", url, strings.TrimSuffix(url, "/"))
	}
	client, err := newVaultClient()
	if err != nil {
		return fmt.Errorf("role %s: %w", t.Role, err)
	}
	e, ok := h.cache.load(client.Address(), t.Mount, t.Role)
	if !ok || !e.fresh(h.now()) {
		if e, err = readCreds(ctx, client, t, h.now()); err != nil {
			return fmt.Errorf("role %s: %w", t.Role, err)
		}
		if err := h.cache.save(e); err != nil {
			// The token still works for this command; the next one reads
			// another.
			return fmt.Errorf("role %s: %w", t.Role, err)
		}
	}
	return writeAnswer(stdout, answer{Username: e.Username, Password: e.Password, Expiry: e.ExpiresAt})
}

// erase revokes the cached lease of the request's role and drops it, when
// the token Git rejected is that lease's token. Git erases in every helper;
// a password from elsewhere is not this helper's to revoke.
func (h helper) erase(ctx context.Context, req request) error {
	url, err := req.url()
	if err != nil {
		return err
	}
	t, err := lookupTarget(ctx, url)
	if err != nil || t.Role == "" {
		return err
	}
	client, err := newVaultClient()
	if err != nil {
		return fmt.Errorf("role %s: %w", t.Role, err)
	}
	e, ok := h.cache.load(client.Address(), t.Mount, t.Role)
	if !ok || (req.Password != "" && req.Password != e.Password) {
		return nil
	}
	// Dropped first: a token Git rejected is never handed out again, even
	// if the revocation fails.
	if err := h.cache.drop(e.Addr, e.Mount, e.Role); err != nil {
		return err
	}
	if e.LeaseID != "" {
		if err := revokeLease(ctx, client, e.LeaseID); err != nil {
			return fmt.Errorf("role %s: %w", t.Role, err)
		}
	}
	return nil
}
