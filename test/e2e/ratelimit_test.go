package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
)

// retryTimeout covers Vault's first revocation retries (20 s, then 40 s,
// each give or take half) after GitHub accepts again.
const retryTimeout = 3 * time.Minute

// testRateLimitedExpiry lets leases end while GitHub refuses revocations
// with a rate limit longer than the engine's own retries. The engine must
// hand the failure back to Vault (SPEC: transient failures make Vault
// retry), so the leases stay in Vault and the tokens live; once GitHub
// accepts again, Vault's retries revoke them, and no lease is irrevocable.
// (A rate limit that outlasts Vault's retries moves the token into the
// engine's revocation queue instead: revocation_queue_test.go, and
// loadgen -burst-github-limits.)
func testRateLimitedExpiry(t *testing.T, e *engine) {
	e.writeRole(t, "gh", role("gh", "ttl="+shortTTL.String())...)
	// GitHub refuses revocations from before the first lease exists, so
	// that none can end unrefused however slowly the reads go.
	e.gh.InjectFault(fakegithub.Fault{Method: http.MethodDelete, Route: fakegithub.RouteInstallationToken,
		Status: http.StatusTooManyRequests, RetryAfter: "20"})
	// Should the test stop early, the mount's cleanup can still revoke.
	t.Cleanup(e.gh.ClearFaults)
	cs := []*creds{e.readCreds(t, "gh"), e.readCreds(t, "gh")}

	// Each lease ends and Vault's revocation of it fails: Vault logs the
	// failure, and when it will try again, once the engine has answered.
	for _, c := range cs {
		e.v.eventually(t, shortTTL+revokeTimeout, "Vault's revocation of "+c.String()+" fails", func() error {
			return e.v.logHas("failed to revoke lease", "lease_id="+c.LeaseID+" ")
		})
	}
	e.requireLive(t, cs...)
	s, err := e.v.api().Logical().List("sys/leases/lookup/" + e.path + "/creds/gh/")
	if err != nil {
		t.Fatal(err)
	}
	if s == nil || len(s.Data["keys"].([]any)) != len(cs) {
		t.Fatalf("leases in Vault while GitHub refuses: %v, want all %d kept for Vault to retry", s, len(cs))
	}

	e.gh.ClearFaults()
	e.waitDead(t, retryTimeout, "Vault's retries", cs...)
	e.waitRevoked(t, "Vault's retries", cs...)
	count, err := e.v.api().Logical().ReadWithData("sys/leases/count", map[string][]string{"type": {"irrevocable"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := fmt.Sprint(count.Data["lease_count"]); n != "0" {
		t.Fatalf("%s irrevocable leases, want 0", n)
	}
}
