package gitea

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitea"
)

// TestIssueReadsRepositoryUntilRevoked: a read:repository token reads the
// bot's repositories, not another user's private one, and is a 401 once
// revoked; a second revocation of the gone token succeeds (404).
func TestIssueReadsRepositoryUntilRevoked(t *testing.T) {
	f := newFixture(t, fakegitea.Options{}, false)
	tok := f.issue(t, "vault-ci-1", []string{"read:repository"})
	if tok.Username != bot || tok.Handle.ID <= 0 || tok.Handle.Parent != "users/"+bot || tok.Registry {
		t.Fatalf("token = %+v", tok)
	}
	if got := f.status(t, "GET", "/api/v1/repos/acme/app", tok.Token); got != 200 {
		t.Fatalf("read acme/app = %d, want 200", got)
	}
	if got := f.status(t, "GET", "/api/v1/repos/alice/secret", tok.Token); got != 404 {
		t.Fatalf("read alice/secret = %d, want 404", got)
	}
	f.revoke(t, tok)
	if got := f.status(t, "GET", "/api/v1/repos/acme/app", tok.Token); got != 401 {
		t.Fatalf("read after revoke = %d, want 401", got)
	}
	f.revoke(t, tok) // already gone: success
}

// TestIssueScopesEnforced: a read:repository token cannot write, read the
// user, or manage tokens (basic auth only), and the token's name carries
// the description.
func TestIssueScopesEnforced(t *testing.T) {
	f := newFixture(t, fakegitea.Options{}, false)
	tok := f.issue(t, "vault-ci-2", []string{"read:repository"})
	defer f.revoke(t, tok)
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{"PATCH", "/api/v1/repos/acme/app", 403},
		{"GET", "/api/v1/user", 403},
		{"GET", "/api/v1/users/" + bot + "/tokens", 401},
		{"POST", "/api/v1/users/" + bot + "/tokens", 401},
	} {
		if got := f.status(t, c.method, c.path, tok.Token); got != c.want {
			t.Errorf("%s %s = %d, want %d", c.method, c.path, got, c.want)
		}
	}
	w := f.issue(t, "vault-ci-3", []string{"write:repository", "read:repository"})
	defer f.revoke(t, w)
	if got := decoded(t, w.Scope).Scopes; !slices.Equal(got, []string{"write:repository"}) {
		t.Errorf("scopes = %v, want [write:repository]", got)
	}
	if got := f.status(t, "PATCH", "/api/v1/repos/acme/app", w.Token); got != 200 {
		t.Errorf("write with write:repository = %d, want 200", got)
	}
}

// TestIssueRegistry: read:package makes a token that logs in to the
// server's registry, on the server's host; without it the login fails.
func TestIssueRegistry(t *testing.T) {
	f := newFixture(t, fakegitea.Options{}, false)
	tok := f.issue(t, "vault-ci-4", []string{"read:package", "read:repository"})
	defer f.revoke(t, tok)
	u, _ := url.Parse(f.srv.URL())
	if !tok.Registry || tok.RegistryHost != u.Host {
		t.Fatalf("Registry %v host %q, want true %q", tok.Registry, tok.RegistryHost, u.Host)
	}
	if got := f.registryLogin(t, bot, tok.Token); got != 200 {
		t.Fatalf("registry login = %d, want 200", got)
	}
	plain := f.issue(t, "vault-ci-5", []string{"read:repository"})
	defer f.revoke(t, plain)
	if got := f.registryLogin(t, bot, plain.Token); got != 401 {
		t.Fatalf("registry login without read:package = %d, want 401", got)
	}
}

// TestForgejoRestrictsToRepositories: on Forgejo v15 a role with
// repositories gets a token that reads only those.
func TestForgejoRestrictsToRepositories(t *testing.T) {
	f := newFixture(t, fakegitea.Options{Flavour: fakegitea.Forgejo}, false)
	role := provider.Encode(Scope{Scopes: []string{"read:repository"}, Repositories: []string{"acme/app"}})
	if err := f.client.CheckRole(context.Background(), TokenTypeAccess, role); err != nil {
		t.Fatalf("CheckRole = %v, want the role accepted", err)
	}
	tok := f.issue(t, "vault-ci-6", []string{"read:repository"}, "ACME/app")
	defer f.revoke(t, tok)
	if got := decoded(t, tok.Scope).Repositories; !slices.Equal(got, []string{"acme/app"}) {
		t.Fatalf("repositories = %v", got)
	}
	if got := f.status(t, "GET", "/api/v1/repos/acme/app", tok.Token); got != 200 {
		t.Errorf("read acme/app = %d, want 200", got)
	}
	if got := f.status(t, "GET", "/api/v1/repos/acme/other", tok.Token); got != 404 {
		t.Errorf("read acme/other = %d, want 404", got)
	}
}

// TestGiteaRefusesRestriction: plain Gitea cannot restrict a token, so a
// request with repositories is refused before any token is made, and
// CheckRole (for role writes) says why.
func TestGiteaRefusesRestriction(t *testing.T) {
	for _, opts := range []fakegitea.Options{
		{Flavour: fakegitea.Gitea},
		{Flavour: fakegitea.Forgejo, Version: "14.0.2+gitea-1.22.0"},
	} {
		f := newFixture(t, opts, false)
		_, err := f.client.Issue(context.Background(), provider.IssueRequest{
			TokenType: TokenTypeAccess, Name: "vault-ci-7",
			Scope: provider.Encode(Scope{Scopes: []string{"read:repository"}, Repositories: []string{"acme/app"}}),
		})
		if !errors.Is(err, provider.ErrInvalidRequest) || !strings.Contains(err.Error(), "cannot be restricted") {
			t.Fatalf("%s: Issue error = %v, want a refusal", opts.Version, err)
		}
		if n := f.srv.Calls("POST", "/users/{username}/tokens"); n != 0 {
			t.Fatalf("%s: %d creations, want none", opts.Version, n)
		}
		restricted := provider.Encode(Scope{Scopes: []string{"read:repository"}, Repositories: []string{"acme/app"}})
		if err := f.client.CheckRole(context.Background(), TokenTypeAccess, restricted); !errors.Is(err, provider.ErrInvalidRequest) {
			t.Fatalf("%s: CheckRole = %v, want a refusal", opts.Version, err)
		}
		if err := f.client.CheckRole(context.Background(), TokenTypeAccess, provider.Encode(Scope{Scopes: []string{"read:repository"}})); err != nil {
			t.Fatalf("%s: CheckRole without repositories = %v", opts.Version, err)
		}
	}
}

// TestIgnoredRestrictionDeleted: a server that claims Forgejo v15 but
// ignores the restriction (a Gitea answering a Forgejo version, or a
// downgrade inside the cache's life) made an unrestricted token; it is
// deleted, not handed out.
func TestIgnoredRestrictionDeleted(t *testing.T) {
	f := newFixture(t, fakegitea.Options{Flavour: fakegitea.Gitea, Version: "15.0.1+gitea-1.22.0"}, false)
	_, err := f.client.Issue(context.Background(), provider.IssueRequest{
		TokenType: TokenTypeAccess, Name: "vault-ci-8",
		Scope: provider.Encode(Scope{Scopes: []string{"read:repository"}, Repositories: []string{"acme/app"}}),
	})
	if err == nil || !strings.Contains(err.Error(), "ignored the repository restriction") || !strings.Contains(err.Error(), "was deleted") {
		t.Fatalf("Issue error = %v", err)
	}
	if n := f.srv.LiveTokens(bot); n != 0 {
		t.Fatalf("%d live tokens, want 0", n)
	}
}
