package gitsecrets

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
)

var (
	stagedKeyOnce sync.Once
	stagedTestKey *rsa.PrivateKey
)

// secondKey is a second App key for the whole test binary.
func secondKey(t testing.TB) *rsa.PrivateKey {
	stagedKeyOnce.Do(func() { stagedTestKey = fakegithub.GenerateKey(t) })
	return stagedTestKey
}

// fingerprintOf is the key's fingerprint as GitHub's settings page shows it.
func fingerprintOf(t testing.TB, k *rsa.PrivateKey) string {
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	return "SHA256:" + base64.StdEncoding.EncodeToString(sum[:])
}

// newGitHubRotEnv is a community-edition backend with config/gh (signing
// with appKey) and role r on a fake GitHub that follows the test clock.
func newGitHubRotEnv(t testing.TB, config map[string]any) (*rotEnv, *fakegithub.Server) {
	t.Helper()
	clock := newTestClock()
	gh := fakegithub.Start(t, fakegithub.Options{Now: clock.Now})
	gh.AddApp(fakegithub.App{ID: testAppID, ClientID: "Iv1.testclient", Slug: "vault-git"}, &appKey(t).PublicKey)
	gh.AddInstallation(fakegithub.Installation{
		AppID: testAppID, Account: "acme", AccountType: "Organization",
		AllRepos: []string{"app"}, Permissions: map[string]string{"contents": "read", "metadata": "read"},
	})
	e := newRotEnv(t, clock, communityView{systemDefaults()})
	data := map[string]any{"provider": "github", "app_id": testAppID, "private_key": pemPKCS1(appKey(t)), "base_url": gh.URL()}
	for k, v := range config {
		data[k] = v
	}
	e.ok(logical.CreateOperation, "config/gh", data)
	e.ok(logical.CreateOperation, "roles/r", map[string]any{"config": "gh", "owner": "acme"})
	return e, gh
}

func assertKeys(t *testing.T, data map[string]any, signing string, staged ...string) {
	t.Helper()
	if data["signing_key_fingerprint"] != signing {
		t.Fatalf("signing_key_fingerprint %v, want %s", data["signing_key_fingerprint"], signing)
	}
	if staged == nil {
		staged = []string{}
	}
	if !reflect.DeepEqual(data["staged_key_fingerprints"], staged) {
		t.Fatalf("staged_key_fingerprints %v, want %v", data["staged_key_fingerprints"], staged)
	}
	for k, v := range data {
		if s, ok := v.(string); ok && strings.Contains(s, "PRIVATE KEY") {
			t.Fatalf("%s shows a private key", k)
		}
	}
}

// TestGitHubRotateRootMovesToStagedKey follows the operator's procedure:
// add a key on GitHub, stage it, rotate, delete the old key on GitHub.
func TestGitHubRotateRootMovesToStagedKey(t *testing.T) {
	t.Parallel()
	e, gh := newGitHubRotEnv(t, nil)
	oldKey, newKey := appKey(t), secondKey(t)
	oldFP, newFP := fingerprintOf(t, oldKey), fingerprintOf(t, newKey)

	if msg := e.bad(logical.UpdateOperation, "rotate-root/gh", nil); !strings.Contains(msg, "staged_private_keys") {
		t.Fatalf("rotate-root without a staged key: %q", msg)
	}

	gh.SetAppKeys(testAppID, &oldKey.PublicKey, &newKey.PublicKey)
	e.ok(logical.UpdateOperation, "config/gh", map[string]any{"staged_private_keys": pemPKCS8(t, newKey)})
	assertKeys(t, e.ok(logical.ReadOperation, "config/gh", nil).Data, oldFP, newFP)

	e.clock.Advance(time.Hour)
	resp := e.ok(logical.UpdateOperation, "rotate-root/gh", nil)
	assertKeys(t, resp.Data, newFP)
	read := e.ok(logical.ReadOperation, "config/gh", nil)
	assertKeys(t, read.Data, newFP)
	if got := mustTime(t, read.Data["last_rotated"]); !got.Equal(e.clock.Now()) {
		t.Fatalf("last_rotated %s", got)
	}

	// The operator deletes the old key on GitHub; the engine does not need it.
	gh.SetAppKeys(testAppID, &newKey.PublicKey)
	e.issueAndRevoke("r")
	e.restart()
	e.issueAndRevoke("r")
}

func TestGitHubStagedKeysRefused(t *testing.T) {
	t.Parallel()
	e, gh := newGitHubRotEnv(t, nil)
	cases := []struct {
		name string
		keys any
		want string
	}{
		{"unknown to GitHub", pemPKCS1(secondKey(t)), "did not accept staged key 1"},
		{"the signing key again", pemPKCS1(appKey(t)), "same key"},
		{"not a key", "not a key", "private key 2"},
		{"more than GitHub holds", strings.Split(strings.Repeat("x,", 25), ",")[:25], "at most 25"},
	}
	for _, c := range cases {
		msg := e.bad(logical.UpdateOperation, "config/gh", map[string]any{"staged_private_keys": c.keys})
		if !strings.Contains(msg, c.want) || strings.Contains(msg, "PRIVATE KEY") {
			t.Errorf("%s: %q, want it to mention %q", c.name, msg, c.want)
		}
	}
	// Refused writes left the connection as it was.
	assertKeys(t, e.ok(logical.ReadOperation, "config/gh", nil).Data, fingerprintOf(t, appKey(t)))
	_ = gh
}

// TestGitHubRotationKeepsWorkingKey: a staged key GitHub no longer
// accepts is not moved to; the current key keeps signing.
func TestGitHubRotationKeepsWorkingKey(t *testing.T) {
	t.Parallel()
	e, gh := newGitHubRotEnv(t, nil)
	oldKey, newKey := appKey(t), secondKey(t)
	gh.SetAppKeys(testAppID, &oldKey.PublicKey, &newKey.PublicKey)
	e.ok(logical.UpdateOperation, "config/gh", map[string]any{"staged_private_keys": pemPKCS1(newKey)})
	gh.SetAppKeys(testAppID, &oldKey.PublicKey) // deleted on GitHub too early

	resp, err := e.request(logical.UpdateOperation, "rotate-root/gh", nil)
	if err == nil && !resp.IsError() {
		t.Fatal("rotated to a key GitHub refuses")
	}
	assertKeys(t, e.ok(logical.ReadOperation, "config/gh", nil).Data, fingerprintOf(t, oldKey), fingerprintOf(t, newKey))
	e.issueAndRevoke("r")
}

func TestGitHubScheduledRotation(t *testing.T) {
	t.Parallel()
	e, gh := newGitHubRotEnv(t, nil)
	oldKey, newKey := appKey(t), secondKey(t)
	gh.SetAppKeys(testAppID, &oldKey.PublicKey, &newKey.PublicKey)
	e.ok(logical.UpdateOperation, "config/gh", map[string]any{
		"staged_private_keys": pemPKCS1(newKey), "rotation_period": "720h",
	})
	due := rotationStart.Add(720 * time.Hour)
	e.at(due.Add(-time.Minute))
	assertKeys(t, e.ok(logical.ReadOperation, "config/gh", nil).Data, fingerprintOf(t, oldKey), fingerprintOf(t, newKey))
	e.at(due)
	read := e.ok(logical.ReadOperation, "config/gh", nil)
	assertKeys(t, read.Data, fingerprintOf(t, newKey))
	gh.SetAppKeys(testAppID, &newKey.PublicKey)
	e.issueAndRevoke("r")

	// Next time there is no staged key: the rotation is skipped with a
	// clear error, and waits for the following period rather than retrying
	// every minute.
	next := due.Add(720 * time.Hour)
	e.at(next)
	read = e.ok(logical.ReadOperation, "config/gh", nil)
	msg, _ := read.Data["last_rotation_error"].(string)
	if !strings.Contains(msg, "no staged key") {
		t.Fatalf("last_rotation_error %q", msg)
	}
	if got := mustTime(t, read.Data["next_rotation"]); !got.Equal(next.Add(720 * time.Hour)) {
		t.Fatalf("next_rotation %s after a skipped rotation", got)
	}
	assertKeys(t, read.Data, fingerprintOf(t, newKey))
	e.issueAndRevoke("r")

	// Writing a schedule with no staged key says so.
	resp := e.ok(logical.UpdateOperation, "config/gh", map[string]any{"rotation_period": "360h"})
	if resp == nil || len(resp.Warnings) == 0 || !strings.Contains(resp.Warnings[0], "no staged key") {
		t.Fatalf("no warning about the missing staged key: %v", resp)
	}
}
