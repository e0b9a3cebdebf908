package e2e

import (
	"testing"
	"time"
)

// shortTTL is the lease TTL of scenarios that wait for leases to expire:
// long enough for a read and a few checks to finish first.
const shortTTL = 10 * time.Second

// testLeaseExpiry leaves short leases alone: Vault revokes each token at
// its provider when its lease runs out, with no one asking. (A deploy token
// also carries the lease end as its GitLab expiry, so for it only the
// inventory proves the engine revoked it; the other two live on at their
// fakes unless revoked.)
func testLeaseExpiry(t *testing.T, e *engine) {
	ttl := "ttl=" + shortTTL.String()
	e.writeRole(t, "gh", role("gh", ttl)...)
	e.writeRole(t, "gl-project", role("gl-project", ttl)...)
	e.writeRole(t, "gl-deploy", role("gl-deploy", ttl)...)
	var cs []*creds
	for _, r := range []string{"gh", "gl-project", "gl-deploy"} {
		c := e.readCreds(t, r)
		if c.LeaseDuration != int(shortTTL.Seconds()) {
			t.Fatalf("%v: lease_duration %ds, want %s", c, c.LeaseDuration, shortTTL)
		}
		// Checked as soon as it is read: the reads together may take
		// longer than a lease on a loaded machine.
		e.requireLive(t, c)
		cs = append(cs, c)
	}

	e.waitDead(t, shortTTL+revokeTimeout, "lease expiry", cs...)
	e.waitRevoked(t, "lease expiry", cs...)
}
