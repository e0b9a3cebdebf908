// Command fakegithub runs the fake GitHub API on its own, for end-to-end
// tests that drive a real Vault server. It prints its URL as the first line
// on stdout, then serves the API at the root and under /api/v3, and the
// control API under /_fake/.
//
//	fakegithub -listen 127.0.0.1:0 -seed seed.json
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	seed := flag.String("seed", "", "JSON file with apps (PEM public keys) and installations")
	longTokens := flag.Bool("long-tokens", false, "issue ~520-character stateless tokens")
	flag.Parse()

	fake := fakegithub.New(fakegithub.Options{LongTokens: *longTokens})
	if *seed != "" {
		f, err := os.Open(*seed)
		if err != nil {
			log.Fatalf("open seed: %v", err)
		}
		err = fake.LoadSeed(f)
		_ = f.Close()
		if err != nil {
			log.Fatalf("load seed: %v", err)
		}
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	fmt.Printf("http://%s\n", ln.Addr())

	// Dispatch by prefix rather than with a ServeMux, which would redirect
	// unclean paths that GitHub answers with 404.
	api, control := fake.Handler(), fake.ControlHandler()
	log.Fatal(http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_fake/") {
			control.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})))
}
