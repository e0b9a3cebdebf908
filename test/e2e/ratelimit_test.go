package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
)

// queueTimeout covers GitHub's wait in this scenario, a periodic tick (one
// minute) and the revocations.
const queueTimeout = 3 * time.Minute

// testRateLimitedExpiry lets leases end while GitHub refuses revocations
// with a rate limit longer than the engine's own retries. Vault must finish
// with the leases (none irrevocable), the engine must keep the tokens in
// tokens/ as queued, and once GitHub's wait is over its periodic tick must
// revoke them.
func testRateLimitedExpiry(t *testing.T, e *engine) {
	e.writeRole(t, "gh", role("gh", "ttl="+shortTTL.String())...)
	cs := []*creds{e.readCreds(t, "gh"), e.readCreds(t, "gh"), e.readCreds(t, "gh")}
	e.gh.InjectFault(fakegithub.Fault{Method: http.MethodDelete, Route: fakegithub.RouteInstallationToken,
		Status: http.StatusTooManyRequests, RetryAfter: "20"})

	e.v.eventually(t, shortTTL+revokeTimeout, "leases ended in Vault", func() error {
		s, err := e.v.api().Logical().List("sys/leases/lookup/" + e.path + "/creds/gh/")
		if err != nil {
			return err
		}
		if s != nil && len(s.Data["keys"].([]any)) > 0 {
			return fmt.Errorf("Vault still holds leases %v", s.Data["keys"])
		}
		return nil
	})
	s, err := e.v.api().Logical().ReadWithData("sys/leases/count", map[string][]string{"type": {"irrevocable"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := fmt.Sprint(s.Data["lease_count"]); n != "0" {
		t.Fatalf("%s irrevocable leases, want 0", n)
	}
	e.requireLive(t, cs...)
	for _, c := range cs {
		read, err := e.v.api().Logical().Read(e.path + "/tokens/" + c.ref())
		if err != nil || read == nil || read.Data["revocation_queued_at"] == nil {
			t.Fatalf("tokens/%s while GitHub refuses: %v %v, want it listed with revocation_queued_at", c.ref(), read, err)
		}
	}

	e.gh.ClearFaults()
	e.waitDead(t, queueTimeout, "queued revocations", cs...)
	e.waitRevoked(t, "queued revocations", cs...)
}
