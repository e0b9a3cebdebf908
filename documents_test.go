package gitsecrets

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	ghp "github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider/github"
	glp "github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider/gitlab"
)

// Tests read and write the providers' documents through the providers'
// own types, as the backend never does.

func ghScope(d provider.Scope) ghp.Scope { return docAs[ghp.Scope](d) }
func glScope(d provider.Scope) glp.Scope { return docAs[glp.Scope](d) }

// glToken is a connection's GitLab token.
func glToken(c *provider.Connection) string { return glp.Kind{}.Credential(c) }

func docAs[T any](d provider.Document) T {
	var v T
	if err := d.Decode(&v); err != nil {
		panic(err)
	}
	return v
}

// TestConnectionSettingsKeysStayTheProviders: a provider's settings sit
// beside the backend's keys in the config/ entry and read back as they were
// written, and a settings key that is one of the backend's is refused when
// the entry is encoded, so it can neither overwrite the backend's value nor
// be read back as it.
func TestConnectionSettingsKeysStayTheProviders(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"provider", "base_url", "rotation", "credential", "rotation_period", "registry_host_set"} {
		c := connection{Connection: provider.Connection{Provider: "x", Settings: provider.Encode(map[string]any{key: 1})}}
		if _, err := json.Marshal(c); err == nil {
			t.Errorf("settings key %q was stored beside the backend's", key)
		}
	}
	want := glp.Settings{Token: "glpat-x", TokenLifetime: 48 * time.Hour}
	c := &connection{Connection: provider.Connection{Provider: "gitlab", BaseURL: "https://gl.example", Settings: provider.Encode(want)}}
	entry, err := logical.StorageEntryJSON("config/gl", c)
	if err != nil {
		t.Fatal(err)
	}
	var flat map[string]any
	if err := json.Unmarshal(entry.Value, &flat); err != nil || flat["token"] != "glpat-x" || flat["base_url"] != "https://gl.example" {
		t.Fatalf("stored %s", entry.Value)
	}
	back, err := newTestEnv(t).b.decodeConnection("gl", entry)
	if err != nil {
		t.Fatal(err)
	}
	if got := docAs[glp.Settings](back.Settings); got != want || back.BaseURL != c.BaseURL {
		t.Fatalf("read back %+v, settings %+v", back.Connection, got)
	}
	var settings map[string]any
	if err := back.Settings.Decode(&settings); err != nil || len(settings) != 2 {
		t.Fatalf("the settings read back hold %v, not only the provider's keys", settings)
	}
}
