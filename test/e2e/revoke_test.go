package e2e

import "testing"

// testLeaseRevoke revokes single leases with `vault lease revoke <lease_id>`:
// each token dies at its provider and leaves tokens/, and a lease nobody
// revoked keeps its token.
func testLeaseRevoke(t *testing.T, e *engine) {
	e.writeRole(t, "gh", role("gh")...)
	e.writeRole(t, "gl-project", role("gl-project")...)
	gh := e.readCreds(t, "gh")
	gl := e.readCreds(t, "gl-project")
	bystander := e.readCreds(t, "gl-project")
	e.requireLive(t, gh, gl, bystander)
	e.waitInventory(t, "after three reads", gh, gl, bystander)

	e.v.vault(t, "lease", "revoke", gh.LeaseID)
	e.v.vault(t, "lease", "revoke", gl.LeaseID)
	e.waitRevoked(t, "vault lease revoke", gh, gl)

	e.requireLive(t, bystander)
	e.waitInventory(t, "after revoking two of three", bystander)
	e.v.vault(t, "lease", "revoke", bystander.LeaseID)
	e.waitRevoked(t, "vault lease revoke", bystander)
}
