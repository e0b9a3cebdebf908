package gitsecrets

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
)

// storedUnder is every storage key whose raw value contains secret.
func storedUnder(t testing.TB, s logical.Storage, secret string) []string {
	t.Helper()
	ctx := context.Background()
	keys, err := logical.CollectKeys(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range keys {
		entry, err := s.Get(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		if entry != nil && bytes.Contains(entry.Value, []byte(secret)) {
			out = append(out, k)
		}
	}
	return out
}

// The GitHub installation token lives in the lease's internal data only:
// the inventory entry, in storage that is not seal-wrapped, holds no copy.
func TestInventoryEntryHoldsNoToken(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{"config": "gh", "owner": "acme"})
	resp := e.ok(logical.ReadOperation, "creds/ci", nil)
	token := resp.Data["token"].(string)
	ref := resp.Data["token_ref"].(string)

	if keys := storedUnder(t, e.storage, token); len(keys) != 0 {
		t.Errorf("the token is stored under %v", keys)
	}
	entry, err := e.storage.Get(context.Background(), tokenStoragePrefix+ref)
	if err != nil || entry == nil {
		t.Fatalf("no inventory entry: %v", err)
	}
	assertNoSecret(t, e.ok(logical.ReadOperation, "tokens/"+ref, nil).Data, token)

	if err := e.revoke(resp); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.gh.Lookup(token); ok {
		t.Fatal("token still live after revoke")
	}
}

// An inventory entry written by an earlier release still holds the token
// in its handle. It reads as before without showing it, and the WAL
// rollback of that release's interrupted request revokes through it.
func TestOldReleaseInventoryEntry(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	fs := &faultyStorage{Storage: e.storage}
	e.storage = fs
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{"config": "gh", "owner": "acme"})
	// A request whose commit and immediate revoke both fail leaves its WAL
	// entry and its inventory entry.
	fs.failDelete.Store("wal/")
	e.gh.InjectFault(fakegithub.Fault{Method: "DELETE", Route: "/installation/token", Status: 502})
	if _, err := e.request(logical.ReadOperation, "creds/ci", nil); err == nil {
		t.Fatal("creds succeeded despite the storage failure")
	}
	fs.failDelete.Store("")
	e.gh.ClearFaults()
	live := e.gh.LiveTokens()
	if len(live) != 1 {
		t.Fatalf("%d live tokens, want the interrupted request's", len(live))
	}
	token := live[0].Token

	// Make both entries what the earlier release wrote: the WAL entry
	// without a handle, the inventory entry with the token in its handle.
	ctx := context.Background()
	wals, err := e.storage.List(ctx, "wal/")
	if err != nil || len(wals) != 1 {
		t.Fatalf("WAL entries %v %v, want one", wals, err)
	}
	w := walOf(t, e.storage, wals[0])
	w.Handle = provider.Handle{}
	if err := e.storage.Delete(ctx, "wal/"+wals[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := framework.PutWAL(ctx, e.storage, walKindToken, w); err != nil {
		t.Fatal(err)
	}
	inv, err := getTokenEntry(ctx, e.storage, w.Ref)
	if err != nil || inv == nil {
		t.Fatalf("inventory entry %v %v", inv, err)
	}
	inv.Handle.Secret = token
	if err := writeRaw(ctx, e.storage, tokenStoragePrefix+w.Ref, inv); err != nil {
		t.Fatal(err)
	}

	read := e.ok(logical.ReadOperation, "tokens/"+w.Ref, nil)
	assertNoSecret(t, read.Data, token)
	list := e.ok(logical.ListOperation, "tokens/", nil)
	assertNoSecret(t, list.Data, token)
	if !strings.Contains(strings.Join(list.Data["keys"].([]string), ","), w.Ref) {
		t.Fatalf("list %v lacks the old entry", list.Data["keys"])
	}

	e.rollback()
	if _, ok := e.gh.Lookup(token); ok {
		t.Fatal("rollback left the old release's token live")
	}
	if keys := storedUnder(t, e.storage, token); len(keys) != 0 {
		t.Fatalf("the token is still stored under %v", keys)
	}
}

func walOf(t testing.TB, s logical.Storage, id string) walToken {
	t.Helper()
	entry, err := framework.GetWAL(context.Background(), s, id)
	if err != nil || entry == nil {
		t.Fatalf("WAL entry %s: %v %v", id, entry, err)
	}
	var w walToken
	if err := decodeWAL(entry.Data, &w); err != nil {
		t.Fatal(err)
	}
	return w
}

func writeRaw(ctx context.Context, s logical.Storage, key string, v any) error {
	entry, err := logical.StorageEntryJSON(key, v)
	if err != nil {
		return err
	}
	return s.Put(ctx, entry)
}
