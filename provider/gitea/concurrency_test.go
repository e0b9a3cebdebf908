package gitea

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitea"
)

// TestConcurrentIssueAndRevoke: one client serves parallel requests (each
// call gets its own SDK client; the version cache is shared), and every
// token issued is revoked.
func TestConcurrentIssueAndRevoke(t *testing.T) {
	f := newFixture(t, fakegitea.Options{Flavour: fakegitea.Forgejo}, false)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := provider.IssueRequest{TokenType: TokenTypeAccess, Name: fmt.Sprintf("vault-par-%d", i),
				Scope: provider.Encode(Scope{Scopes: []string{"read:repository"}})}
			if i%2 == 0 {
				req.Scope = provider.Encode(Scope{Scopes: []string{"read:repository"}, Repositories: []string{"acme/app"}})
			}
			tok, err := f.client.Issue(context.Background(), req)
			if err == nil {
				err = f.client.Revoke(context.Background(), tok.Handle)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
