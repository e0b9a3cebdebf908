package e2e

import "testing"

// testParentTokenRevoke reads creds with a child token and revokes that
// token with `vault token revoke`: Vault revokes the leases it owned, so
// their tokens die at the provider, while a lease of another token lives on.
// The inventory names the child token as the requester.
func testParentTokenRevoke(t *testing.T, e *engine) {
	e.writeRole(t, "gh", role("gh")...)
	e.writeRole(t, "gl-group", role("gl-group")...)
	child := e.v.childToken(t, "ci-job", e.v.credsPolicy(t, e.path))
	owned := []*creds{e.readCredsAs(t, child, "gh"), e.readCredsAs(t, child, "gl-group")}
	bystander := e.readCreds(t, "gh")
	e.requireLive(t, append(owned, bystander)...)

	requester := e.v.displayName(t, child)
	if requester != "token-ci-job" {
		t.Errorf("child token's display name is %q, want token-ci-job", requester)
	}
	inv := e.inventory(t)
	for _, c := range owned {
		if got := inv[c.ref()].Requester; got != requester {
			t.Errorf("tokens/ gives %v requester %q, want %q", c, got, requester)
		}
	}

	e.v.vault(t, "token", "revoke", child)
	e.waitRevoked(t, "vault token revoke of the parent token", owned...)

	e.requireLive(t, bystander)
	e.waitInventory(t, "after revoking the child token", bystander)
	e.revokeAll(t, bystander)
}
