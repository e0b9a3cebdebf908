package vaultserver

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// PluginPIDs returns the ids of the plugin processes the server runs now:
// its children whose executable lies in the plugin directory. Tests kill
// them to simulate a plugin crash. Several servers may share one plugin
// directory; only this server's children are returned.
func (s *Server) PluginPIDs() ([]int, error) {
	s.mu.Lock()
	proc := s.proc
	s.mu.Unlock()
	if proc == nil {
		return nil, errors.New("vaultserver: server is stopped")
	}
	if s.opts.PluginDir == "" {
		return nil, errors.New("vaultserver: server has no plugin directory")
	}
	pluginDir, err := filepath.EvalSymlinks(s.opts.PluginDir)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue // not a process
		}
		// Processes come and go while we scan; one that vanished, or a zombie
		// whose executable is gone, is not running a plugin.
		if ppid, err := parentPID(pid); err != nil || ppid != proc.pid() {
			continue
		}
		exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		if err != nil {
			continue
		}
		exe = strings.TrimSuffix(exe, " (deleted)")
		if strings.HasPrefix(exe, pluginDir+string(filepath.Separator)) {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// parentPID reads the parent of pid from /proc/<pid>/stat, whose second field
// (the command name, in parentheses) may itself hold spaces and parentheses.
func parentPID(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	stat := string(b)
	end := strings.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	fields := strings.Fields(stat[end+1:]) // state, ppid, ...
	if len(fields) < 2 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	return strconv.Atoi(fields[1])
}
