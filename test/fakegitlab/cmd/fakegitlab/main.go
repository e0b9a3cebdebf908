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
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
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

	mux := http.NewServeMux()
	mux.Handle("/_fake/", fake.ControlHandler())
	mux.Handle("/", fake.Handler())

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	fmt.Printf("http://%s\n", ln.Addr())

	srv := &http.Server{Handler: mux}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		fake.Close()
		_ = srv.Shutdown(context.Background())
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
