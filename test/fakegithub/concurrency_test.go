package fakegithub

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentMintAndRevoke fires 1000 mints at once, then 1000 revokes,
// while the App's keys are rewritten and faults come and go, and checks that
// every token is distinct, counted and revoked. Run it with -race.
func TestConcurrentMintAndRevoke(t *testing.T) {
	t.Parallel()
	const n = 1000
	f := newFixture(t, Options{})
	jwt := f.jwt()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	post := func(method, path, auth string) (int, string, error) {
		r, err := http.NewRequest(method, f.URL()+path, nil)
		if err != nil {
			return 0, "", err
		}
		r.Header.Set("User-Agent", testUA)
		r.Header.Set("Authorization", auth)
		resp, err := client.Do(r)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(data), err
	}

	tokens := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan string, 2*n)
	for i := range n {
		wg.Go(func() {
			status, body, err := post(http.MethodPost, "/app/installations/"+itoa(f.instID)+"/access_tokens", "Bearer "+jwt)
			if err != nil || status != http.StatusCreated {
				errs <- "mint: " + http.StatusText(status) + " " + errString(err)
				return
			}
			var tok accessTokenJSON
			if err := json.Unmarshal([]byte(body), &tok); err != nil {
				errs <- err.Error()
				return
			}
			tokens[i] = tok.Token
		})
	}
	// Meanwhile: the same keys rewritten, a fault on another route, reads.
	wg.Go(func() {
		for range 50 {
			f.SetAppKeys(testAppID, &f.key.PublicKey)
			f.InjectFault(Fault{Route: RouteOrgInstallation, Status: 500, Times: 1})
			_ = f.LiveTokens()
			_ = f.Calls(http.MethodPost, RouteAccessTokens)
			f.ClearFaults()
		}
	})
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}

	seen := map[string]bool{}
	for _, tok := range tokens {
		if seen[tok] {
			t.Fatal("the same token was issued twice")
		}
		seen[tok] = true
	}
	if got := len(f.LiveTokens()); got != n {
		t.Fatalf("%d live tokens, want %d", got, n)
	}
	if got := f.Calls(http.MethodPost, RouteAccessTokens); got != n {
		t.Fatalf("Calls = %d, want %d", got, n)
	}

	errs = make(chan string, n)
	for _, tok := range tokens {
		wg.Go(func() {
			status, _, err := post(http.MethodDelete, "/installation/token", "token "+tok)
			if err != nil || status != http.StatusNoContent {
				errs <- "revoke: " + http.StatusText(status) + " " + errString(err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	if got := len(f.LiveTokens()); got != 0 {
		t.Fatalf("%d tokens live after revoking all", got)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return strings.TrimSpace(err.Error())
}
