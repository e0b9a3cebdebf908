package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Targets from the issue.
const (
	targetCalls        = 1    // provider calls per issued token and per revocation
	targetLatencyRatio = 1.15 // p50 with provider latency, over that latency
	targetFloorRatio   = 0.7  // zero-latency throughput at the top concurrency, over SSH OTP's
	targetPeakRSS      = 64 << 20
)

// quietLimit is how many CPUs other processes may use on average before the
// report calls the machine busy.
const quietLimit = 0.25

// report is everything one run measured.
type report struct {
	machine machine
	opts    options
	started time.Time
	loadEnd string // load average when the run ended
	// elapsed is the run's wall time; others the CPU time processes other
	// than Vault, the plugin and loadgen spent meanwhile.
	elapsed, others time.Duration
	cells           []*cell
	burst           *burst // nil when skipped
}

const tableHead = "| case | provider latency | conc | ops | req/s | p50 | p99 | CPU/op: Vault + plugin + loadgen | calls/issue | calls/revoke | target |\n" +
	"|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"

// write prints the run's context and its one table (Markdown, so
// BENCHMARKS.md can quote it as is).
func (r *report) write(w io.Writer) error {
	var b strings.Builder
	m := r.machine
	fmt.Fprintf(&b, "date: %s\n", r.started.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "machine: %d CPUs (nproc), %s; %s; Vault %s\n", m.cpus, m.cpuModel, m.goVer, m.vaultVer)
	fmt.Fprintf(&b, "load average (1/5/15 min): %s at start, %s at end\n", m.load, r.loadEnd)
	if r.elapsed > 0 {
		others := r.others.Seconds() / r.elapsed.Seconds()
		fmt.Fprintf(&b, "other processes used %.2f of the %d CPUs on average during the run", others, m.cpus)
		if others > quietLimit {
			b.WriteString(" (a busy machine: the figures are noisy; rows marked noisy were hit hardest)")
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "per row: %s warm-up, then up to %s or %d requests; provider latency injected at the fakes\n\n",
		r.opts.warmup, r.opts.duration, r.opts.maxOps)
	b.WriteString(tableHead)
	for _, c := range r.cells {
		b.WriteString(r.cellRow(c))
	}
	if r.burst != nil {
		b.WriteString(burstRows(r.burst))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *report) cellRow(c *cell) string {
	latency, issue, revoke := "-", "-", "-"
	if !c.isFloor() {
		latency = fmtLatency(c.latency)
		issue = fmt.Sprintf("%.2f", c.callsPerIssue())
		revoke = fmt.Sprintf("%.2f", c.callsPerRevoke())
	}
	return fmt.Sprintf("| %s | %s | %d | %d | %.0f | %s | %s | %s | %s | %s | %s |\n",
		c.label, latency, c.conc, c.res.ops, c.res.perSecond(),
		fmtDuration(c.res.percentile(50)), fmtDuration(c.res.percentile(99)),
		fmtCPU(c.cpu, c.res.ops), issue, revoke, strings.Join(r.verdicts(c), "; "))
}

// verdicts judges a row against the targets that apply to it.
func (r *report) verdicts(c *cell) []string {
	var out []string
	if others := c.othersCPUs(); others > quietLimit {
		out = append(out, fmt.Sprintf("noisy: other processes used %.2f CPUs", others))
	}
	if c.isFloor() {
		if c.label == labelFloorLease || c.label == labelFloorWAL {
			out = append(out, r.sshRatio(c)...)
		}
		return out
	}
	out = append(out, "1 call per issue: "+callVerdict(c.issueCalls, c.res.ops),
		"per revoke: "+callVerdict(c.revokeCalls, c.revoked))
	if c.liveAfter != 0 {
		out = append(out, fmt.Sprintf("LEAK: %d tokens live after revocation", c.liveAfter))
	}
	if c.latency > 0 {
		limit := time.Duration(float64(c.latency) * targetLatencyRatio)
		p50 := c.res.percentile(50)
		out = append(out, fmt.Sprintf("p50 %.2fx latency (<= %.2fx): %s",
			float64(p50)/float64(c.latency), targetLatencyRatio, metOrMissed(p50 <= limit)))
	}
	if c.latency == 0 {
		if x, ok := r.throughputRatio(c, labelSSH); ok {
			out = append(out, fmt.Sprintf("%.2fx SSH OTP (>= %.2fx): %s", x, targetFloorRatio, metOrMissed(x >= targetFloorRatio)))
		}
		if x, ok := r.throughputRatio(c, labelFloorWAL); ok {
			out = append(out, fmt.Sprintf("%.2fx the plugin floor with WAL writes", x))
		}
	}
	return out
}

// sshRatio says how a floor row compares with SSH OTP, for the reader.
func (r *report) sshRatio(c *cell) []string {
	if x, ok := r.throughputRatio(c, labelSSH); ok {
		return []string{fmt.Sprintf("%.2fx SSH OTP", x)}
	}
	return nil
}

// throughputRatio is c's throughput over the row labelled base at the same
// concurrency; only at the top concurrency, where the target is set.
func (r *report) throughputRatio(c *cell, base string) (float64, bool) {
	if c.conc != r.topConcurrency() {
		return 0, false
	}
	for _, b := range r.cells {
		if b.label == base && b.conc == c.conc && b.res.perSecond() > 0 {
			return c.res.perSecond() / b.res.perSecond(), true
		}
	}
	return 0, false
}

func (r *report) topConcurrency() int {
	top := 0
	for _, n := range r.opts.concurrency {
		top = max(top, n)
	}
	return top
}

func burstRows(b *burst) string {
	var s strings.Builder
	label := b.provider.label
	fmt.Fprintf(&s, "| burst: issue %d leases ending together (%s) | %s | %d | %d | %.0f | %s | %s | %s | %.2f | - | 1 call per issue: %s |\n",
		b.size, label, fmtLatency(b.latency), b.conc, b.issue.ops, b.issue.perSecond(),
		fmtDuration(b.issue.percentile(50)), fmtDuration(b.issue.percentile(99)),
		fmtCPU(b.issueCPU, b.issue.ops), ratio(b.issueCalls, b.issue.ops), callVerdict(b.issueCalls, b.issue.ops))

	calls := "1 call per revoke: " + callVerdict(b.revokeCalls, b.size)
	label = "burst: Vault revokes them at lease end"
	if b.secondary {
		// Refused attempts are GitHub's pacing, not steady state.
		label += " (GitHub's secondary rate limits enforced)"
		calls = fmt.Sprintf("%d requests refused by the secondary limits", b.secondaryRefused)
	}
	fmt.Fprintf(&s, "| %s | %s | - | %d | %.0f | - | - | %s | - | %.2f | "+
		"all revoked at the fake %s after the end, gone from Vault after %s; at most %d provider requests at once; "+
		"%d revoke failures logged; irrevocable %d (must be 0): %s; %s |\n",
		label, fmtLatency(b.latency), b.size, b.revokeRate(), fmtCPU(b.revokeCPU, b.size), ratio(b.revokeCalls, b.size),
		fmtSeconds(b.revokedAfter), fmtSeconds(b.clearedAfter), b.peakInFlight, b.revokeFailures,
		b.irrevocable, metOrMissed(b.irrevocable == 0), calls)

	scope := "through the burst"
	if !b.rssReset {
		scope = "since the plugin started (could not reset VmHWM)"
	}
	procs := ""
	if b.pluginPIDs > 1 {
		procs = fmt.Sprintf(", largest of %d plugin processes", b.pluginPIDs)
	}
	fmt.Fprintf(&s, "| burst: plugin peak RSS (VmHWM) | - | - | - | - | - | - | - | - | - | "+
		"%s %s (%s before the burst%s); < %s: %s |\n",
		fmtMiB(b.peakRSS), scope, fmtMiB(b.matrixRSS), procs, fmtMiB(targetPeakRSS), metOrMissed(b.peakRSS < targetPeakRSS))
	return s.String()
}

// callVerdict judges calls made for n operations against one call each,
// giving the counts when they differ.
func callVerdict(calls, n int) string {
	if calls == n*targetCalls {
		return "met"
	}
	return fmt.Sprintf("MISSED (%d calls for %d)", calls, n)
}

func metOrMissed(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func fmtDuration(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	if ms < 10 {
		return fmt.Sprintf("%.2f ms", ms)
	}
	return fmt.Sprintf("%.1f ms", ms)
}

func fmtLatency(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	return d.String()
}

// fmtCPU is CPU time per operation of each process, in milliseconds.
func fmtCPU(u cpuUse, ops int) string {
	if ops == 0 {
		return "-"
	}
	per := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / float64(ops) }
	return fmt.Sprintf("%.2f + %.2f + %.2f ms", per(u.vault), per(u.plugin), per(u.loadgen))
}

func fmtSeconds(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

func fmtMiB(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
