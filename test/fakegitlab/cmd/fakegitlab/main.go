// Command fakegitlab serves the fake GitLab API for tests that run the
// plugin in another process. It prints the instance URL as its first line
// of output, then serves until interrupted.
//
//	fakegitlab -listen 127.0.0.1:0 -seed world.json
//
// The API is under /api/v4 and the control API under /_fake/ (see
// fakegitlab.Server.ControlHandler).
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	seedPath := flag.String("seed", "", "JSON file of users, groups, projects, members and tokens to start with")
	version := flag.String("version", "", "GitLab version to report (default 18.5.0)")
	flag.Parse()
	if err := run(*listen, *seedPath, *version); err != nil {
		log.Fatal(err)
	}
}

func run(listen, seedPath, version string) error {
	fake := fakegitlab.New(fakegitlab.Options{Version: version})
	if seedPath != "" {
		seed, err := fakegitlab.LoadSeed(seedPath)
		if err != nil {
			return err
		}
		if err := fake.ApplySeed(seed); err != nil {
			return err
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	standalone := fakeserver.Standalone{API: fake.Handler(), Control: fake.ControlHandler(), Close: fake.Close}
	return standalone.ListenAndServe(ctx, listen, os.Stdout)
}
