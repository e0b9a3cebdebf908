package e2e

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/vaultserver"
)

// releaseCommit is the current release: the upgrade starts from the plugin
// built at this commit. Move it on at each release.
const releaseCommit = "c3b3ceff292ad4e8c984bc2aa2e199e2db99a1ef"

// upgradeVersion is the version the upgrade moves the mount to; the
// release runs as vaultserver.PluginVersion.
const upgradeVersion = "v0.2.0"

// upgradeStaticRoles are static roles of each GitLab token type (GitHub has
// none: its tokens live an hour), as `vault write` arguments after
// config=gl. Their tokens die when rotated, but for st-project's, which
// keep working for a grace period.
func upgradeStaticRoles() map[string][]string {
	const period = "rotation_period=24h"
	return map[string][]string{
		"st-project":  {"token_type=project", "path=" + gitlabProj, "scopes=read_api", "access_level=developer", period, "grace_period=1h"},
		"st-group":    {"token_type=group", "path=" + gitlabGroup, "scopes=read_api", "access_level=reporter", period},
		"st-deploy":   {"token_type=deploy", "path=" + gitlabProj, "scopes=read_repository", period},
		"st-personal": {"token_type=personal", "path=" + gitlabBot, "scopes=read_api", period},
	}
}

// TestUpgradeKeepsLeasesRevocable upgrades a mount from the current release
// to the working tree's build the way an operator does: register the new
// version, `vault secrets tune -plugin-version`, `vault plugin reload`.
// Before, the release writes every kind of thing the engine stores:
// connections (a GitHub one with a staged key, a GitLab one with a rotation
// schedule), roles of each token type and a scope_template one, static
// roles of each GitLab token type (one holding a previous token in its
// grace period), live leases of each role and their inventory entries, a
// pending write-ahead log entry (a creation whose answer was lost) and
// queued revocations (of a GitHub and a GitLab token, rate-limited). After,
// the new build reads all of it the same and works with it: the old leases
// revoke, the rollback reclaims the lost token, the queue drains once the
// provider accepts, static roles rotate and their old tokens die, roles
// issue, and rotate-root works on both connections.
func TestUpgradeKeepsLeasesRevocable(t *testing.T) {
	t.Parallel()
	v, pluginDir := startRelease(t, releaseCommit, vaultserver.PluginVersion)
	e := v.mountEngine(t, "git")
	uuid := e.mountUUID(t)

	// Connections: a staged key on gh, a schedule on gl.
	staged := fakegithub.GenerateKey(t)
	e.gh.SetAppKeys(githubAppID, rotPublicKey(t, e.githubKey), &staged.PublicKey)
	stagedPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(staged)}))
	if _, err := v.api().Logical().Write(e.path+"/config/gh", map[string]any{"staged_private_keys": []string{stagedPEM}}); err != nil {
		t.Fatalf("stage a key on config/gh: %v\n%s", err, v.logTail())
	}
	v.vault(t, "write", e.path+"/config/gl", "rotation_schedule=0 0 1 * *")
	owner := rotConnOwnerOf(t, e)

	// Roles, and a lease of each.
	roles := slices.Sorted(maps.Keys(standardRoles()))
	for _, r := range roles {
		e.writeRole(t, r, role(r)...)
	}
	e.writeRole(t, "gh-tpl", "config=gh", "owner="+githubOwner, "repositories={{identity.entity.name}}",
		"permissions=contents=read", "scope_template=true")
	requester := v.entityToken(t, "app", v.credsPolicy(t, e.path))
	issueAll := func() []*creds {
		var cs []*creds
		for _, r := range roles {
			cs = append(cs, e.readCreds(t, r))
		}
		tpl := e.readCredsAs(t, requester, "gh-tpl")
		if live, _ := e.gh.Lookup(tpl.token()); !slices.Equal(live.Repositories, []string{"app"}) {
			t.Fatalf("creds/gh-tpl for entity app got repositories %v, want [app]", live.Repositories)
		}
		return append(cs, tpl)
	}
	old := issueAll()

	// Static roles; st-project rotates once, keeping its first token for
	// its grace period.
	statics := slices.Sorted(maps.Keys(upgradeStaticRoles()))
	for _, name := range statics {
		rotWriteStaticRole(t, e, name, upgradeStaticRoles()[name]...)
	}
	stProjectFirst := rotReadStatic(t, e, "st-project")
	rotRotateRole(t, e, "st-project")
	oldStatic := map[string]*rotStaticCreds{}
	for _, name := range statics {
		oldStatic[name] = rotReadStatic(t, e, name)
	}

	// Queued revocations, and a creation whose answer is lost.
	queued := []*creds{e.readCreds(t, "gh"), e.readCreds(t, "gl-project")}
	e.rateLimitRevocations()
	t.Cleanup(e.clearFaults) // so that the mount's cleanup can revoke
	for _, c := range queued {
		e.revokeUntilQueued(t, c)
	}
	lost := e.loseCreation(t, "gl-project", uuid)

	// What reads show of it all.
	paths := []string{"config/gh", "config/gl"}
	for _, r := range append(slices.Clone(roles), "gh-tpl") {
		paths = append(paths, "roles/"+r)
	}
	for _, name := range statics {
		paths = append(paths, "static-roles/"+name, "tokens/"+oldStatic[name].TokenRef)
	}
	for _, c := range append(slices.Clone(old), queued...) {
		paths = append(paths, "tokens/"+c.ref())
	}
	before := e.readStored(t, paths)
	ghStaged, _ := before["config/gh"]["staged_key_fingerprints"].([]any)
	if len(ghStaged) != 1 || before["config/gl"]["rotation_schedule"] == nil {
		t.Fatalf("the release shows staged keys %v on config/gh and rotation_schedule %v on config/gl; want one key and the schedule",
			ghStaged, before["config/gl"]["rotation_schedule"])
	}
	beforeInventory := e.inventory(t)
	if got := runningVersion(t, v, e.path); got != v.version {
		t.Fatalf("mount runs %q before the upgrade, want %q", got, v.version)
	}

	upgrade(t, v, e, pluginDir)

	// The new build reads what the release stored.
	requireKept(t, before, e.readStored(t, paths))
	afterInventory := e.inventory(t)
	for ref, entry := range beforeInventory {
		if afterInventory[ref] != entry {
			t.Fatalf("tokens/ lists %s as %+v after the upgrade, %+v before", ref, afterInventory[ref], entry)
		}
	}
	if keys, err := vaultserver.WALKeys(v.api(), uuid); err != nil || len(keys) != 1 {
		t.Fatalf("the write-ahead log holds %d entries after the upgrade (%v), want the lost creation's", len(keys), err)
	}
	e.requireLive(t, old...)
	e.requireLive(t, queued...)

	// The provider accepts again, and the write-ahead log entry is old
	// enough to roll back: both happen on the next tick, which the rest
	// does not wait for.
	e.clearFaults()
	if err := vaultserver.AgeWAL(v.api(), uuid, upgradeWALAge); err != nil {
		t.Fatal(err)
	}
	tick := time.Now()

	// The old leases revoke.
	for _, c := range old {
		v.vault(t, "lease", "revoke", c.LeaseID)
	}
	e.waitRevoked(t, "revoking leases of the release after the upgrade", old...)

	// The old static roles rotate; their old tokens die, but for
	// st-project's, in their grace period.
	for _, name := range statics {
		next := rotRotateRole(t, e, name)
		if next.TokenID == oldStatic[name].TokenID {
			t.Fatalf("rotate-role/%s kept %v", name, next)
		}
		rotRequireStaticLive(t, e, "the token rotate-role/"+name+" made", next)
		if name == "st-project" {
			rotRequireStaticLive(t, e, "st-project's tokens in their grace period", stProjectFirst, oldStatic[name])
			continue
		}
		rotRequireStaticDead(t, e, "the token rotate-role/"+name+" replaced", oldStatic[name])
	}

	// rotate-root works on both connections: gh moves to the staged key,
	// gl's token rotates.
	v.vault(t, "write", "-f", e.path+"/rotate-root/gh")
	if got := e.readData(t, "config/gh")["signing_key_fingerprint"]; got != ghStaged[0] {
		t.Fatalf("after rotate-root config/gh signs with %v, want the key staged by the release %v", got, ghStaged[0])
	}
	v.vault(t, "write", "-f", e.path+"/rotate-root/gl")
	owner.waitRotatedFrom(t, e, owner.seeded, revokeTimeout, "rotate-root/gl")

	// Every role issues, with the rotated credentials.
	fresh := issueAll()
	e.requireLive(t, fresh...)

	// The tick revoked the queued tokens and rolled back the lost one.
	e.waitDead(t, upgradeTickTimeout, "draining the revocations the release queued", queued...)
	e.waitRevoked(t, "draining the revocations the release queued", queued...)
	e.waitRolledBack(t, uuid, lost)
	t.Logf("the tick's work was done %s after the provider accepted again", time.Since(tick).Round(time.Second))
	e.requireNoStrays(t, fresh...)

	// Deleting st-project revokes every token it holds, the release's too.
	v.vault(t, "delete", e.path+"/static-roles/st-project")
	rotRequireStaticDead(t, e, "after deleting st-project", stProjectFirst, oldStatic["st-project"])
	e.revokeAll(t, fresh...)
}

// upgrade moves e's mount to upgradeVersion, built from the working tree
// into pluginDir, and waits until only the new binary serves it.
func upgrade(t *testing.T, v *vaultEnv, e *engine, pluginDir string) {
	t.Helper()
	newPlugin := filepath.Join(pluginDir, vaultserver.PluginName+"-"+upgradeVersion)
	vaultserver.BuildPlugin(t, newPlugin, upgradeVersion)
	if err := v.srv.RegisterPlugin(vaultserver.PluginName, newPlugin, upgradeVersion); err != nil {
		t.Fatal(err)
	}
	v.vault(t, "secrets", "tune", "-plugin-version="+upgradeVersion, e.path+"/")
	v.vault(t, "plugin", "reload", "-plugin="+vaultserver.PluginName)
	v.eventually(t, time.Minute, "the mount runs "+upgradeVersion, func() error {
		if got := runningVersion(t, v, e.path); got != upgradeVersion {
			return fmt.Errorf("running_plugin_version is %q", got)
		}
		return nil
	})
	v.eventually(t, time.Minute, "only the new binary serves the plugin", func() error {
		return onlyPluginBinary(v, newPlugin)
	})
}

// runningVersion is the plugin version `vault secrets list -detailed` says
// the mount at path runs.
func runningVersion(t *testing.T, v *vaultEnv, path string) string {
	t.Helper()
	var mounts map[string]struct {
		RunningVersion string `json:"running_plugin_version"`
	}
	if err := json.Unmarshal([]byte(v.vault(t, "secrets", "list", "-detailed", "-format=json")), &mounts); err != nil {
		t.Fatalf("vault secrets list: %v", err)
	}
	m, ok := mounts[path+"/"]
	if !ok {
		t.Fatalf("vault secrets list shows no %s/", path)
	}
	return m.RunningVersion
}

// onlyPluginBinary says whether every plugin process of v's server runs the
// binary at path, and that there is at least one.
func onlyPluginBinary(v *vaultEnv, path string) error {
	pids, err := v.srv.PluginPIDs()
	if err != nil {
		return err
	}
	if len(pids) == 0 {
		return fmt.Errorf("no plugin process runs")
	}
	for _, pid := range pids {
		exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		if err != nil {
			return err
		}
		if exe = strings.TrimSuffix(exe, " (deleted)"); exe != path {
			return fmt.Errorf("plugin process %d runs %s", pid, exe)
		}
	}
	return nil
}
