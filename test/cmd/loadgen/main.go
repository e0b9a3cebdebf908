// Command loadgen measures what the engine adds on top of Vault and the
// provider, and how it holds up when many leases end at once. It starts a
// dev-mode Vault on loopback with the plugin mounted at git/, connected to
// in-process fake GitHub and GitLab servers, and drives it over HTTP with the
// Vault API client:
//
//   - creds throughput and p50/p99 latency at each concurrency, with the
//     provider answering at once and with injected latency, beside Vault's
//     own floors on the same server (a kv-v2 read, and SSH OTP creds: a lease
//     with no external call);
//   - provider calls per issued token and per revocation, from the fakes'
//     counters (leases are revoked after each row's timed section);
//   - a burst: many leases ending in the same second, revoked by Vault's
//     expiration manager, with the plugin's peak RSS.
//
// It prints one Markdown table on stdout (progress goes to stderr).
// BENCHMARKS.md explains the method; scripts/bench.sh runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/vaultserver"
)

type options struct {
	vaultBin      string
	pluginBin     string
	floorPlugin   string
	pluginVersion string
	dir           string

	matrix            bool
	cases             map[string]bool
	concurrency       []int
	latency           time.Duration
	warmup, duration  time.Duration
	maxOps            int
	revokeConcurrency int

	burstSize        int
	burstProvider    string
	burstConcurrency int
	burstTTL         time.Duration
	burstLatency     time.Duration
	burstSecondary   bool
	burstTimeout     time.Duration

	timeout time.Duration
}

func main() {
	var opts options
	var conc, cases string
	flag.StringVar(&opts.vaultBin, "vault", "", "path of the vault binary (scripts/build-vault.sh prints it)")
	flag.StringVar(&opts.pluginBin, "plugin", "bin/vault-plugin-secrets-git", "path of the plugin binary")
	flag.StringVar(&opts.floorPlugin, "floor-plugin", "", "path of test/cmd/floorplugin, built, for the floor case (empty: the floor case is skipped)")
	flag.StringVar(&opts.pluginVersion, "plugin-version", "", "version to register the plugin at (empty: unversioned)")
	flag.StringVar(&opts.dir, "dir", "", "directory for Vault's files and the plugin copy (default: a temporary one, removed at the end)")
	flag.BoolVar(&opts.matrix, "matrix", true, "measure the throughput and latency matrix")
	flag.StringVar(&cases, "cases", "kv,ssh,plugin,floor,github,gitlab", "rows of the matrix: kv and ssh (Vault's floors), plugin and floor (Vault's plugin protocol, without and with a lease), github and gitlab (the engine)")
	flag.StringVar(&conc, "concurrency", "1,8,32", "concurrencies of the matrix, comma-separated")
	flag.DurationVar(&opts.latency, "latency", 50*time.Millisecond, "provider latency of the second half of the matrix")
	flag.DurationVar(&opts.warmup, "warmup", time.Second, "untimed warm-up before each row")
	flag.DurationVar(&opts.duration, "duration", 5*time.Second, "timed section of each row")
	flag.IntVar(&opts.maxOps, "max-ops", 20000, "most requests in one row's warm-up or timed section")
	flag.IntVar(&opts.revokeConcurrency, "revoke-concurrency", 32, "revocations in flight after each row")
	flag.IntVar(&opts.burstSize, "burst", 10000, "leases in the burst (0 skips it)")
	flag.StringVar(&opts.burstProvider, "burst-provider", "github", "provider whose role the burst uses: github or gitlab")
	flag.IntVar(&opts.burstConcurrency, "burst-concurrency", 32, "requests in flight while issuing the burst")
	flag.DurationVar(&opts.burstTTL, "burst-ttl", time.Minute, "time from the burst's start to the common end of its leases; issuing must finish before it")
	flag.DurationVar(&opts.burstLatency, "burst-latency", 0, "provider latency during the burst")
	flag.BoolVar(&opts.burstSecondary, "burst-github-limits", false, "have the fake GitHub enforce GitHub's secondary rate limits (180 revocations a minute) from the end of issuing; needs -burst-provider github and a -burst-timeout of size/150 minutes or more")
	flag.DurationVar(&opts.burstTimeout, "burst-timeout", 5*time.Minute, "how long after the common end the burst waits for every revocation")
	flag.DurationVar(&opts.timeout, "timeout", 20*time.Minute, "bound on the whole run")
	flag.Parse()

	if err := opts.parse(conc, cases); err != nil {
		fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, opts.timeout)
	defer cancel()
	if err := run(ctx, opts); err != nil {
		fatal(err)
	}
}

// parse checks the flags and fills what they describe.
func (o *options) parse(conc, cases string) error {
	if o.vaultBin == "" {
		return errors.New("-vault is required (scripts/build-vault.sh prints it)")
	}
	if _, err := os.Stat(o.pluginBin); err != nil {
		return fmt.Errorf("-plugin: %w", err)
	}
	var err error
	if o.concurrency, err = parseInts(conc); err != nil {
		return fmt.Errorf("-concurrency: %w", err)
	}
	known := []string{"kv", "ssh", "plugin", "floor", "github", "gitlab"}
	o.cases = map[string]bool{}
	for _, c := range strings.Split(cases, ",") {
		c = strings.TrimSpace(c)
		if !slices.Contains(known, c) {
			return fmt.Errorf("-cases: %q is not one of %s", c, strings.Join(known, ", "))
		}
		o.cases[c] = true
	}
	if o.cases["floor"] && o.floorPlugin == "" {
		progress("no -floor-plugin: the floor rows are skipped")
		delete(o.cases, "floor")
	}
	if o.floorPlugin != "" {
		if _, err := os.Stat(o.floorPlugin); err != nil {
			return fmt.Errorf("-floor-plugin: %w", err)
		}
	}
	if o.burstSecondary && o.burstProvider != "github" {
		return errors.New("-burst-github-limits needs -burst-provider github")
	}
	if o.burstProvider != "github" && o.burstProvider != "gitlab" {
		return fmt.Errorf("-burst-provider %q: use github or gitlab", o.burstProvider)
	}
	return nil
}

func run(ctx context.Context, opts options) (err error) {
	if opts.dir == "" {
		dir, mkErr := os.MkdirTemp("", "loadgen-")
		if mkErr != nil {
			return mkErr
		}
		// Vault's log is what explains a failure; keep it then.
		defer func() {
			if err == nil {
				os.RemoveAll(dir)
			}
		}()
		opts.dir = dir
	}
	rep := &report{opts: opts, started: time.Now(), machine: machine{
		cpus: runtime.NumCPU(), cpuModel: cpuModel(), goVer: runtime.Version(), load: loadAverage(),
	}}
	fakes, stopFakes, err := startFakes()
	defer stopFakes()
	if err != nil {
		return err
	}
	progress("starting Vault")
	srv, err := startVault(ctx, opts, fakes)
	if err != nil {
		return err
	}
	defer srv.Stop()
	env, err := newBench(opts, srv)
	if err != nil {
		return err
	}
	if st, err := env.client.Sys().SealStatus(); err == nil {
		rep.machine.vaultVer = st.Version
	}
	if err := measure(ctx, env, fakes, rep); err != nil {
		return fmt.Errorf("%w (Vault's log: %s)", err, srv.LogFile())
	}
	return rep.write(os.Stdout)
}

// measure runs the matrix and the burst into rep.
func measure(ctx context.Context, env *bench, fakes []*fakeProvider, rep *report) error {
	opts := env.opts
	// Other processes' CPU time during the measurements says how quiet
	// the machine was.
	cpu0, err := env.meter.read()
	if err != nil {
		return err
	}
	start := time.Now()
	if opts.matrix {
		rep.cells = planCells(opts, fakes)
		for _, cl := range rep.cells {
			if err := runCell(ctx, env, cl); err != nil {
				return err
			}
		}
	}
	if opts.burstSize > 0 {
		b := &burst{size: opts.burstSize, conc: opts.burstConcurrency, latency: opts.burstLatency, secondary: opts.burstSecondary}
		for _, f := range fakes {
			if f.name == opts.burstProvider {
				b.provider = f
			}
		}
		if err := runBurst(ctx, env, b); err != nil {
			return err
		}
		rep.burst = b
	}
	rep.loadEnd = loadAverage()
	rep.elapsed = time.Since(start)
	cpu1, err := env.meter.read()
	if err != nil {
		return err
	}
	rep.others = cpu1.sub(cpu0).others()
	return nil
}

// bench is the running setup every measurement uses.
type bench struct {
	opts   options
	srv    *vaultserver.Server
	client *api.Client
	meter  *cpuMeter
}

func newBench(opts options, srv *vaultserver.Server) (*bench, error) {
	// Enough connections that no worker ever waits for one.
	conns := max(opts.revokeConcurrency, opts.burstConcurrency, slices.Max(opts.concurrency))
	c, err := loadClient(srv, conns)
	if err != nil {
		return nil, err
	}
	meter, err := newCPUMeter(opts.vaultBin, srv.PluginPIDs)
	if err != nil {
		return nil, err
	}
	return &bench{opts: opts, srv: srv, client: c, meter: meter}, nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "loadgen:", err)
	os.Exit(1)
}
