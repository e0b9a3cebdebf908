package e2e

import (
	"errors"
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/vaultserver"
)

// pluginRestartTimeout bounds how long Vault may take to notice a dead
// plugin and start it again.
const pluginRestartTimeout = time.Minute

// TestPluginKilledMidFlight kills the plugin process while leases are
// outstanding, twice: after the first kill a read is the first request to
// reach the engine, after the second a revocation is. Vault starts the plugin
// again each time, and reads and revocations keep working. The test has a
// server of its own, since every mount of the plugin shares its process.
func TestPluginKilledMidFlight(t *testing.T) {
	t.Parallel()
	v := startVault(t, vaultserver.StorageInmem)
	e := v.mountEngine(t, "git")
	e.writeRole(t, "gh", role("gh")...)
	e.writeRole(t, "gl-project", role("gl-project")...)
	before := []*creds{e.readCreds(t, "gh"), e.readCreds(t, "gl-project")}

	firstPIDs := killPlugin(t, v)
	var after []*creds
	for _, r := range []string{"gh", "gl-project"} {
		attempts := 0
		v.eventually(t, pluginRestartTimeout, "creds/"+r+" after the plugin was killed", func() error {
			attempts++
			c, err := e.tryReadCreds("", r)
			if err == nil {
				after = append(after, c)
			}
			return err
		})
		t.Logf("creds/%s answered at attempt %d after the kill", r, attempts)
	}
	e.requireLive(t, append(before, after...)...)

	secondPIDs := killPlugin(t, v)
	if overlap := slices.ContainsFunc(secondPIDs, func(pid int) bool { return slices.Contains(firstPIDs, pid) }); overlap {
		t.Fatalf("plugin processes %v survived their kill (first kill: %v)", secondPIDs, firstPIDs)
	}
	for _, c := range before {
		v.vault(t, "lease", "revoke", c.LeaseID)
	}
	e.waitRevoked(t, "vault lease revoke after the plugin was killed", before...)
	e.requireLive(t, after...)
	e.waitInventory(t, "after revoking the leases from before the first kill", after...)
	e.revokeAll(t, after...)
}

// killPlugin SIGKILLs the plugin processes of v's server, waits until they
// are gone and returns their ids. Vault started these processes for the
// test's own server; nothing else is signalled.
func killPlugin(t *testing.T, v *vaultEnv) []int {
	t.Helper()
	pids, err := v.srv.PluginPIDs()
	if err != nil {
		t.Fatal(err)
	}
	if len(pids) == 0 {
		t.Fatalf("no plugin process to kill\n%s", v.logTail())
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			t.Fatalf("kill plugin process %d: %v", pid, err)
		}
	}
	v.eventually(t, pluginRestartTimeout, "killed plugin processes exit", func() error {
		now, err := v.srv.PluginPIDs()
		if err != nil {
			return err
		}
		for _, pid := range pids {
			if slices.Contains(now, pid) {
				return fmt.Errorf("plugin process %d still runs", pid)
			}
		}
		return nil
	})
	return pids
}
