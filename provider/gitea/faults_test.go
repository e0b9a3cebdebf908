package gitea

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitea"
)

const createRoute = "/users/{username}/tokens"

// TestRevokeRetries5xx: a DELETE is safe to repeat (a second one of a gone
// token is a 404, success), so 5xx answers are retried.
func TestRevokeRetries5xx(t *testing.T) {
	f := newFixture(t, fakegitea.Options{}, false)
	tok := f.issue(t, "vault-ci-f1", []string{"read:repository"})
	f.srv.InjectFault(fakegitea.Fault{Method: "DELETE", Route: createRoute + "/{token}", Status: 503, Times: 2})
	f.revoke(t, tok)
	if n := f.srv.Calls("DELETE", createRoute+"/{token}"); n != 3 {
		t.Fatalf("%d DELETE calls, want 3", n)
	}
}

// TestRevokeFailureIsAnError: 401 (the password no longer works) and a
// lasting 5xx are errors, so Vault retries the revocation later.
func TestRevokeFailureIsAnError(t *testing.T) {
	f := newFixture(t, fakegitea.Options{}, false)
	tok := f.issue(t, "vault-ci-f2", []string{"read:repository"})
	f.srv.InjectFault(fakegitea.Fault{Method: "DELETE", Status: 503})
	if err := f.client.Revoke(context.Background(), tok.Handle); err == nil {
		t.Fatal("Revoke succeeded through 503s")
	}
	f.srv.ClearFaults()
	if err := f.clientWith(t, "wrong").Revoke(context.Background(), tok.Handle); !errors.Is(err, provider.ErrUnauthorized) {
		t.Fatalf("Revoke with a bad password = %v, want unauthorized", err)
	}
	f.revoke(t, tok)
}

// TestCreateNotRetriedAfter5xx: a 5xx on the POST is ambiguous; it is not
// repeated, so no second token can appear.
func TestCreateNotRetriedAfter5xx(t *testing.T) {
	f := newFixture(t, fakegitea.Options{}, false)
	f.srv.InjectFault(fakegitea.Fault{Method: "POST", Route: createRoute, Status: 502, Times: 1})
	if _, err := f.client.Issue(context.Background(), provider.IssueRequest{
		TokenType: TokenTypeAccess, Name: "vault-ci-f3", Scope: provider.Encode(Scope{Scopes: []string{"read:repository"}}),
	}); err == nil {
		t.Fatal("Issue succeeded through a 502")
	}
	if n := f.srv.Calls("POST", createRoute); n != 1 {
		t.Fatalf("%d POST calls, want 1", n)
	}
}

// TestCreateRetriedAfter429: a rate-limit answer means nothing was made;
// the POST waits as Retry-After says and goes again.
func TestCreateRetriedAfter429(t *testing.T) {
	f := newFixture(t, fakegitea.Options{}, false)
	f.srv.InjectFault(fakegitea.Fault{Method: "POST", Route: createRoute, Status: 429, RetryAfter: "2", Times: 1})
	tok := f.issue(t, "vault-ci-f4", []string{"read:repository"})
	defer f.revoke(t, tok)
	if f.sleeps.count() != 1 || f.sleeps.waits[0].Seconds() != 2 {
		t.Fatalf("waits = %v, want [2s]", f.sleeps.waits)
	}
}

// TestLostCreationReclaimedByName: the server made the token but the
// answer was lost; the write-ahead log's rollback finds it by its name and
// deletes it.
func TestLostCreationReclaimedByName(t *testing.T) {
	for _, flavour := range []fakegitea.Flavour{fakegitea.Gitea, fakegitea.Forgejo} {
		f := newFixture(t, fakegitea.Options{Flavour: flavour}, false)
		keep := f.issue(t, "vault-ci-other", []string{"read:repository"})
		f.srv.InjectFault(fakegitea.Fault{Method: "POST", Route: createRoute, DropAfterCommit: true, Times: 1})
		req := provider.IssueRequest{TokenType: TokenTypeAccess, Name: "vault-ci-f5", Description: "role ci",
			Scope: provider.Encode(Scope{Scopes: []string{"read:repository"}})}
		if flavour == fakegitea.Forgejo {
			req.Scope = provider.Encode(Scope{Scopes: []string{"read:repository"}, Repositories: []string{"acme/app"}})
		}
		if _, err := f.client.Issue(context.Background(), req); err == nil {
			t.Fatal("Issue succeeded through a dropped answer")
		}
		if n := f.srv.LiveTokens(bot); n != 2 {
			t.Fatalf("%d live tokens, want 2 (the lost one made)", n)
		}
		n, err := f.client.Reclaim(context.Background(), TokenTypeAccess, req.Scope, "vault-ci-f5")
		if err != nil || n != 1 {
			t.Fatalf("Reclaim = %d, %v; want 1", n, err)
		}
		if n := f.srv.LiveTokens(bot); n != 1 {
			t.Fatalf("%d live tokens after reclaim, want 1", n)
		}
		f.revoke(t, keep)
	}
}

// TestReclaimPages: the rollback lists every page of the account's tokens.
func TestReclaimPages(t *testing.T) {
	f := newFixture(t, fakegitea.Options{}, false)
	for i := range 60 {
		f.srv.SeedToken(bot, fmt.Sprintf("seeded-%02d", i), "read:repository")
	}
	tok := f.issue(t, "vault-ci-last", []string{"read:repository"})
	n, err := f.client.Reclaim(context.Background(), TokenTypeAccess, provider.Scope{}, "vault-ci-last")
	if err != nil || n != 1 {
		t.Fatalf("Reclaim = %d, %v; want 1", n, err)
	}
	if got := f.status(t, "GET", "/api/v1/repos/acme/app", tok.Token); got != 401 {
		t.Fatalf("reclaimed token = %d, want 401", got)
	}
}

// TestErrorsHoldNoPassword: a refused sign-in's error does not carry the
// password it tried (scrub also covers a server that echoes it).
func TestErrorsHoldNoPassword(t *testing.T) {
	f := newFixture(t, fakegitea.Options{}, false)
	c := f.clientWith(t, "hunter2-Secret")
	_, err := c.Verify(context.Background())
	if err == nil || strings.Contains(err.Error(), "hunter2-Secret") {
		t.Fatalf("Verify = %v", err)
	}
}
