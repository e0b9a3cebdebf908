package e2e

import "testing"

// testSecretsDisable unmounts the engine with leases outstanding: `vault
// secrets disable` revokes every one, so no token it issued stays live at
// either provider.
func testSecretsDisable(t *testing.T, e *engine) {
	var cs []*creds
	for name, fields := range standardRoles() {
		e.writeRole(t, name, fields...)
		cs = append(cs, e.readCreds(t, name), e.readCreds(t, name))
	}
	e.requireLive(t, cs...)

	e.v.vault(t, "secrets", "disable", e.path+"/")
	// The mount and its tokens/ are gone; only the providers can tell.
	e.waitDead(t, revokeTimeout, "vault secrets disable", cs...)
}
