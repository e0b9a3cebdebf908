package reliability

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/vaultserver"
)

// concurrentRequests is how many creds requests run at once, half on each
// provider.
const concurrentRequests = 1000

// TestThousandConcurrentCreds sends a thousand creds requests at once
// through the real server, to a plugin built with the race detector where
// it can be, and rewrites both connections while they run. Every success
// is one lease on one distinct, live token of the role's scope; every lease
// revokes; no request sees half a connection; the detector reports nothing.
func TestThousandConcurrentCreds(t *testing.T) {
	t.Parallel()
	bins := vaultserver.FindBinaries(t)
	opts := bins.Options(vaultserver.StorageInmem)
	opts.PluginDir = t.TempDir()
	plugin := filepath.Join(opts.PluginDir, vaultserver.PluginName)
	race := vaultserver.RaceSupported()
	if race {
		vaultserver.BuildRacePlugin(t, plugin, bins.Version)
	} else {
		vaultserver.BuildPlugin(t, plugin, bins.Version)
	}
	v := launchVault(t, opts, plugin, bins.Version)
	e := newEngine(t, v, "git", newAppKeys(t))
	// Leases that outlive the test: the standard roles' 30s would let the
	// first leases expire, and Vault revoke their tokens, while a loaded
	// machine still works through the thousand requests and the checks
	// that each lease holds a live token.
	for _, role := range []string{"gh", "gl"} {
		e.write(t, "roles/"+role, map[string]any{"ttl": "30m"})
	}

	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		got       []*creds
		failures  []string
		latencies []time.Duration
		rewrite   = make(chan struct{})
	)
	start := time.Now()
	for i := range concurrentRequests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			role := []string{"gh", "gl"}[i%2]
			if i == concurrentRequests/2 {
				close(rewrite)
			}
			began := time.Now()
			c, err := e.tryCreds(role)
			mu.Lock()
			defer mu.Unlock()
			latencies = append(latencies, time.Since(began))
			if err != nil {
				failures = append(failures, fmt.Sprintf("creds/%s: %s", role, firstLine(errorText(err), 120)))
				return
			}
			got = append(got, c)
		}()
	}
	// The same credentials written again mid-stream: the App key in PKCS#8
	// form with its staged key, the GitLab token as it was.
	<-rewrite
	e.write(t, "config/gh", map[string]any{"private_key": pkcs8Of(t, e.keys.signing), "staged_private_keys": pemOf(e.keys.staged)})
	e.write(t, "config/gl", map[string]any{"token": e.gitlabToken})
	wg.Wait()
	elapsed := time.Since(start)

	slices.Sort(latencies)
	summary := fmt.Sprintf("%d concurrent creds requests (race detector: %v): %d succeeded, %d failed in %s; latency p50 %s, p99 %s, max %s",
		concurrentRequests, race, len(got), len(failures), elapsed.Round(time.Second),
		percentile(latencies, 50), percentile(latencies, 99), latencies[len(latencies)-1].Round(time.Millisecond))
	t.Log(summary)
	writeReport(t, "concurrency.md", summary+"\n")
	for _, f := range failures[:min(len(failures), 10)] {
		t.Errorf("%s", f)
	}

	tokens := map[string]bool{}
	for _, c := range got {
		if tokens[c.Token] {
			t.Fatalf("two leases share one token (%v)", c)
		}
		tokens[c.Token] = true
		if !e.live(c) {
			t.Errorf("%v: the token is not live at the provider", c)
		}
	}
	checkScopes(t, e, got)
	leases := 0
	for _, role := range []string{"gh", "gl"} {
		s, err := e.c.Logical().List("sys/leases/lookup/git/creds/" + role + "/")
		if err != nil {
			t.Fatal(err)
		}
		if s != nil {
			keys, _ := s.Data["keys"].([]any)
			leases += len(keys)
		}
	}
	if leases != len(got) {
		t.Errorf("%d leases for %d successful requests", leases, len(got))
	}
	if strays, err := e.strays(); err != nil || strays != 0 {
		t.Errorf("%d tokens live at the providers without a lease (%v)", strays, err)
	}

	// Without sync: a synchronous revoke-prefix revokes the leases one
	// after another inside Vault's 90s request timeout, which a loaded
	// machine running the race detector's plugin can miss. Vault's
	// expiration workers revoke them side by side instead, and the test
	// waits for that, as long as a loaded machine needs.
	if _, err := e.c.Logical().Write("sys/leases/revoke-prefix/git/creds/", map[string]any{"sync": false}); err != nil {
		t.Fatal(err)
	}
	v.eventually(t, 5*time.Minute, "every lease and its token revoked", func() error {
		live := 0
		for _, c := range got {
			if e.live(c) {
				live++
			}
		}
		if live > 0 {
			return fmt.Errorf("%d tokens still live", live)
		}
		for _, role := range []string{"gh", "gl"} {
			s, err := e.c.Logical().List("sys/leases/lookup/git/creds/" + role + "/")
			if err != nil {
				return err
			}
			if s != nil {
				if keys, _ := s.Data["keys"].([]any); len(keys) > 0 {
					return fmt.Errorf("%d leases of creds/%s left", len(keys), role)
				}
			}
		}
		return nil
	})
	if log, err := os.ReadFile(v.srv.LogFile()); err != nil {
		t.Fatal(err)
	} else if n := strings.Count(string(log), "DATA RACE"); n > 0 {
		t.Errorf("the race detector reported %d data races in the plugin; see %s", n, v.srv.LogFile())
	}
}

// checkScopes checks each token got exactly its role's scope: a token made
// from half a connection or a mixed-up role would not.
func checkScopes(t *testing.T, e *engine, got []*creds) {
	t.Helper()
	for _, c := range got {
		if c.Config == "gh" {
			tok, _ := e.gh.Lookup(c.Token)
			if !slices.Equal(tok.Repositories, []string{"app"}) || tok.Permissions["contents"] != "read" || len(tok.Permissions) != 1 {
				t.Errorf("%v: GitHub token for %v with %v", c, tok.Repositories, tok.Permissions)
			}
			continue
		}
		tok, _ := e.gl.Lookup(c.Token)
		if tok.Kind != "project" || !slices.Equal(tok.Scopes, []string{"read_api"}) || tok.Parent != fmt.Sprintf("projects/%d", e.glProject) {
			t.Errorf("%v: GitLab %s token on %s with %v", c, tok.Kind, tok.Parent, tok.Scopes)
		}
	}
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)*p/100, len(sorted)-1)].Round(time.Millisecond)
}
