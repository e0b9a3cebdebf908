package gitsecrets

import (
	"sync"
	"testing"

	"github.com/hashicorp/vault/sdk/logical"
)

// TestConcurrentCredsWithConfigRewrite issues tokens from many goroutines
// while the connection is rewritten: every request gets its own live token
// and lease, and every lease revokes.
func TestConcurrentCredsWithConfigRewrite(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{"config": "gh", "owner": "acme", "permissions": "contents=read"})
	const n = 200
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		resps []*logical.Response
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if i == n/2 {
				// The same App, written again mid-stream (a key rewrite
				// in PKCS#8 form): no request may see half a connection.
				resp, err := e.request(logical.UpdateOperation, "config/gh", map[string]any{"private_key": pemPKCS8(t, appKey(t))})
				if err != nil || (resp != nil && resp.IsError()) {
					t.Errorf("config rewrite: %v %v", err, resp)
				}
			}
			resp, err := e.request(logical.ReadOperation, "creds/ci", nil)
			if err != nil || resp.IsError() {
				t.Errorf("creds %d: %v %v", i, err, resp)
				return
			}
			mu.Lock()
			resps = append(resps, resp)
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, r := range resps {
		tok := r.Data["token"].(string)
		if seen[tok] {
			t.Fatal("two leases share one token")
		}
		seen[tok] = true
	}
	if live := len(e.gh.LiveTokens()); live != len(resps) || live != n {
		t.Fatalf("%d live tokens for %d leases (%d requests)", live, len(resps), n)
	}
	for _, r := range resps {
		if err := e.revoke(r); err != nil {
			t.Fatal(err)
		}
	}
}
