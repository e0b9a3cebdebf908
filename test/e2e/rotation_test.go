package e2e

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/vaultserver"
)

// The rotation scenarios: rotate-root, the engine's own schedule for a
// connection across a Vault restart and a plugin crash, static roles with
// their grace period, and Vault Agent following a static role. Vault 1.21
// has no rotation manager this plugin can use, so the engine runs every
// schedule itself, on Vault's one-minute rollback tick.

// rotGrace is the static roles' grace period: shorter than their one-minute
// rotation_period, as the engine advises, and long enough to observe.
const rotGrace = 30 * time.Second

// TestRotationOnOneServer runs the rotation scenarios that need no restart
// on one dev-mode server, each on a mount and fakes of its own, in parallel.
func TestRotationOnOneServer(t *testing.T) {
	t.Parallel()
	runScenarios(t, startVault(t, vaultserver.StorageInmem), []scenario{
		{"rotate-root gitlab", "git-rot-root-gl", testRotateRootGitLab},
		{"rotate-root github", "git-rot-root-gh", testRotateRootGitHub},
		{"static role", "git-rot-static", testStaticRoleRotation},
		{"vault agent follows a static role", "git-rot-agent", testAgentFollowsStaticRole},
	})
}

// testRotateRootGitLab: `vault write -f rotate-root/gl` replaces the
// engine's token at GitLab. The old token dies at once, the new one issues
// and revokes tokens, the read shows when it rotated, and a lease issued
// with the old token still revokes.
func testRotateRootGitLab(t *testing.T, e *engine) {
	owner := rotConnOwnerOf(t, e)
	e.writeRole(t, "gl-project", role("gl-project")...)
	before := e.readCreds(t, "gl-project")
	cfg := rotReadConfig(t, e, "gl")
	if cfg["last_rotated"] != nil {
		t.Fatalf("config/gl shows last_rotated %v before any rotation", cfg["last_rotated"])
	}

	rotatedAt := time.Now().Truncate(time.Second)
	var resp struct {
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal([]byte(e.v.vault(t, "write", "-format=json", "-f", e.path+"/rotate-root/gl")), &resp); err != nil {
		t.Fatalf("vault write rotate-root/gl: output is not JSON: %v", err)
	}

	// GitLab revoked the old token when it answered; the engine's next
	// token is the family's one live member.
	if _, live := e.gl.Lookup(e.gitlabToken); live {
		t.Fatal("the connection's old token still works at the fake GitLab after rotate-root")
	}
	cur, err := owner.current(e)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(resp.Data["token_id"]); got != strconv.FormatInt(cur.ID, 10) {
		t.Fatalf("rotate-root answered token_id %s; the live token at the fake is %d", got, cur.ID)
	}
	cfg = rotReadConfig(t, e, "gl")
	if got := fmt.Sprint(cfg["token_id"]); got != strconv.FormatInt(cur.ID, 10) {
		t.Fatalf("config/gl shows token_id %s after rotate-root; the live token at the fake is %d", got, cur.ID)
	}
	if last := rotTime(t, "config/gl", cfg, "last_rotated"); last.Before(rotatedAt) {
		t.Fatalf("config/gl shows last_rotated %s, before rotate-root was called at %s", last.Format(time.RFC3339), rotatedAt.Format(time.RFC3339))
	}
	if cfg["rotation_managed_by"] != "" || cfg["next_rotation"] != nil {
		t.Errorf("config/gl without a schedule shows rotation_managed_by %q, next_rotation %v; want neither", cfg["rotation_managed_by"], cfg["next_rotation"])
	}

	// The new token works: it issues a token and is what GitLab saw.
	after := e.readCreds(t, "gl-project")
	e.requireLive(t, before, after)
	if tok, _ := owner.current(e); tok.ID != cur.ID || tok.LastUsedAt == nil || tok.LastUsedAt.Before(rotatedAt) {
		t.Fatalf("the fake GitLab did not see the rotated token %d in use for creds/gl-project (live %d, last used %v)", cur.ID, tok.ID, tok.LastUsedAt)
	}
	// Revoking goes through the new token too, for the lease issued
	// before the rotation as well as after.
	e.v.vault(t, "lease", "revoke", before.LeaseID)
	e.waitRevoked(t, "revoking a lease issued before rotate-root", before)
	e.v.vault(t, "lease", "revoke", after.LeaseID)
	e.waitRevoked(t, "revoking a lease issued after rotate-root", after)
}

// testRotateRootGitHub: with a second App key staged, rotate-root moves
// signing to it; once GitHub forgets the first key the engine still issues
// tokens, and with nothing staged rotate-root is refused.
func testRotateRootGitHub(t *testing.T, e *engine) {
	oldPub := rotPublicKey(t, e.githubKey)
	newKey := fakegithub.GenerateKey(t)
	// The operator adds a key on the App's settings page, then stages it.
	e.gh.SetAppKeys(githubAppID, oldPub, &newKey.PublicKey)
	newPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(newKey)}))
	if _, err := e.v.api().Logical().Write(e.path+"/config/gh", map[string]any{"staged_private_keys": []string{newPEM}}); err != nil {
		t.Fatalf("stage a key on config/gh: %v\n%s", err, e.v.logTail())
	}
	cfg := rotReadConfig(t, e, "gh")
	oldFP, _ := cfg["signing_key_fingerprint"].(string)
	staged, _ := cfg["staged_key_fingerprints"].([]any)
	if oldFP == "" || len(staged) != 1 || staged[0] == oldFP {
		t.Fatalf("config/gh shows signing key %q and staged keys %v; want one staged key besides the signing one", oldFP, staged)
	}

	e.writeRole(t, "gh", role("gh")...)
	before := e.readCreds(t, "gh")
	e.v.vault(t, "write", "-f", e.path+"/rotate-root/gh")
	cfg = rotReadConfig(t, e, "gh")
	if got := cfg["signing_key_fingerprint"]; got != staged[0] {
		t.Fatalf("after rotate-root config/gh signs with %v, want the staged key %v", got, staged[0])
	}
	if left, _ := cfg["staged_key_fingerprints"].([]any); len(left) != 0 {
		t.Fatalf("after rotate-root config/gh still stages %v", left)
	}
	rotTime(t, "config/gh", cfg, "last_rotated")

	// The operator deletes the old key on GitHub: only the new one signs.
	e.gh.SetAppKeys(githubAppID, &newKey.PublicKey)
	after := e.readCreds(t, "gh")
	e.requireLive(t, before, after)
	if _, _, err := e.v.srv.CLI("write", "-f", e.path+"/rotate-root/gh"); err == nil {
		t.Fatal("rotate-root/gh with no staged key succeeded; want it refused")
	}
	e.revokeAll(t, before, after)
}

// rotPublicKey is the public half of a PEM RSA private key.
func rotPublicKey(t *testing.T, privatePEM string) *rsa.PublicKey {
	t.Helper()
	block, _ := pem.Decode([]byte(privatePEM))
	if block == nil {
		t.Fatal("the App key is not PEM")
	}
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return &key.PublicKey
}

// TestRotationScheduleSurvives runs a GitLab connection's one-minute
// schedule through a disruption: after the first scheduled rotation Vault
// restarts (file storage), or the plugin process is killed, and the next
// rotation still comes, with no request to the engine in between. Each has
// a server of its own.
func TestRotationScheduleSurvives(t *testing.T) {
	t.Parallel()
	for _, sc := range []struct {
		name    string
		storage vaultserver.Storage
		disrupt func(*testing.T, *vaultEnv)
	}{
		{"vault restart", vaultserver.StorageFile, func(t *testing.T, v *vaultEnv) {
			if err := v.srv.Restart(); err != nil {
				t.Fatal(err)
			}
		}},
		{"plugin killed", vaultserver.StorageInmem, func(t *testing.T, v *vaultEnv) { killPlugin(t, v) }},
	} {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			v := startVault(t, sc.storage)
			testScheduledRootRotation(t, v.mountEngine(t, "git"), func() { sc.disrupt(t, v) })
		})
	}
}

// testScheduledRootRotation sets rotation_period=1m on config/gl and
// watches the engine's token rotate at the fake GitLab, before and after
// disrupt.
func testScheduledRootRotation(t *testing.T, e *engine, disrupt func()) {
	owner := rotConnOwnerOf(t, e)
	e.v.vault(t, "write", e.path+"/config/gl", "rotation_period=1m")
	cfg := rotReadConfig(t, e, "gl")
	if cfg["rotation_managed_by"] != "engine" {
		t.Fatalf("config/gl: rotation_managed_by is %v; on Vault %s the engine must run the schedule", cfg["rotation_managed_by"], e.v.version)
	}
	if got := fmt.Sprint(cfg["rotation_period"]); got != "60" {
		t.Fatalf("config/gl: rotation_period is %s, want 60", got)
	}
	rotTime(t, "config/gl", cfg, "next_rotation")

	first := owner.waitRotatedFrom(t, e, owner.seeded, rotScheduleTimeout, "first scheduled rotation")
	if _, live := e.gl.Lookup(e.gitlabToken); live {
		t.Fatal("the seeded connection token still works after the scheduled rotation")
	}
	cfg = rotWaitConfigTokenID(t, e, "gl", first.ID)
	firstAt := rotTime(t, "config/gl", cfg, "last_rotated")
	if next := rotTime(t, "config/gl", cfg, "next_rotation"); next.Sub(firstAt) != time.Minute {
		t.Errorf("config/gl: next_rotation %s is not rotation_period after last_rotated %s", next.Format(time.RFC3339), firstAt.Format(time.RFC3339))
	}
	t.Logf("first scheduled rotation at %s (token %d)", firstAt.Format(time.RFC3339), first.ID)

	disrupt()
	disruptedAt := time.Now().Truncate(time.Second)
	t.Logf("disruption over at %s", disruptedAt.Format(time.RFC3339))
	second := owner.waitRotatedFrom(t, e, first.ID, rotScheduleTimeout, "the scheduled rotation after the disruption")
	cfg = rotWaitConfigTokenID(t, e, "gl", second.ID)
	secondAt := rotTime(t, "config/gl", cfg, "last_rotated")
	if secondAt.Before(disruptedAt) {
		t.Fatalf("config/gl: last_rotated %s is before the disruption ended at %s", secondAt.Format(time.RFC3339), disruptedAt.Format(time.RFC3339))
	}
	t.Logf("next scheduled rotation at %s (token %d)", secondAt.Format(time.RFC3339), second.ID)

	// The engine works with whatever token is current now.
	e.writeRole(t, "gl-deploy", role("gl-deploy")...)
	c := e.readCreds(t, "gl-deploy")
	e.requireLive(t, c)
	e.revokeAll(t, c)
}

// testStaticRoleRotation: a project token static role with a one-minute
// rotation_period. static-creds hands out a token that works; rotate-role
// replaces it at once, and the replaced token works until its grace period
// ends and dies then; meanwhile the schedule replaces the token again,
// keeping the one it replaced in its grace period; deleting the role revokes
// every token it holds.
func testStaticRoleRotation(t *testing.T, e *engine) {
	const name = "rot-static"
	rotWriteStaticRole(t, e, name, "token_type=project", "path="+gitlabProj, "scopes=read_api,read_repository",
		"access_level=developer", "rotation_period=1m", "grace_period="+rotGrace.String())

	a := rotReadStatic(t, e, name)
	rotRequireStaticLive(t, e, "the first static token", a)
	if a.Username == "" || a.TokenType != "project" || a.RotationPeriod != 60 || a.GracePeriod != int64(rotGrace.Seconds()) {
		t.Fatalf("static-creds/%s: username %q, token_type %q, rotation_period %d, grace_period %d; want a username, project, 60, %d",
			name, a.Username, a.TokenType, a.RotationPeriod, a.GracePeriod, int64(rotGrace.Seconds()))
	}
	if a.TTL < 0 || a.TTL > 60 || a.LastRotated == "" || a.NextRotation == "" || a.ExpiresAt == "" {
		t.Fatalf("static-creds/%s: ttl %d, last_rotated %q, next_rotation %q, expires_at %q; want ttl within the period and all three times",
			name, a.TTL, a.LastRotated, a.NextRotation, a.ExpiresAt)
	}
	inv := e.inventory(t)
	if got, ok := inv[a.TokenRef]; len(inv) != 1 || !ok || !got.Static || !got.Current || got.Role != name || got.Requester != "" {
		t.Fatalf("tokens/ lists %+v; want only the static role's current token (%s), marked static and current, with no requester", inv, a.TokenRef)
	}

	b := rotRotateRole(t, e, name)
	if b.TokenID == a.TokenID {
		t.Fatalf("static-creds/%s still shows %v after rotate-role", name, a)
	}
	rotRequireStaticLive(t, e, "the token rotate-role made", b)
	graceA := rotGraced{a, rotPreviousRevokeAfter(t, e, name, a.TokenID)}
	// The token it replaced works until its grace period ends.
	if _, err := rotGraceCheck(e, graceA); err != nil {
		t.Fatalf("%v\n--- end of the Vault log ---\n%s", err, e.v.logTail())
	}

	// The schedule replaces b a period after rotate-role; a's grace period
	// ends first, and a must work until then.
	var c *rotStaticCreds
	e.v.eventually(t, rotScheduleTimeout, "scheduled rotation of static role "+name, func() error {
		if _, err := rotGraceCheck(e, graceA); err != nil {
			return err
		}
		cur, err := rotTryReadStatic(e, name)
		if err != nil {
			return err
		}
		if cur.TokenID == b.TokenID {
			return fmt.Errorf("static-creds/%s still shows %v (next_rotation %s)", name, b, cur.NextRotation)
		}
		c = cur
		return nil
	})
	rotRequireStaticLive(t, e, "the token the schedule made", c)
	// The token the schedule replaced works until its grace period ends.
	if _, err := rotGraceCheck(e, rotGraced{b, rotPreviousRevokeAfter(t, e, name, b.TokenID)}); err != nil {
		t.Fatalf("%v\n--- end of the Vault log ---\n%s", err, e.v.logTail())
	}
	rotWatchGrace(t, e, graceA)

	// Whatever the role holds now dies with it.
	seen := []*rotStaticCreds{a, b, c, rotReadStatic(t, e, name)}
	e.v.vault(t, "delete", e.path+"/static-roles/"+name)
	rotRequireStaticDead(t, e, "after deleting the static role", seen...)
	if _, err := rotTryReadStatic(e, name); err == nil {
		t.Fatalf("static-creds/%s still answers after the role was deleted", name)
	}
}

// rotRotateRole runs `vault write -f <mount>/rotate-role/<name>` and returns
// static-creds as it reads right after, which must show the token
// rotate-role answered with.
func rotRotateRole(t *testing.T, e *engine, name string) *rotStaticCreds {
	t.Helper()
	var resp struct {
		Data struct {
			TokenID int64 `json:"token_id"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(e.v.vault(t, "write", "-format=json", "-f", e.path+"/rotate-role/"+name)), &resp); err != nil {
		t.Fatalf("vault write rotate-role/%s: output is not JSON: %v", name, err)
	}
	c := rotReadStatic(t, e, name)
	if c.TokenID != resp.Data.TokenID {
		t.Fatalf("rotate-role/%s answered token %d, but static-creds shows %v", name, resp.Data.TokenID, c)
	}
	return c
}

// testAgentFollowsStaticRole runs `vault agent` with a template over
// static-creds/ of a deploy token role with a one-minute rotation_period.
// Agent re-reads a secret without a lease when its ttl runs out, so after
// rotate-role the file changes to the new token within the period.
func testAgentFollowsStaticRole(t *testing.T, e *engine) {
	const name = "rot-agent"
	rotWriteStaticRole(t, e, name, "token_type=deploy", "path="+gitlabProj, "scopes=read_registry",
		"rotation_period=1m", "grace_period="+rotGrace.String())
	policy := "rot-static-" + e.path
	rules := fmt.Sprintf("path %q {\n  capabilities = [\"read\"]\n}\n", e.path+"/static-creds/"+name)
	if err := e.v.api().Sys().PutPolicy(policy, rules); err != nil {
		t.Fatalf("write policy %s: %v", policy, err)
	}
	token := e.v.childToken(t, "rot-agent", policy)

	dir := t.TempDir()
	out := filepath.Join(dir, "static.txt")
	tmpl := fmt.Sprintf("{{ with secret %q }}{{ .Data.token_id }} {{ .Data.token }}{{ end }}\n", e.path+"/static-creds/"+name)
	a := startAgent(t, e.v, dir, token, tmpl, out)

	var first *rotStaticCreds
	e.v.eventually(t, time.Minute, "vault agent renders static-creds", func() error {
		var err error
		first, err = rotRendered(a, out)
		return err
	})
	rotRequireStaticLive(t, e, "the token vault agent rendered first", first)

	rotated := rotRotateRole(t, e, name)
	// The agent's next read comes when the ttl it saw runs out, at most a
	// period after its first; a scheduled rotation may have come since.
	var rendered *rotStaticCreds
	e.v.eventually(t, time.Minute+rotTickSlack, "vault agent renders the token rotate-role made", func() error {
		got, err := rotRendered(a, out)
		if err != nil {
			return err
		}
		if got.TokenID < rotated.TokenID {
			return fmt.Errorf("the file shows %v, not yet %v or a later one", got, rotated)
		}
		rendered = got
		return nil
	})
	rotRequireStaticLive(t, e, "the token vault agent rendered after rotate-role", rendered)
	a.stop(t)

	e.v.vault(t, "delete", e.path+"/static-roles/"+name)
	rotRequireStaticDead(t, e, "after deleting the static role", first, rendered)
}
