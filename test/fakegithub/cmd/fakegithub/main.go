// Command fakegithub runs the fake GitHub API on its own, for end-to-end
// tests that drive a real Vault server. It prints its URL as the first line
// on stdout, then serves the API at the root and under /api/v3, and the
// control API under /_fake/, until interrupted.
//
//	fakegithub -listen 127.0.0.1:0 -seed seed.json
//
// -secondary-limits enforces GitHub's documented secondary rate limits; the
// -secondary-* flags change them (and turn them on). They can also be set
// at run time through PUT /_fake/secondary-limits.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	seed := flag.String("seed", "", "JSON file with apps (PEM public keys) and installations")
	longTokens := flag.Bool("long-tokens", false, "issue ~520-character stateless tokens")
	var secondary secondaryFlags
	flag.BoolVar(&secondary.on, "secondary-limits", false,
		"enforce GitHub's secondary rate limits: 900 points a minute per endpoint and identity (GET 1, other methods 5), 100 concurrent requests")
	flag.IntVar(&secondary.points, "secondary-points", 0, "secondary limit: points per window per endpoint and identity (0: 900, negative: none)")
	flag.DurationVar(&secondary.window, "secondary-window", 0, "secondary limit: the window the points apply to (0: 1m)")
	flag.IntVar(&secondary.concurrent, "secondary-concurrent", 0, "secondary limit: requests in flight per identity (0: 100, negative: none)")
	flag.BoolVar(&secondary.status429, "secondary-429", false, "refuse over the secondary limits with 429 instead of 403")
	flag.Parse()
	if err := run(*listen, *seed, *longTokens, secondary.limits()); err != nil {
		log.Fatal(err)
	}
}

// secondaryFlags are the -secondary-* flags. Any of them turns the limits
// on; those left at zero keep GitHub's values.
type secondaryFlags struct {
	on                 bool
	points, concurrent int
	window             time.Duration
	status429          bool
}

// limits is what the flags ask for, nil for none.
func (f secondaryFlags) limits() *fakegithub.SecondaryLimits {
	if !f.on && f.points == 0 && f.concurrent == 0 && f.window == 0 && !f.status429 {
		return nil
	}
	l := fakegithub.GitHubSecondaryLimits()
	if f.points != 0 {
		l.PointsPerWindow = f.points
	}
	if f.concurrent != 0 {
		l.MaxConcurrent = f.concurrent
	}
	if f.window != 0 {
		l.Window = f.window
	}
	if f.status429 {
		l.Status = http.StatusTooManyRequests
	}
	return l
}

func run(listen, seedPath string, longTokens bool, secondary *fakegithub.SecondaryLimits) error {
	if secondary != nil && secondary.Window < 0 {
		return fmt.Errorf("-secondary-window must not be negative")
	}
	fake := fakegithub.New(fakegithub.Options{LongTokens: longTokens, SecondaryLimits: secondary})
	if seedPath != "" {
		if err := loadSeed(fake, seedPath); err != nil {
			return fmt.Errorf("load seed: %w", err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	standalone := fakeserver.Standalone{API: fake.Handler(), Control: fake.ControlHandler(), Close: fake.Close}
	return standalone.ListenAndServe(ctx, listen, os.Stdout)
}

func loadSeed(fake *fakegithub.Server, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return fake.LoadSeed(f)
}
