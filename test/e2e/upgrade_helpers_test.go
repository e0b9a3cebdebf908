package e2e

import (
	"fmt"
	"net/http"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/vaultserver"
)

// Helpers of the upgrade test (upgrade_test.go): a server running the
// released plugin, what it stored as reads show it, and the engine's own
// work that only the storage or the fakes show (the revocation queue, the
// write-ahead log).

const (
	// upgradeTickTimeout bounds the wait for work the engine does on Vault's
	// one-minute rollback tick (draining the revocation queue, rolling back
	// the write-ahead log): up to a minute until the tick, and as long again
	// twice over for a loaded machine.
	upgradeTickTimeout = 3 * time.Minute
	// upgradeWALAge is how far back the test moves the write-ahead log's
	// entries, past the engine's five-minute minimum age for a rollback.
	upgradeWALAge = 10 * time.Minute
	// upgradeRetryAfter is the wait the rate-limited provider names: short,
	// so that neither the engine's retries of one call nor its holding off
	// the connection afterwards (revocation_queue.go) outlast the fault by
	// much.
	upgradeRetryAfter = "1"
)

// The provider routes whose answers the test withholds.
const (
	gitlabCreateProjectToken = "/projects/{id}/access_tokens"
	gitlabDeleteProjectToken = "/projects/{id}/access_tokens/{token_id}"
)

// startRelease starts a server with sys/raw on (to look at and age the
// write-ahead log) and a plugin directory of the test's own, holding the
// plugin built from commit and registered as version.
func startRelease(t *testing.T, commit, version string) (*vaultEnv, string) {
	t.Helper()
	dir := t.TempDir()
	plugin := filepath.Join(dir, vaultserver.PluginName)
	vaultserver.BuildReleasePlugin(t, commit, plugin, version)
	opts := vaultserver.Options{
		VaultBin:    vaultserver.FindVault(t),
		PluginDir:   dir,
		Storage:     vaultserver.StorageInmem,
		ExtraConfig: vaultserver.RawStorageConfig,
	}
	return launchVault(t, opts, plugin, version), dir
}

// mountUUID is the id under which Vault keeps the mount's storage.
func (e *engine) mountUUID(t testing.TB) string {
	t.Helper()
	mounts, err := e.v.api().Sys().ListMounts()
	if err != nil {
		t.Fatal(err)
	}
	m, ok := mounts[e.path+"/"]
	if !ok {
		t.Fatalf("no mount %s/", e.path)
	}
	return m.UUID
}

// readData reads path of the mount through the API and returns its data,
// failing the test when there is none.
func (e *engine) readData(t testing.TB, path string) map[string]any {
	t.Helper()
	s, err := e.v.api().Logical().Read(e.path + "/" + path)
	if err != nil || s == nil {
		t.Fatalf("read %s/%s: %v (nil: %t)\n--- end of the Vault log ---\n%s", e.path, path, err, s == nil, e.v.logTail())
	}
	return s.Data
}

// storedReads is what reads show of everything the engine keeps, by path
// ("config/gh", "roles/gh", "tokens/<ref>", ...).
type storedReads map[string]map[string]any

// readStored reads each of paths.
func (e *engine) readStored(t testing.TB, paths []string) storedReads {
	t.Helper()
	out := storedReads{}
	for _, p := range paths {
		out[p] = e.readData(t, p)
	}
	return out
}

// requireKept fails the test unless every field each read showed before
// shows the same value in after: a newer release may add fields, but not
// lose or change what an earlier one stored.
func requireKept(t testing.TB, before, after storedReads) {
	t.Helper()
	var lost []string
	for path, fields := range before {
		for k, v := range fields {
			if got, ok := after[path][k]; !ok || !reflect.DeepEqual(got, v) {
				lost = append(lost, fmt.Sprintf("%s %s: %v, before the upgrade %v", path, k, got, v))
			}
		}
	}
	sort.Strings(lost)
	if len(lost) > 0 {
		t.Fatalf("reads after the upgrade differ from before:\n%s", strings.Join(lost, "\n"))
	}
}

// withoutFields returns reads without the named fields of path, which
// change by themselves over time.
func (r storedReads) withoutFields(path string, keys ...string) storedReads {
	for _, k := range keys {
		delete(r[path], k)
	}
	return r
}

// revokeUntilQueued revokes c's lease synchronously, as often as it takes
// while the provider rate-limits its revocation: the engine hands the
// failure back to Vault until the lease's fifth rate-limited attempt,
// which queues the token and ends the lease (revocation_queue.go). The
// token is still live then, and tokens/ marks it queued.
func (e *engine) revokeUntilQueued(t testing.TB, c *creds) {
	t.Helper()
	const attempts = 8 // the engine queues at the fifth
	var err error
	for range attempts {
		if err = e.v.api().Sys().Revoke(c.LeaseID); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("%v: still not revoked after %d rate-limited attempts: %v\n--- end of the Vault log ---\n%s", c, attempts, err, e.v.logTail())
	}
	if _, err := e.v.api().Sys().Lookup(c.LeaseID); err == nil {
		t.Fatalf("%v: Vault still holds the lease after its revocation was queued", c)
	}
	e.requireLive(t, c)
	if q := e.readData(t, "tokens/"+c.ref())["revocation_queued_at"]; q == nil {
		t.Fatalf("tokens/%s shows no revocation_queued_at after its revocation was queued", c.ref())
	}
}

// rateLimitRevocations has both fakes refuse revocations of installation
// and project tokens with a rate limit, until clearFaults.
func (e *engine) rateLimitRevocations() {
	e.gh.InjectFault(fakegithub.Fault{Method: http.MethodDelete, Route: fakegithub.RouteInstallationToken,
		Status: http.StatusTooManyRequests, RetryAfter: upgradeRetryAfter})
	e.gl.InjectFault(fakegitlab.Fault{Method: http.MethodDelete, Route: gitlabDeleteProjectToken,
		Status: http.StatusTooManyRequests, RetryAfter: upgradeRetryAfter})
}

func (e *engine) clearFaults() {
	e.gh.ClearFaults()
	e.gl.ClearFaults()
}

// loseCreation issues a project token of role whose answer is lost: the
// fake GitLab makes the token and drops the connection. The request fails,
// and its write-ahead log entry stays for the rollback. It returns the
// token the fake made, live at the fake and held by nothing.
func (e *engine) loseCreation(t testing.TB, role, mountUUID string) fakegitlab.Token {
	t.Helper()
	before := map[int64]bool{}
	for _, tok := range e.gl.LiveTokens() {
		before[tok.ID] = true
	}
	e.gl.InjectFault(fakegitlab.Fault{Method: http.MethodPost, Route: gitlabCreateProjectToken, DropAfterCommit: true, Times: 1})
	// The API client, unlike the CLI, does not retry a failed request.
	if s, err := e.v.api().Logical().Read(e.path + "/creds/" + role); err == nil {
		t.Fatalf("creds/%s succeeded though its answer was dropped (lease %s)", role, s.LeaseID)
	}
	var lost []fakegitlab.Token
	for _, tok := range e.gl.LiveTokens() {
		if !before[tok.ID] {
			lost = append(lost, tok)
		}
	}
	if len(lost) != 1 {
		t.Fatalf("the fake GitLab made %d tokens for the dropped creds/%s, want 1", len(lost), role)
	}
	keys, err := vaultserver.WALKeys(e.v.api(), mountUUID)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 {
		t.Fatalf("the write-ahead log holds %d entries after the dropped creds/%s, want 1", len(keys), role)
	}
	return lost[0]
}

// waitRolledBack waits until Vault's rollback has emptied the aged
// write-ahead log and the token the lost creation made is dead.
func (e *engine) waitRolledBack(t testing.TB, mountUUID string, lost fakegitlab.Token) {
	t.Helper()
	e.v.eventually(t, upgradeTickTimeout, "the rollback of the lost creation", func() error {
		keys, err := vaultserver.WALKeys(e.v.api(), mountUUID)
		switch {
		case err != nil:
			return err
		case len(keys) > 0:
			return fmt.Errorf("%d write-ahead log entries not rolled back", len(keys))
		case gitlabLive(e.gl, lost.ID):
			return fmt.Errorf("the log is empty, but token %d of the lost creation is live at the fake GitLab", lost.ID)
		}
		return nil
	})
}

// gitlabLive reports whether the token with id is live at the fake.
func gitlabLive(gl *fakegitlab.Server, id int64) bool {
	return slices.ContainsFunc(gl.LiveTokens(), func(tok fakegitlab.Token) bool { return tok.ID == id })
}

// entityToken logs in as an entity named name, the way a templated role's
// requester would, through a token role allowed to use an alias of that
// entity, with policies, and returns the token.
func (v *vaultEnv) entityToken(t testing.TB, name string, policies ...string) string {
	t.Helper()
	c := v.api()
	auths, err := c.Sys().ListAuth()
	if err != nil {
		t.Fatal(err)
	}
	entity, err := c.Logical().Write("identity/entity", map[string]any{"name": name})
	if err != nil || entity == nil {
		t.Fatalf("write identity/entity: %v", err)
	}
	alias := name + "-alias"
	if _, err := c.Logical().Write("identity/entity-alias", map[string]any{
		"name": alias, "canonical_id": entity.Data["id"], "mount_accessor": auths["token/"].Accessor,
	}); err != nil {
		t.Fatalf("write identity/entity-alias: %v", err)
	}
	if _, err := c.Logical().Write("auth/token/roles/"+name, map[string]any{
		"allowed_entity_aliases": alias, "allowed_policies": policies, "token_period": "1h",
	}); err != nil {
		t.Fatalf("write auth/token/roles/%s: %v", name, err)
	}
	s, err := c.Auth().Token().CreateWithRole(&api.TokenCreateRequest{EntityAlias: alias, Policies: policies}, name)
	if err != nil || s == nil || s.Auth == nil {
		t.Fatalf("token create -role=%s: %v", name, err)
	}
	return s.Auth.ClientToken
}

// requireNoStrays fails the test for any token live at the fakes that the
// engine holds neither in a lease of leased nor as a GitLab connection's or
// static role's token: what a lost write-ahead log entry or queued
// revocation would leave.
func (e *engine) requireNoStrays(t testing.TB, leased ...*creds) {
	t.Helper()
	tokens := map[string]bool{}
	for _, c := range leased {
		tokens[c.token()] = true
	}
	held := map[int64]bool{}
	held[jsonInt(e.readData(t, "config/gl")["token_id"])] = true
	list, err := e.v.api().Logical().List(e.path + "/static-roles/")
	if err != nil {
		t.Fatal(err)
	}
	if list != nil {
		names, _ := list.Data["keys"].([]any)
		for _, n := range names {
			r := e.readData(t, "static-roles/"+fmt.Sprint(n))
			held[jsonInt(r["token_id"])] = true
			previous, _ := r["previous_tokens"].([]any)
			for _, p := range previous {
				m, _ := p.(map[string]any)
				held[jsonInt(m["token_id"])] = true
			}
		}
	}
	var strays []string
	for _, tok := range e.gh.LiveTokens() {
		if !tokens[tok.Token] {
			strays = append(strays, fmt.Sprintf("GitHub token for installation %d issued %s", tok.InstallationID, tok.IssuedAt.Format(time.RFC3339)))
		}
	}
	for _, tok := range e.gl.LiveTokens() {
		if !tokens[tok.Token] && !held[tok.ID] {
			strays = append(strays, fmt.Sprintf("GitLab %s token %d %q", tok.Kind, tok.ID, tok.Name))
		}
	}
	if len(strays) > 0 {
		t.Fatalf("tokens live at the fakes that the engine holds nowhere:\n%s", strings.Join(strays, "\n"))
	}
}

// jsonInt is a number of a response's data, as the API client decodes it.
func jsonInt(v any) int64 {
	switch n := v.(type) {
	case interface{ Int64() (int64, error) }:
		i, _ := n.Int64()
		return i
	case float64:
		return int64(n)
	}
	return 0
}
