package e2e

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
)

// testAPIClientReadAndWrite drives creds/ through the Vault API client the
// way its two library consumers do:
//
//   - Terraform's vault_generic_secret data source (the provider cannot be
//     installed here) is a logical read whose lease fields and data it
//     stores; the data must marshal to JSON (its data_json).
//   - A Vault Agent template {{ with secret "git/creds/gh" "repositories=app" }}
//     is a logical write of the key=value pairs, which narrows the token.
func testAPIClientReadAndWrite(t *testing.T, e *engine) {
	e.writeRole(t, "gh", role("gh")...)
	e.writeRole(t, "gl-project", role("gl-project")...)
	client := e.v.api()
	var issued []*creds

	read, err := client.Logical().Read(e.path + "/creds/gh")
	if err != nil || read == nil {
		t.Fatalf("logical read: %v", err)
	}
	full := credsFromSecret(read)
	issued = append(issued, full)
	if !strings.HasPrefix(read.LeaseID, e.path+"/creds/gh/") || read.LeaseDuration <= 0 || read.Renewable {
		t.Errorf("read: lease_id %q lease_duration %d renewable %v; want a lease under creds/gh/, a positive duration, not renewable",
			read.LeaseID, read.LeaseDuration, read.Renewable)
	}
	for _, key := range []string{"token", "username", "expires_at", "token_type", "config", "role", "repositories", "permissions", "token_ref", "hashed_token"} {
		if _, ok := read.Data[key]; !ok {
			t.Errorf("read: data lacks %s", key)
		}
	}
	if _, err := json.Marshal(read.Data); err != nil {
		t.Errorf("read: data does not marshal to JSON: %v", err)
	}
	e.requireLive(t, full)

	narrowed, err := client.Logical().Write(e.path+"/creds/gh", map[string]any{"repositories": "app", "permissions": "contents=read"})
	if err != nil || narrowed == nil {
		t.Fatalf("logical write: %v", err)
	}
	gh := credsFromSecret(narrowed)
	issued = append(issued, gh)
	if got, live := e.gh.Lookup(gh.token()); !live || !slices.Equal(got.Repositories, []string{"app"}) ||
		!maps.Equal(got.Permissions, map[string]string{"contents": "read"}) {
		t.Errorf("narrowed GitHub token: live %v, reaches %v with %v; want app with contents=read", live, got.Repositories, got.Permissions)
	}
	if narrowed.LeaseDuration <= 0 || narrowed.Renewable {
		t.Errorf("write: lease_duration %d renewable %v", narrowed.LeaseDuration, narrowed.Renewable)
	}

	glWrite, err := client.Logical().Write(e.path+"/creds/gl-project", map[string]any{"scopes": "read_repository"})
	if err != nil || glWrite == nil {
		t.Fatalf("logical write gl-project: %v", err)
	}
	gl := credsFromSecret(glWrite)
	issued = append(issued, gl)
	if got, live := e.gl.Lookup(gl.token()); !live || !slices.Equal(got.Scopes, []string{"read_repository"}) {
		t.Errorf("narrowed GitLab token: live %v, scopes %v; want read_repository", live, got.Scopes)
	}

	// Asking for more than the role allows is refused, and nothing is made.
	before := len(e.gh.LiveTokens())
	if _, err := client.Logical().Write(e.path+"/creds/gh", map[string]any{"repositories": "docs"}); err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("widening write: err %v, want a 400", err)
	}
	if after := len(e.gh.LiveTokens()); after != before {
		t.Errorf("a refused write left %d new tokens at GitHub", after-before)
	}
	e.revokeAllThroughAPI(t, issued...)
}

// revokeAllThroughAPI revokes each lease with the API client's
// sys/leases/revoke and waits until its token is revoked.
func (e *engine) revokeAllThroughAPI(t *testing.T, cs ...*creds) {
	t.Helper()
	for _, c := range cs {
		if err := e.v.api().Sys().Revoke(c.LeaseID); err != nil {
			t.Errorf("revoke %v: %v", c, err)
		}
	}
	e.waitRevoked(t, "sys/leases/revoke", cs...)
}
