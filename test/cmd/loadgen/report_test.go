package main

import (
	"strings"
	"testing"
	"time"
)

func TestVerdicts(t *testing.T) {
	t.Parallel()
	gh := &fakeProvider{name: "github", label: "GitHub installation token"}
	// 1000 ops in 1s: 1000 req/s.
	steady := func(latency time.Duration, conc int, p50 time.Duration) *cell {
		lat := make([]time.Duration, 1000)
		for i := range lat {
			lat[i] = p50
		}
		return &cell{
			label: gh.label, provider: gh, latency: latency, conc: conc,
			res:        loadResult{ops: 1000, elapsed: time.Second, latencies: lat},
			issueCalls: 1000, revokeCalls: 1000, revoked: 1000,
		}
	}
	ssh := func(perSecond int) *cell {
		return &cell{label: labelSSH, conc: 32, res: loadResult{ops: perSecond, elapsed: time.Second}}
	}
	cases := []struct {
		name  string
		cell  *cell
		floor *cell
		want  []string
	}{
		{"steady state at low concurrency", steady(0, 1, time.Millisecond), ssh(2000),
			[]string{"1 call per issue: met", "per revoke: met"}},
		{"an extra lookup misses the call target", func() *cell { c := steady(0, 1, time.Millisecond); c.issueCalls++; return c }(), ssh(2000),
			[]string{"1 call per issue: MISSED (1001 calls for 1000)", "per revoke: met"}},
		{"top concurrency against the SSH floor, met", steady(0, 32, time.Millisecond), ssh(1400),
			[]string{"met", "0.71x SSH OTP (>= 0.70x): met"}},
		{"top concurrency against the SSH floor, missed", steady(0, 32, time.Millisecond), ssh(2000),
			[]string{"0.50x SSH OTP (>= 0.70x): MISSED"}},
		{"latency within 1.15x", steady(50*time.Millisecond, 8, 57*time.Millisecond), ssh(2000),
			[]string{"p50 1.14x latency (<= 1.15x): met"}},
		{"latency beyond 1.15x", steady(50*time.Millisecond, 8, 58*time.Millisecond), ssh(2000),
			[]string{"p50 1.16x latency (<= 1.15x): MISSED"}},
		{"a leak is called out", func() *cell { c := steady(0, 1, time.Millisecond); c.liveAfter = 3; return c }(), ssh(2000),
			[]string{"LEAK: 3 tokens live after revocation"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := &report{opts: options{concurrency: []int{1, 8, 32}}, cells: []*cell{c.floor, c.cell}}
			got := strings.Join(r.verdicts(c.cell), "; ")
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("verdicts %q lack %q", got, w)
				}
			}
		})
	}
}

func TestFloorsHaveNoVerdict(t *testing.T) {
	t.Parallel()
	r := &report{opts: options{concurrency: []int{32}}}
	if v := r.verdicts(&cell{label: labelKV, conc: 32}); len(v) != 0 {
		t.Errorf("a floor row was judged: %v", v)
	}
}
