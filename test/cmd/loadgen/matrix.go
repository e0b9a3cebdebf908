package main

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/vault/api"
)

// cell is one measured row of the matrix: one kind of request at one
// concurrency (and, for the engine, one provider latency).
type cell struct {
	label    string
	newOp    func(*api.Client) op
	provider *fakeProvider // nil for the floors
	latency  time.Duration
	conc     int

	res loadResult
	// cpu is what each process spent during the timed section.
	cpu cpuUse
	// Provider calls made while the timed requests ran, and while their
	// leases (warm-up ones included) were revoked.
	issueCalls, revokeCalls int
	revoked                 int
	// liveAfter is how many tokens the fake still holds after the
	// revocations; anything but 0 is a leak.
	liveAfter int
}

func (c *cell) isFloor() bool { return c.provider == nil }

// providerCalls is what the cell's fake has received so far.
func (c *cell) providerCalls() int {
	if c.isFloor() {
		return 0
	}
	return c.provider.calls()
}

// othersCPUs is how many CPUs other processes used, on average, during the
// timed section.
func (c *cell) othersCPUs() float64 {
	if c.res.elapsed <= 0 {
		return 0
	}
	return c.cpu.others().Seconds() / c.res.elapsed.Seconds()
}

func (c *cell) callsPerIssue() float64  { return ratio(c.issueCalls, c.res.ops) }
func (c *cell) callsPerRevoke() float64 { return ratio(c.revokeCalls, c.revoked) }

func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// floor labels, which the report also uses to find the SSH-OTP floor.
const (
	labelKV     = "Vault floor: kv-v2 read"
	labelSSH    = "Vault floor: SSH OTP creds (leased)"
	labelPlugin = "plugin floor: git/roles read (no lease, no provider)"
	// The floor plugin's rows (test/cmd/floorplugin).
	labelFloorLease = "plugin floor: leased secret (no storage, no provider)"
	labelFloorWAL   = "plugin floor: leased secret after the engine's 3 WAL writes"
)

// planCells lists the matrix in the order it runs: for each concurrency the
// two floors next to the zero-latency engine rows, so the figures compared
// with each other are taken minutes apart at most; then the rows with
// provider latency.
func planCells(opts options, fakes []*fakeProvider) []*cell {
	var engine []*fakeProvider
	for _, f := range fakes {
		if opts.cases[f.name] {
			engine = append(engine, f)
		}
	}
	var cells []*cell
	for _, n := range opts.concurrency {
		if opts.cases["kv"] {
			cells = append(cells, &cell{label: labelKV, newOp: kvRead, conc: n})
		}
		if opts.cases["ssh"] {
			cells = append(cells, &cell{label: labelSSH, newOp: sshOTP, conc: n})
		}
		if opts.cases["plugin"] {
			cells = append(cells, &cell{label: labelPlugin, newOp: pluginRead, conc: n})
		}
		if opts.cases["floor"] {
			cells = append(cells,
				&cell{label: labelFloorLease, newOp: floorLease, conc: n},
				&cell{label: labelFloorWAL, newOp: floorLeaseWAL, conc: n})
		}
		for _, f := range engine {
			cells = append(cells, credsCell(f, 0, n))
		}
	}
	if opts.latency > 0 {
		for _, f := range engine {
			for _, n := range opts.concurrency {
				cells = append(cells, credsCell(f, opts.latency, n))
			}
		}
	}
	return cells
}

func credsCell(f *fakeProvider, latency time.Duration, conc int) *cell {
	return &cell{
		label:    f.label,
		newOp:    func(c *api.Client) op { return engineCreds(c, f.role) },
		provider: f,
		latency:  latency,
		conc:     conc,
	}
}

// runCell warms up, measures, then revokes every lease the cell made, with
// the provider's latency still in place.
func runCell(ctx context.Context, env *bench, cl *cell) error {
	if !cl.isFloor() {
		cl.provider.setLatency(cl.latency)
		defer cl.provider.setLatency(0)
	}
	leases, err := measureCell(ctx, env, cl)

	before := cl.providerCalls()
	rev, rerr := revokeAll(ctx, env.client, leases, env.opts.revokeConcurrency)
	cl.revokeCalls = cl.providerCalls() - before
	cl.revoked = rev.ops
	if !cl.isFloor() {
		cl.liveAfter = cl.provider.liveTokens()
	}
	if err == nil {
		err = rerr
	}
	if err != nil {
		return fmt.Errorf("%s, concurrency %d: %w", cl.label, cl.conc, err)
	}
	progress(fmt.Sprintf("%-52s latency %-5s conc %2d: %6d ops %8.1f req/s p50 %s p99 %s",
		cl.label, cl.latency, cl.conc, cl.res.ops, cl.res.perSecond(),
		fmtDuration(cl.res.percentile(50)), fmtDuration(cl.res.percentile(99))))
	return nil
}

// measureCell runs the warm-up and the timed section, and returns every
// lease they made, also when it fails.
func measureCell(ctx context.Context, env *bench, cl *cell) ([]string, error) {
	do := cl.newOp(env.client)
	// The warm-up fills connection pools and the engine's caches (App JWT,
	// installation id, project id); steady state is what is measured.
	warm, err := runLoad(ctx, cl.conc, env.opts.warmup, env.opts.maxOps, do)
	if err != nil {
		return warm.leases, err
	}
	before := cl.providerCalls()
	cpu0, err := env.meter.read()
	if err != nil {
		return warm.leases, err
	}
	cl.res, err = runLoad(ctx, cl.conc, env.opts.duration, env.opts.maxOps, do)
	cl.issueCalls = cl.providerCalls() - before
	leases := append(warm.leases, cl.res.leases...)
	if err != nil {
		return leases, err
	}
	cpu1, err := env.meter.read()
	cl.cpu = cpu1.sub(cpu0)
	return leases, err
}
