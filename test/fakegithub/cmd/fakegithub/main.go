// Command fakegithub runs the fake GitHub API on its own, for end-to-end
// tests that drive a real Vault server. It prints its URL as the first line
// on stdout, then serves the API at the root and under /api/v3, and the
// control API under /_fake/, until interrupted.
//
//	fakegithub -listen 127.0.0.1:0 -seed seed.json
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	seed := flag.String("seed", "", "JSON file with apps (PEM public keys) and installations")
	longTokens := flag.Bool("long-tokens", false, "issue ~520-character stateless tokens")
	flag.Parse()
	if err := run(*listen, *seed, *longTokens); err != nil {
		log.Fatal(err)
	}
}

func run(listen, seedPath string, longTokens bool) error {
	fake := fakegithub.New(fakegithub.Options{LongTokens: longTokens})
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
