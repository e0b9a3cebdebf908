package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/vaultserver"
)

// upgradeVersion is the version the upgrade moves the mount to.
const upgradeVersion = "v0.2.0"

// TestUpgradeKeepsLeasesRevocable upgrades a mount the way an operator
// does: register the new version, `vault secrets tune -plugin-version`,
// `vault plugin reload`. Leases the old version issued survive the reload
// and the new version revokes them.
func TestUpgradeKeepsLeasesRevocable(t *testing.T) {
	t.Parallel()
	// A plugin directory of its own: the new binary must not show up in
	// other servers' directories.
	v, pluginDir := startVaultWithPluginDir(t, vaultserver.StorageInmem)
	e := v.mountEngine(t, "git")
	e.writeRole(t, "gh", role("gh")...)
	e.writeRole(t, "gl-project", role("gl-project")...)
	old := []*creds{e.readCreds(t, "gh"), e.readCreds(t, "gl-project")}
	if got := runningVersion(t, v, e.path); got != v.version {
		t.Fatalf("mount runs %q before the upgrade, want %q", got, v.version)
	}

	newPlugin := filepath.Join(pluginDir, vaultserver.PluginName+"-"+upgradeVersion)
	vaultserver.BuildPlugin(t, newPlugin, upgradeVersion)
	if err := v.srv.RegisterPlugin(vaultserver.PluginName, newPlugin, upgradeVersion); err != nil {
		t.Fatal(err)
	}
	v.vault(t, "secrets", "tune", "-plugin-version="+upgradeVersion, e.path+"/")
	v.vault(t, "plugin", "reload", "-plugin="+vaultserver.PluginName)
	v.eventually(t, time.Minute, "the mount runs "+upgradeVersion, func() error {
		if got := runningVersion(t, v, e.path); got != upgradeVersion {
			return fmt.Errorf("running_plugin_version is %q", got)
		}
		return nil
	})
	v.eventually(t, time.Minute, "only the new binary serves the plugin", func() error {
		return onlyPluginBinary(v, newPlugin)
	})
	e.requireLive(t, old...)

	fresh := []*creds{e.readCreds(t, "gh"), e.readCreds(t, "gl-project")}
	e.requireLive(t, fresh...)
	for _, c := range old {
		v.vault(t, "lease", "revoke", c.LeaseID)
	}
	e.waitRevoked(t, "revoking leases of the old version after the upgrade", old...)
	e.requireLive(t, fresh...)
	e.revokeAll(t, fresh...)
}

// runningVersion is the plugin version `vault secrets list -detailed` says
// the mount at path runs.
func runningVersion(t *testing.T, v *vaultEnv, path string) string {
	t.Helper()
	var mounts map[string]struct {
		RunningVersion string `json:"running_plugin_version"`
	}
	if err := json.Unmarshal([]byte(v.vault(t, "secrets", "list", "-detailed", "-format=json")), &mounts); err != nil {
		t.Fatalf("vault secrets list: %v", err)
	}
	m, ok := mounts[path+"/"]
	if !ok {
		t.Fatalf("vault secrets list shows no %s/", path)
	}
	return m.RunningVersion
}

// onlyPluginBinary says whether every plugin process of v's server runs the
// binary at path, and that there is at least one.
func onlyPluginBinary(v *vaultEnv, path string) error {
	pids, err := v.srv.PluginPIDs()
	if err != nil {
		return err
	}
	if len(pids) == 0 {
		return fmt.Errorf("no plugin process runs")
	}
	for _, pid := range pids {
		exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		if err != nil {
			return err
		}
		if exe = strings.TrimSuffix(exe, " (deleted)"); exe != path {
			return fmt.Errorf("plugin process %d runs %s", pid, exe)
		}
	}
	return nil
}
