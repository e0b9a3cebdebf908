package main

import (
	"context"
	"testing"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/logical"
)

// Both paths answer with a lease; lease-wal leaves exactly one entry, which
// revocation removes, and no WAL entry.
func TestFloorPaths(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conf := logical.TestBackendConfig()
	storage := &logical.InmemStorage{}
	conf.StorageView = storage
	b, err := factory(ctx, conf)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"lease", "lease-wal"} {
		resp, err := b.HandleRequest(ctx, &logical.Request{Operation: logical.ReadOperation, Path: path, Storage: storage})
		if err != nil || resp == nil || resp.Secret == nil || resp.Secret.TTL != leaseTTL {
			t.Fatalf("%s: %v %+v, want a lease of %s", path, err, resp, leaseTTL)
		}
		entries, _ := storage.List(ctx, entryPrefix)
		wals, _ := framework.ListWAL(ctx, storage)
		wantEntries := 0
		if path == "lease-wal" {
			wantEntries = 1
		}
		if len(entries) != wantEntries || len(wals) != 0 {
			t.Errorf("%s: %d entries and %d WAL entries after the read, want %d and 0", path, len(entries), len(wals), wantEntries)
		}
		_, err = b.HandleRequest(ctx, &logical.Request{
			Operation: logical.RevokeOperation, Storage: storage,
			Secret: &logical.Secret{InternalData: resp.Secret.InternalData},
		})
		if err != nil {
			t.Fatalf("%s: revoke: %v", path, err)
		}
		if entries, _ := storage.List(ctx, entryPrefix); len(entries) != 0 {
			t.Errorf("%s: %d entries after revocation, want 0", path, len(entries))
		}
	}
}
