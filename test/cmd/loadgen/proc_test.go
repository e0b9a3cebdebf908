package main

import (
	"os"
	"testing"
)

func TestStatusField(t *testing.T) {
	t.Parallel()
	status := []byte("Name:\tvault-plugin\nVmPeak:\t  912345 kB\nVmHWM:\t   45056 kB\nVmRSS:\t   40000 kB\nThreads:\t12\n")
	cases := []struct {
		name    string
		field   string
		want    uint64
		wantErr bool
	}{
		{"peak rss", "VmHWM", 45056 * 1024, false},
		{"rss", "VmRSS", 40000 * 1024, false},
		{"not in kB", "Threads", 0, true},
		{"missing", "VmSwap", 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := statusField(status, c.field)
			if (err != nil) != c.wantErr || got != c.want {
				t.Errorf("statusField(%s) = %d, %v; want %d, error %v", c.field, got, err, c.want, c.wantErr)
			}
		})
	}
}

func TestOwnProcessReadings(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc here")
	}
	if peak, err := peakRSS([]int{os.Getpid()}); err != nil || peak == 0 {
		t.Errorf("peakRSS(self) = %d, %v", peak, err)
	}
	if ppid, err := parentPID(os.Getpid()); err != nil || ppid != os.Getppid() {
		t.Errorf("parentPID(self) = %d, %v; want %d", ppid, err, os.Getppid())
	}
	if _, err := processCPU(os.Getpid()); err != nil {
		t.Errorf("processCPU(self): %v", err)
	}
}
