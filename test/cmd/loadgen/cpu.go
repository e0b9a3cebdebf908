package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is the unit of utime and stime in /proc/<pid>/stat (USER_HZ,
// 100 on every Linux architecture Go supports).
const clockTick = 10 * time.Millisecond

// cpuUse is CPU time (user and system) spent by each process of a run, and
// by the whole machine.
type cpuUse struct {
	vault, plugin, loadgen time.Duration
	machine                time.Duration
}

func (a cpuUse) sub(b cpuUse) cpuUse {
	return cpuUse{
		vault: a.vault - b.vault, plugin: a.plugin - b.plugin, loadgen: a.loadgen - b.loadgen,
		machine: a.machine - b.machine,
	}
}

// others is what every other process on the machine spent.
func (a cpuUse) others() time.Duration {
	return max(a.machine-a.vault-a.plugin-a.loadgen, 0)
}

// cpuMeter reads the CPU time of the Vault server, its plugin processes and
// this process, which runs the load and the fake providers.
type cpuMeter struct {
	vaultPID   int
	pluginPIDs func() ([]int, error)
}

// newCPUMeter finds the Vault server among this process's children.
func newCPUMeter(vaultBin string, pluginPIDs func() ([]int, error)) (*cpuMeter, error) {
	want, err := filepath.Abs(vaultBin)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, err := parentPID(pid); err != nil || ppid != os.Getpid() {
			continue
		}
		if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err == nil && exe == want {
			return &cpuMeter{vaultPID: pid, pluginPIDs: pluginPIDs}, nil
		}
	}
	return nil, fmt.Errorf("no %s process among this process's children", want)
}

func (m *cpuMeter) read() (cpuUse, error) {
	var u cpuUse
	var err error
	if u.vault, err = processCPU(m.vaultPID); err != nil {
		return u, err
	}
	pids, err := m.pluginPIDs()
	if err != nil {
		return u, err
	}
	for _, pid := range pids {
		t, err := processCPU(pid)
		if err != nil {
			return u, err
		}
		u.plugin += t
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return u, err
	}
	u.loadgen = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	u.machine, err = machineBusy()
	return u, err
}

// processCPU is utime + stime from /proc/<pid>/stat.
func processCPU(pid int) (time.Duration, error) {
	fields, err := statFields(pid)
	if err != nil {
		return 0, err
	}
	// After the command name: state(0) ppid(1) ... utime(11) stime(12).
	if len(fields) < 13 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * clockTick, nil
}

func parentPID(pid int) (int, error) {
	fields, err := statFields(pid)
	if err != nil {
		return 0, err
	}
	if len(fields) < 2 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	return strconv.Atoi(fields[1])
}

// statFields are the fields of /proc/<pid>/stat after the command name,
// which is in parentheses and may itself hold spaces and parentheses.
func statFields(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	stat := string(b)
	end := strings.LastIndexByte(stat, ')')
	if end < 0 {
		return nil, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	return strings.Fields(stat[end+1:]), nil
}

// machineBusy is the CPU time all processes have spent since boot: every
// field of /proc/stat's "cpu" line except idle and iowait. Guests are
// already counted in user and nice, so they are left out too.
func machineBusy() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0, fmt.Errorf("malformed /proc/stat")
	}
	var busy int64
	// user nice system idle iowait irq softirq steal [guest guest_nice]
	for i, v := range f[1:9] {
		if i == 3 || i == 4 {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("malformed /proc/stat")
		}
		busy += n
	}
	return time.Duration(busy) * clockTick, nil
}
