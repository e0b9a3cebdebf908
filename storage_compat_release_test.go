package gitsecrets

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/logical"
)

// TestReleaseConnectionAndRootTokenWALWork: a GitLab connection as the
// release before the provider seam stored it (testdata), with a key no
// release knows, and that release's root_token write-ahead log entry (a
// rotated token whose connection write was lost) work with today's build:
// the start applies the logged token through Kind.SetCredential, a config
// read shows neither token nor the unknown key, and the connection issues,
// revokes and rotates.
func TestReleaseConnectionAndRootTokenWALWork(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	addProjectRole(e)
	ctx := context.Background()
	raw, err := os.ReadFile("testdata/storage/gitlab_config_gl.json")
	if err != nil {
		t.Fatal(err)
	}
	var stored map[string]any
	if err := json.Unmarshal(raw, &stored); err != nil {
		t.Fatal(err)
	}
	stored["base_url"], stored["token"], stored["retired_field"] = w.gl.URL(), w.token, "retired-secret-value"
	entry, err := logical.StorageEntryJSON(configStoragePrefix+"gl", stored)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.storage.Put(ctx, entry); err != nil {
		t.Fatal(err)
	}
	admin := w.liveConnectionToken(t).UserID
	next, _ := w.gl.AddPersonalToken(admin, "vault", []string{"api"}, e.clock.Now().AddDate(0, 3, 0))
	// The entry as that release wrote it: its JSON keys, not today's type.
	if _, err := framework.PutWAL(ctx, e.storage, walKindRootToken, map[string]any{
		"config": "gl", "token": next, "replaces": hashToken(w.token),
		"credential":  map[string]any{"token_id": 2, "scopes": []string{"api"}, "user_id": admin},
		"verified_at": e.clock.Now().UTC().Format("2006-01-02T15:04:05Z"),
		"rotation":    map[string]any{"managed_by": "engine", "last": "2025-03-11T12:00:00Z", "next": "2025-04-10T12:00:00Z"},
	}); err != nil {
		t.Fatal(err)
	}

	e.restart()
	e.requireStoredToken(next, "the start did not apply the release's root_token WAL entry")
	read := e.ok(logical.ReadOperation, "config/gl", nil)
	shown, _ := json.Marshal(read.Data)
	for _, secret := range []string{w.token, next, "retired-secret-value", "retired_field"} {
		if strings.Contains(string(shown), secret) {
			t.Fatalf("config read shows %q: %s", secret, shown)
		}
	}
	e.issueAndRevoke("app")
	e.ok(logical.UpdateOperation, "rotate-root/gl", nil)
	e.issueAndRevoke("app")
}
