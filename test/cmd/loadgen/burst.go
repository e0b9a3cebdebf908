package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/vault/api"
)

// burstPoll is how often the burst looks at the fake and at Vault.
const burstPoll = 200 * time.Millisecond

// baselineLead is how long before the common end the revocation counters
// start.
const baselineLead = 250 * time.Millisecond

// burst is the mass-expiry scenario: many leases that all end in the same
// second, left for Vault's expiration manager to revoke.
type burst struct {
	provider *fakeProvider
	size     int
	conc     int
	latency  time.Duration // injected at the fake throughout
	// secondary has the fake enforce GitHub's secondary rate limits from
	// the end of issuing: the tokens were made, the mass expiry meets
	// GitHub's pace. secondaryRefused counts the requests it refused.
	secondary        bool
	secondaryRefused int

	issue      loadResult
	issueCalls int
	// CPU spent issuing, and from the common end until Vault held no
	// lease.
	issueCPU, revokeCPU cpuUse
	// end is the common lease end; every lease asked for the TTL left
	// until it, in whole seconds rounded up, so all end within a second of
	// it.
	end time.Time
	// revokedAfter is from end until the fake held no live token;
	// clearedAfter until Vault listed no lease under the role.
	revokedAfter, clearedAfter time.Duration
	revokeCalls                int
	// peakInFlight is the most requests the fake served at once while
	// Vault revoked.
	peakInFlight int
	irrevocable  int
	// revokeFailures counts "failed to revoke lease" lines Vault logged
	// during the burst: revocations it will retry.
	revokeFailures int
	// peakRSS is the plugin's VmHWM through the burst; matrixRSS through
	// everything before it (reset in between when the kernel allows).
	peakRSS, matrixRSS uint64
	rssReset           bool
	pluginPIDs         int
}

func (b *burst) revokeRate() float64 {
	if b.revokedAfter <= 0 {
		return 0
	}
	return float64(b.size) / b.revokedAfter.Seconds()
}

// runBurst issues b.size leases ending at a common instant, waits for them
// to end, and measures how Vault and the engine revoke them.
func runBurst(ctx context.Context, env *bench, b *burst) error {
	srv, c := env.srv, env.client
	if live := b.provider.liveTokens(); live != 0 {
		return fmt.Errorf("burst: the fake %s holds %d live tokens before it starts", b.provider.name, live)
	}
	pids, err := enginePIDs(srv)
	if err != nil || len(pids) == 0 {
		return fmt.Errorf("burst: find the plugin process: %v (%d found)", err, len(pids))
	}
	b.pluginPIDs = len(pids)
	if b.matrixRSS, err = peakRSS(pids); err != nil {
		return err
	}
	// One issue and revocation first, so the engine's caches (App JWT,
	// installation id) are warm and the burst measures the steady state.
	lease, err := engineCreds(c, b.provider.role)(ctx)
	if err == nil {
		err = c.Sys().RevokeWithContext(ctx, lease)
	}
	if err != nil {
		return fmt.Errorf("burst: warm-up: %w", err)
	}
	b.provider.setLatency(b.latency)
	defer b.provider.setLatency(0)
	b.rssReset = resetPeakRSS(pids) == nil
	logStart := fileSize(srv.LogFile())

	if err := issueBurst(ctx, env, b); err != nil {
		return fmt.Errorf("burst: %w", err)
	}
	if b.secondary {
		b.provider.secondaryLimits(true)
		defer b.provider.secondaryLimits(false)
		refused0 := b.provider.secondaryRefused()
		defer func() { b.secondaryRefused = b.provider.secondaryRefused() - refused0 }()
	}
	if err := awaitRevocations(ctx, env, b); err != nil {
		return fmt.Errorf("burst: %w", err)
	}
	if b.irrevocable, err = irrevocableLeases(c); err != nil {
		return err
	}
	b.revokeFailures = strings.Count(logTail(srv.LogFile(), logStart), "failed to revoke lease")
	b.peakRSS, err = peakRSS(pids)
	return err
}

// issueBurst issues the leases. Each asks for the time left until the common
// end, rounded up to whole seconds, so all of them end within a second of it.
func issueBurst(ctx context.Context, env *bench, b *burst) error {
	c := env.client
	b.end = time.Now().Add(env.opts.burstTTL)
	path := engineMount + "/creds/" + b.provider.role
	issueOne := func(ctx context.Context) (string, error) {
		ttl := int(math.Ceil(time.Until(b.end).Seconds()))
		if ttl < 1 {
			return "", fmt.Errorf("the common lease end passed before %d leases were issued; raise -burst-ttl", b.size)
		}
		return leaseOf(c.Logical().WriteWithContext(ctx, path, map[string]any{"ttl": ttl}))
	}
	progress(fmt.Sprintf("burst: issuing %d leases ending at %s", b.size, b.end.Format(time.TimeOnly)))
	before := b.provider.calls()
	cpu0, err := env.meter.read()
	if err != nil {
		return err
	}
	b.issue, err = runLoad(ctx, b.conc, env.opts.burstTTL, b.size, issueOne)
	b.issueCalls = b.provider.calls() - before
	if cpu1, cerr := env.meter.read(); cerr == nil {
		b.issueCPU = cpu1.sub(cpu0)
	}
	if err == nil && b.issue.ops < b.size {
		err = fmt.Errorf("issued %d of %d leases before their common end; raise -burst-ttl", b.issue.ops, b.size)
	}
	return err
}

// awaitRevocations waits for the common end, then until the fake holds no
// live token and Vault no lease under the role.
func awaitRevocations(ctx context.Context, env *bench, b *burst) error {
	progress(fmt.Sprintf("burst: issued in %s; waiting for the leases to end", b.issue.elapsed.Round(time.Millisecond)))
	// The counters start just before the end: no lease ends earlier, and
	// the first revocations follow the end within milliseconds, sooner
	// than this process may wake up after it.
	if err := sleepUntil(ctx, b.end.Add(-baselineLead)); err != nil {
		return err
	}
	before := b.provider.calls()
	b.provider.inflight.takePeak()
	cpu0, err := env.meter.read()
	if err != nil {
		return err
	}
	if err := sleepUntil(ctx, b.end); err != nil {
		return err
	}

	// Both are watched at once: with GitHub's secondary limits Vault is done
	// long before the fake.
	prefix := engineMount + "/creds/" + b.provider.role + "/"
	_, err = waitUntil(ctx, b.end, env.opts.burstTimeout, func() (bool, error) {
		if b.revokedAfter == 0 && b.provider.liveTokens() == 0 {
			b.revokedAfter = time.Since(b.end)
			progress(fmt.Sprintf("burst: the fake holds no live token %s after the leases ended", b.revokedAfter.Round(time.Millisecond)))
		}
		if b.clearedAfter == 0 {
			n, err := leasesUnder(env.client, prefix)
			if err != nil {
				return false, err
			}
			if n == 0 {
				b.clearedAfter = time.Since(b.end)
				progress(fmt.Sprintf("burst: Vault holds no lease %s after the leases ended", b.clearedAfter.Round(time.Millisecond)))
			}
		}
		return b.revokedAfter > 0 && b.clearedAfter > 0, nil
	})
	switch {
	case err != nil && b.revokedAfter == 0:
		return fmt.Errorf("the fake still holds %d live tokens: %w", b.provider.liveTokens(), err)
	case err != nil:
		return fmt.Errorf("leases remain in Vault: %w", err)
	}
	b.revokeCalls = b.provider.calls() - before
	b.peakInFlight = b.provider.inflight.takePeak()
	if cpu1, err := env.meter.read(); err == nil {
		b.revokeCPU = cpu1.sub(cpu0)
	}
	return nil
}

// waitUntil polls done until it holds, and returns how long after from it
// did; it gives up timeout after from.
func waitUntil(ctx context.Context, from time.Time, timeout time.Duration, done func() (bool, error)) (time.Duration, error) {
	t := time.NewTicker(burstPoll)
	defer t.Stop()
	for {
		ok, err := done()
		if err != nil {
			return 0, err
		}
		if ok {
			return time.Since(from), nil
		}
		if time.Since(from) > timeout {
			return 0, fmt.Errorf("gave up after %s", timeout)
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

func sleepUntil(ctx context.Context, t time.Time) error {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// leasesUnder counts the leases Vault holds under prefix.
func leasesUnder(c *api.Client, prefix string) (int, error) {
	s, err := c.Logical().List("sys/leases/lookup/" + prefix)
	if err != nil || s == nil {
		return 0, err
	}
	keys, _ := s.Data["keys"].([]any)
	return len(keys), nil
}

// irrevocableLeases asks Vault how many leases it has given up revoking.
func irrevocableLeases(c *api.Client) (int, error) {
	s, err := c.Logical().ReadWithData("sys/leases/count", map[string][]string{"type": {"irrevocable"}})
	if err != nil {
		return 0, fmt.Errorf("count irrevocable leases: %w", err)
	}
	if s == nil {
		return 0, fmt.Errorf("count irrevocable leases: empty answer")
	}
	count, err := strconv.Atoi(fmt.Sprint(s.Data["lease_count"]))
	if err != nil {
		return 0, fmt.Errorf("count irrevocable leases: no lease_count in the answer")
	}
	return count, nil
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// logTail is the log from offset on.
func logTail(path string, offset int64) string {
	b, err := os.ReadFile(path)
	if err != nil || int64(len(b)) < offset {
		return ""
	}
	return string(b[offset:])
}

func progress(msg string) {
	fmt.Fprintln(os.Stderr, "loadgen:", msg)
}
