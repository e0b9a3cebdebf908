package gitsecrets

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider/github"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
)

// checkingKind is GitHub whose clients check roles at the provider
// (provider.RoleChecker), refusing a role that names repository "refused".
type checkingKind struct{ github.Kind }

func (k checkingKind) NewClient(c *provider.Connection, opts provider.Options) (provider.Client, error) {
	client, err := k.Kind.NewClient(c, opts)
	return checkingClient{client}, err
}

type checkingClient struct{ provider.Client }

func (checkingClient) CheckRole(_ context.Context, _ string, doc provider.Scope) error {
	var s github.Scope
	if err := doc.Decode(&s); err != nil {
		return err
	}
	if slices.Contains(s.Repositories, "refused") {
		return &provider.Error{Kind: provider.ErrInvalidRequest, Message: "the provider cannot issue tokens for repository refused"}
	}
	return nil
}

// TestRoleWriteAsksTheProvider: a role write asks a provider whose client
// checks roles, after the local checks; its refusal is a 400 with its
// message, and the role is not stored.
func TestRoleWriteAsksTheProvider(t *testing.T) {
	t.Parallel()
	e := newTestEnvWith(t, []provider.Kind{checkingKind{}})
	gh := fakegithub.Start(t, fakegithub.Options{})
	key := appKey(t)
	gh.AddApp(fakegithub.App{ID: testAppID, ClientID: "Iv1.testclient", Slug: "vault-git", Name: "Vault Git"}, &key.PublicKey)
	gh.AddInstallation(fakegithub.Installation{AppID: testAppID, Account: "acme", AccountType: "Organization",
		AllRepos: []string{"app", "refused"}, Permissions: map[string]string{"contents": "read", "metadata": "read"}})
	e.ok(logical.CreateOperation, "config/gh", map[string]any{"provider": "github", "app_id": testAppID, "private_key": pemPKCS1(key), "base_url": gh.URL()})

	msg := e.bad(logical.CreateOperation, "roles/r", map[string]any{"config": "gh", "owner": "acme", "repositories": "refused"})
	if !strings.Contains(msg, "cannot issue tokens for repository refused") {
		t.Fatalf("refusal %q is not the provider's", msg)
	}
	if r, err := getRole(context.Background(), e.storage, "r"); err != nil || r != nil {
		t.Fatalf("the refused role was stored (%v)", err)
	}
	// A local refusal comes first: the provider is not asked.
	if msg := e.bad(logical.CreateOperation, "roles/r", map[string]any{"config": "gh", "owner": "acme", "repositories": "refused", "ttl": "-1s"}); !strings.Contains(msg, "negative") {
		t.Fatalf("refusal %q is not the local one", msg)
	}
	e.ok(logical.CreateOperation, "roles/r", map[string]any{"config": "gh", "owner": "acme", "repositories": "app"})
}
