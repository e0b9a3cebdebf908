package gitsecrets

import (
	"testing"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
)

// The GitHub client remembers an owner's installation id for an hour.
// When an organization is renamed and another account takes its old login
// (and installs the App), a job of the new account, filling
// owner={{...repository_owner}}, must get a token from its own
// installation, not the renamed organization's.
func TestScopeTemplateGitHubRenamedOwnerReachesTheNewAccount(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{
		"config": "gh", "scope_template": true, "repositories": repositoryTpl,
		"owner": "{{identity.entity.aliases." + testJWTAccessor + ".metadata.repository_owner}}",
	})
	e.ciJob(map[string]string{"repository": "acme/app", "repository_owner": "acme"})
	first := e.ok(logical.ReadOperation, "creds/ci", nil) // caches acme's installation
	if err := e.revoke(first); err != nil {
		t.Fatal(err)
	}
	e.gh.RenameAccount("acme", "acme-private")
	newcomer := e.gh.AddInstallation(fakegithub.Installation{
		AppID: testAppID, Account: "acme", AccountType: "Organization",
		AllRepos: []string{"app"}, Permissions: map[string]string{"contents": "read", "metadata": "read"},
	})

	resp := e.ok(logical.ReadOperation, "creds/ci", nil)
	defer e.revoke(resp)
	if got := resp.Data["installation_id"]; got != newcomer {
		t.Fatalf("a job of the new acme got a token from installation %v (the renamed organization's was %v), want %d",
			got, first.Data["installation_id"], newcomer)
	}
}
