package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/vaultserver"
)

// peakRSS is the largest VmHWM (peak resident set size) among pids, in
// bytes.
func peakRSS(pids []int) (uint64, error) {
	var peak uint64
	for _, pid := range pids {
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			return 0, err
		}
		hwm, err := statusField(status, "VmHWM")
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/status: %w", pid, err)
		}
		peak = max(peak, hwm)
	}
	return peak, nil
}

// statusField reads a "Name:   1234 kB" line of /proc/<pid>/status, in
// bytes.
func statusField(status []byte, name string) (uint64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || key != name {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("unexpected %s line %q", name, sc.Text())
		}
		kb, err := strconv.ParseUint(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("unexpected %s line %q", name, sc.Text())
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("no %s line", name)
}

// resetPeakRSS sets each process's VmHWM back to its current RSS (see
// clear_refs in proc(5)), so a later reading covers only what came after.
func resetPeakRSS(pids []int) error {
	for _, pid := range pids {
		if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
			return err
		}
	}
	return nil
}

// machine describes where the figures came from.
type machine struct {
	cpus     int
	cpuModel string
	goVer    string
	vaultVer string
	load     string // /proc/loadavg's 1, 5 and 15 minute averages
}

func cpuModel() string {
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	sc := bufio.NewScanner(bytes.NewReader(info))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return "unknown"
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// enginePIDs are the processes of srv's plugins that run the engine, not
// the floor plugin.
func enginePIDs(srv *vaultserver.Server) ([]int, error) {
	all, err := srv.PluginPIDs()
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, pid := range all {
		exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		if err == nil && filepath.Base(strings.TrimSuffix(exe, " (deleted)")) == vaultserver.PluginName {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}
