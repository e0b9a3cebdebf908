package e2e

import (
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/vaultserver"
)

// TestScenariosOnOneServer runs the scenarios that leave the server as they
// found it on one dev-mode server, each on a mount and fakes of its own and
// in parallel: a server and a plugin registration per scenario would cost
// more than the scenarios. Scenarios that kill the plugin, restart or
// upgrade Vault have servers of their own.
func TestScenariosOnOneServer(t *testing.T) {
	t.Parallel()
	runScenarios(t, startVault(t, vaultserver.StorageInmem), []scenario{
		{"creds for each token type", "git-creds", testCredsEachTokenType},
		{"creds refuses fields it does not take", "git-fields", testCredsRefusesOtherFields},
		{"lease revoke", "git-revoke", testLeaseRevoke},
		{"lease revoke after the holder self-rotates", "git-selfrotate", testSelfRotatedLeaseRevoke},
		{"role writes warn of what a holder can create", "git-holder", testHolderWarnings},
		{"lease expiry", "git-expiry", testLeaseExpiry},
		{"lease expiry while GitHub rate-limits revocations", "git-ratelimit", testRateLimitedExpiry},
		{"parent token revoke", "git-parent", testParentTokenRevoke},
		{"api client read and write", "git-api", testAPIClientReadAndWrite},
		{"secrets disable", "git-disable", testSecretsDisable},
		{"vault agent template", "git-agent", testAgentTemplate},
		{"self-managed base_url gives no public registry", "git-registry", testSelfManagedRegistry},
		{"CI jobs through JWT auth get their own project", "git-ci", testCIJobsGetTheirOwnProject},
		{"GitHub Enterprise Server behind a private CA", "git-ghes", testGHESPrivateCA},
		{"GitHub repository patterns and ids", "git-repos", testGitHubRepositoryPatternsAndIDs},
	})
}

// scenario runs on a mount of its own, with fakes of its own.
type scenario struct {
	name  string
	mount string
	run   func(*testing.T, *engine)
}

// runScenarios runs scenarios in parallel on one server, each on its mount.
func runScenarios(t *testing.T, v *vaultEnv, scenarios []scenario) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			sc.run(t, v.mountEngine(t, sc.mount))
		})
	}
}
