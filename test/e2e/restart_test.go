package e2e

import (
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/vaultserver"
)

// restartShortTTL is the TTL of the leases that expire while Vault is down.
// It leaves Vault time to stop before they expire even on a loaded machine.
const restartShortTTL = 15 * time.Second

// TestRestartWithLeasesOutstanding stops Vault on persistent storage with
// short and long leases outstanding and keeps it down until the short ones
// have expired. After the restart Vault revokes the expired tokens at the
// providers on its own, the long ones are still live and revoke on request,
// and tokens/ ends empty.
func TestRestartWithLeasesOutstanding(t *testing.T) {
	t.Parallel()
	for _, storage := range []vaultserver.Storage{vaultserver.StorageFile, vaultserver.StorageRaft} {
		t.Run(string(storage), func(t *testing.T) {
			t.Parallel()
			v := startVault(t, storage)
			e := v.mountEngine(t, "git")
			short := "ttl=" + restartShortTTL.String()
			e.writeRole(t, "gh-short", role("gh", short)...)
			e.writeRole(t, "gl-short", role("gl-project", short)...)
			e.writeRole(t, "gh-long", role("gh", "ttl=30m")...)
			e.writeRole(t, "gl-long", role("gl-deploy", "ttl=30m")...)
			long := []*creds{e.readCreds(t, "gh-long"), e.readCreds(t, "gl-long")}
			e.requireLive(t, long...)
			// The short leases come last, through the API client rather
			// than the CLI, and Vault stops right after: what happens
			// between their reads and the stop must fit in their TTL,
			// also on a loaded machine.
			var expiring []*creds
			for _, r := range []string{"gh-short", "gl-short"} {
				s, err := v.api().Logical().Read(e.path + "/creds/" + r)
				if err != nil || s == nil {
					t.Fatalf("read %s/creds/%s: %v (nil: %t)\n%s", e.path, r, err, s == nil, v.logTail())
				}
				expiring = append(expiring, credsFromSecret(s))
			}
			// The short leases end no later than this.
			shortEnd := time.Now().Add(restartShortTTL)
			e.waitInventory(t, "before the restart", append(long, expiring...)...)

			v.srv.Stop()
			// Vault is down: nothing can be polled, and only the clock can
			// make the short leases expire before it is back.
			time.Sleep(time.Until(shortEnd) + time.Second)
			e.requireLive(t, append(long, expiring...)...)
			if err := v.srv.Restart(); err != nil {
				t.Fatal(err)
			}

			e.waitRevoked(t, "leases that expired while Vault was down", expiring...)
			e.requireLive(t, long...)
			e.waitInventory(t, "after the restart", long...)
			e.revokeAll(t, long...)
			e.waitInventory(t, "at the end")
		})
	}
}
