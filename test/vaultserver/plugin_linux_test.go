package vaultserver

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestPluginRunsAtItsVersionAndStopsWithServer registers the engine by
// SHA-256 and version, mounts it, finds its process, and checks that Stop
// leaves no plugin process behind.
func TestPluginRunsAtItsVersionAndStopsWithServer(t *testing.T) {
	t.Parallel()
	bins := FindBinaries(t)
	srv := Start(t, bins.Options(StorageInmem))

	if err := srv.RegisterPlugin(PluginName, bins.Plugin, bins.Version); err != nil {
		t.Fatal(err)
	}
	if err := srv.Enable("git", PluginName, bins.Version); err != nil {
		t.Fatal(err)
	}
	mount, err := srv.Client().Sys().GetMount("git")
	if err != nil {
		t.Fatal(err)
	}
	if mount.RunningVersion != bins.Version {
		t.Errorf("running_plugin_version = %q, want %q", mount.RunningVersion, bins.Version)
	}

	pids, err := srv.PluginPIDs()
	if err != nil {
		t.Fatal(err)
	}
	if len(pids) == 0 {
		t.Fatal("no plugin process found after mounting the engine")
	}

	srv.Stop()
	for _, pid := range pids {
		if processRunning(pid) {
			t.Errorf("plugin process %d still runs after Stop", pid)
		}
	}
}

// processRunning reports whether pid exists and is not a zombie waiting for
// a parent (possibly a container's init that never reaps) to collect it.
func processRunning(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	stat := string(b)
	fields := strings.Fields(stat[strings.LastIndexByte(stat, ')')+1:])
	return len(fields) > 0 && fields[0] != "Z"
}
