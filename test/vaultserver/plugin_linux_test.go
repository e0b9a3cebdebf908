package vaultserver

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
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
	// Stop returns once Vault has exited; a plugin process it SIGKILLed may
	// take a moment longer on a loaded machine, so the test waits for the
	// processes to go, with a deadline only a process that survived misses.
	deadline := time.Now().Add(time.Minute)
	for _, pid := range pids {
		for processRunning(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("plugin process %d still runs a minute after Stop", pid)
			}
			time.Sleep(pollInterval)
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
