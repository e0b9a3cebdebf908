// Command git-credential-vault is a Git credential helper that answers Git
// with a short-lived token read from this plugin's creds/ path in Vault.
//
//	git config --global credential.https://github.com.helper vault
//	git config --global credential.https://github.com.vaultRole gh-contents
//
// Actions (argv[1]), per git-credential(1):
//
//   - get: map the URL to a role (credential.<url>.vaultRole, mount
//     credential.<url>.vaultMount, default "git"), hand out the cached token
//     while it is fresh, else read <mount>/creds/<role> and cache it.
//   - erase: Git rejected the token; revoke its lease and drop it.
//   - store: nothing; Vault keeps the lease, the cache keeps the token.
//
// When it has no answer (no role for the URL, Vault refuses the role or
// cannot be reached), the helper explains why on stderr, which Git shows the
// user, prints nothing on stdout and exits 0. Git then moves on to its next
// helper or prompt, as gitcredentials(7) has helpers that find nothing
// "tell us nothing". A non-zero exit would gain nothing: Git moves on from
// a failed get helper just the same, without a word.
//
// Nothing written to stderr contains a token. See docs/git-credential-helper.md.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"
)

// version is set by scripts/dist.sh (-X main.version=...).
var version = "dev"

// vaultTimeout bounds the helper's Vault calls; Git waits on them.
const vaultTimeout = time.Minute

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: git-credential-vault get|store|erase (run by git; see gitcredentials(7))")
		return 2
	}
	if args[0] == "version" || args[0] == "--version" {
		fmt.Fprintln(stdout, "git-credential-vault", version)
		return 0
	}
	req, err := readRequest(stdin)
	if err != nil {
		return report(stderr, err)
	}
	dir, err := defaultCacheDir()
	if err != nil {
		return report(stderr, err)
	}
	h := helper{cache: cache{dir: dir}, now: time.Now}
	ctx, cancel := context.WithTimeout(context.Background(), vaultTimeout)
	defer cancel()
	switch args[0] {
	case "get":
		err = h.get(ctx, req, stdout)
	case "erase":
		err = h.erase(ctx, req)
	default:
		// store, and actions later Git versions may add: nothing to do, and
		// git-credential(1) asks helpers to ignore what they do not know.
	}
	if err != nil {
		return report(stderr, err)
	}
	return 0
}

// report tells the user why the helper has no answer and exits 0, so that
// Git falls through to its next helper or prompt.
func report(stderr io.Writer, err error) int {
	fmt.Fprintln(stderr, "git-credential-vault:", err)
	return 0
}
