package gitsecrets

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/logical"
)

// Every change an operator makes to a role or a connection is seen by the
// very next creds request, though issuing reads both from memory.
func TestCredsSeeEveryRoleAndConnectionChange(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	creds := func() (*logical.Response, error) {
		return e.request(logical.ReadOperation, "creds/ci", nil)
	}
	repositories := func() string {
		t.Helper()
		resp, err := creds()
		if err != nil || resp.IsError() {
			t.Fatalf("creds: %v %v", err, resp)
		}
		if err := e.revoke(resp); err != nil {
			t.Fatal(err)
		}
		return strings.Join(resp.Data["repositories"].([]string), ",")
	}

	e.ok(logical.CreateOperation, "roles/ci", map[string]any{"config": "gh", "owner": "acme", "repositories": "app"})
	if got := repositories(); got != "app" {
		t.Fatalf("first creds: repositories %q, want app", got)
	}

	e.ok(logical.UpdateOperation, "roles/ci", map[string]any{"repositories": "infra"})
	if got := repositories(); got != "infra" {
		t.Errorf("after a role update: repositories %q, want infra", got)
	}

	e.ok(logical.DeleteOperation, "roles/ci", nil)
	if resp, err := creds(); err != nil || !resp.IsError() || !strings.Contains(resp.Error().Error(), "does not exist") {
		t.Errorf("after a role delete: %v %v, want role does not exist", resp, err)
	}

	e.ok(logical.CreateOperation, "roles/ci", map[string]any{"config": "gh", "owner": "acme", "repositories": "docs"})
	if got := repositories(); got != "docs" {
		t.Errorf("role written again: repositories %q, want docs", got)
	}

	e.ok(logical.DeleteOperation, "config/gh", nil)
	if resp, err := creds(); err != nil || !resp.IsError() || !strings.Contains(resp.Error().Error(), `connection "gh" does not exist`) {
		t.Errorf("after a connection delete: %v %v, want connection does not exist", resp, err)
	}
}

// A performance standby learns of replicated writes through Invalidate.
func TestInvalidateDropsCachedEntries(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	ctx := context.Background()
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{"config": "gh", "owner": "acme", "repositories": "app"})
	if _, err := e.b.readRole(ctx, e.storage, "ci"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.b.connection(ctx, e.storage, "gh"); err != nil {
		t.Fatal(err)
	}

	// Another node's writes reach storage without passing this backend.
	if err := e.storage.Delete(ctx, roleStoragePrefix+"ci"); err != nil {
		t.Fatal(err)
	}
	if err := e.storage.Delete(ctx, configStoragePrefix+"gh"); err != nil {
		t.Fatal(err)
	}
	e.b.invalidate(ctx, roleStoragePrefix+"ci")
	e.b.invalidate(ctx, configStoragePrefix+"gh")

	if r, err := e.b.readRole(ctx, e.storage, "ci"); err != nil || r != nil {
		t.Errorf("role after invalidate: %+v %v, want none", r, err)
	}
	if c, err := e.b.connection(ctx, e.storage, "gh"); err != nil || c != nil {
		t.Errorf("connection after invalidate: %+v %v, want none", c, err)
	}
}

// racingStorage runs a hook while a Get is between reading storage and
// returning, where a write can slip in on a busy server.
type racingStorage struct {
	logical.Storage
	duringGet func()
}

func (s *racingStorage) Get(ctx context.Context, key string) (*logical.StorageEntry, error) {
	entry, err := s.Storage.Get(ctx, key)
	if s.duringGet != nil {
		s.duringGet()
	}
	return entry, err
}

// A read that raced a write must not leave the value it read, now old, in
// the cache.
func TestEntryCacheReadRacingAWriteKeepsNothingOld(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := context.Background()
	put := func(ttl time.Duration) {
		t.Helper()
		r := &role{Name: "ci", Config: "gh", TTL: ttl}
		if err := e.b.putRole(ctx, e.storage, r); err != nil {
			t.Fatal(err)
		}
	}
	put(time.Minute)

	racing := &racingStorage{Storage: e.storage}
	racing.duringGet = func() {
		racing.duringGet = nil
		put(2 * time.Minute)
	}
	old, err := e.b.readRole(ctx, racing, "ci")
	if err != nil || old.TTL != time.Minute {
		t.Fatalf("racing read: %+v %v, want the role as it was when read", old, err)
	}
	now, err := e.b.readRole(ctx, e.storage, "ci")
	if err != nil || now.TTL != 2*time.Minute {
		t.Errorf("read after the write: %+v %v, want ttl 2m", now, err)
	}
}

// keyCountingStorage counts the storage reads of each key.
type keyCountingStorage struct {
	logical.Storage
	mu   sync.Mutex
	gets map[string]int
}

func (s *keyCountingStorage) Get(ctx context.Context, key string) (*logical.StorageEntry, error) {
	s.mu.Lock()
	s.gets[key]++
	s.mu.Unlock()
	return s.Storage.Get(ctx, key)
}

// In steady state a creds request and its revocation read neither the role
// nor the connection from storage.
func TestCredsSteadyStateReadsNoRoleOrConnection(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{"config": "gh", "owner": "acme"})
	counting := &keyCountingStorage{Storage: e.storage, gets: map[string]int{}}
	e.storage = counting
	for i := range 3 {
		resp := e.ok(logical.ReadOperation, "creds/ci", nil)
		if err := e.revoke(resp); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			clear(counting.gets) // the first request fills the cache
		}
	}
	for _, key := range []string{roleStoragePrefix + "ci", configStoragePrefix + "gh"} {
		if n := counting.gets[key]; n != 0 {
			t.Errorf("%s read %d times from storage in two steady-state creds and revocations, want 0", key, n)
		}
	}
}
