package gitsecrets

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/logical"
)

// hangingServer accepts connections and never answers: a provider that has
// gone dark behind a load balancer, or a host whose packets are dropped.
func hangingServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c) // held open, never read or answered
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return "http://" + ln.Addr().String()
}

// TestQueuedRevocationBehindAHangingProviderIsNotStarved: the queue is
// worked in key order with a time budget per tick. A queued token whose
// provider accepts the connection but never answers takes the whole budget
// every tick, and (the budget running out, not the token's failure) keeps
// its place at the front; every token queued behind it, on a healthy
// connection, is never revoked: it lives on at the provider past its lease.
// Each tick must make progress past such a token.
func TestQueuedRevocationBehindAHangingProviderIsNotStarved(t *testing.T) {
	t.Parallel()
	e := newQueueEnv(t)
	healthy := e.ok(logical.ReadOperation, "creds/ci", nil)
	e.limitRevocations()
	e.revokeUntilQueued(healthy)
	e.gh.ClearFaults()
	e.now = e.now.Add(11 * time.Minute) // GitHub's wait is over

	// A token of a GitHub Enterprise server that has gone dark, queued
	// earlier, first in key order.
	stuck := leaseInternal{
		Ref: "00000000-0000-4000-8000-000000000000", Role: "ci", Config: "ghes",
		Provider: "github", BaseURL: hangingServer(t), TokenType: "installation",
		TokenExpiresAt: e.now.Add(time.Hour),
	}
	stuck.Handle.TokenType, stuck.Handle.Secret = "installation", "ghs_stuck"
	entry, err := logical.StorageEntryJSON(revocationStoragePrefix+stuck.Ref, queuedRevocation{Lease: stuck, QueuedAt: e.now})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.storage.Put(context.Background(), entry); err != nil {
		t.Fatal(err)
	}

	const budget = 400 * time.Millisecond // drainBudget, scaled down
	for tick := 0; tick < 3; tick++ {
		if err := e.b.drainRevocations(context.Background(), e.storage, budget); err != nil {
			t.Fatal(err)
		}
	}
	if live := e.gh.LiveTokens(); len(live) != 0 {
		t.Errorf("after 3 ticks, the token queued behind the hanging provider is still live at GitHub (queue: %v)", e.queued())
	}
}

// TestUnreadableQueueEntryDoesNotBlockTheQueue: one queue entry that does
// not decode (written by another version, or damaged) must not stop every
// tick's drain before the tokens queued after it.
func TestUnreadableQueueEntryDoesNotBlockTheQueue(t *testing.T) {
	t.Parallel()
	e := newQueueEnv(t)
	healthy := e.ok(logical.ReadOperation, "creds/ci", nil)
	e.limitRevocations()
	e.revokeUntilQueued(healthy)
	e.gh.ClearFaults()
	e.now = e.now.Add(11 * time.Minute)
	bad := &logical.StorageEntry{Key: revocationStoragePrefix + "00000000-0000-4000-8000-000000000000", Value: []byte(`{"lease": 7}`)}
	if err := e.storage.Put(context.Background(), bad); err != nil {
		t.Fatal(err)
	}
	_ = e.b.drainRevocations(context.Background(), e.storage, drainBudget)
	if live := e.gh.LiveTokens(); len(live) != 0 {
		t.Errorf("the token queued after an unreadable entry is still live at GitHub (queue: %v)", e.queued())
	}
}
