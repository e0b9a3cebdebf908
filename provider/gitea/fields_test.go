package gitea

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/vault/sdk/framework"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitea"
)

// TestSettingsDocument: the config fields land in Gitea's own settings
// document (username trimmed, password as written), which a read shows
// without the password, and Credential/SetCredential reach the password
// alone.
func TestSettingsDocument(t *testing.T) {
	k := Kind{}
	c := &provider.Connection{Name: "forge", BaseURL: "https://git.example.com"}
	d := &framework.FieldData{Raw: map[string]any{"username": " bot ", "password": " pw 1"}, Schema: k.ConnectionFields()}
	if err := k.ApplyConnection(c, d); err != nil {
		t.Fatal(err)
	}
	if err := k.ValidateConnection(c); err != nil {
		t.Fatal(err)
	}
	var keys map[string]string
	if err := json.Unmarshal(c.Settings, &keys); err != nil || len(keys) != 2 || keys["username"] != "bot" || keys["password"] != " pw 1" {
		t.Fatalf("settings document = %s (%v)", c.Settings, err)
	}
	data := k.ConnectionData(c)
	if data["username"] != "bot" || data["registry_host"] != "git.example.com" || strings.Contains(fmt.Sprint(data), "pw 1") {
		t.Fatalf("ConnectionData = %v", data)
	}
	if got := k.Credential(c); got != " pw 1" {
		t.Fatalf("Credential = %q", got)
	}
	if err := k.SetCredential(c, "pw 2"); err != nil || k.Credential(c) != "pw 2" || k.ConnectionData(c)["username"] != "bot" {
		t.Fatalf("SetCredential: %v, settings %s", err, c.Settings)
	}
	c.RegistryHost = "registry.example.com:5000"
	if _, set := k.ConnectionData(c)["registry_host"]; set {
		t.Fatal("ConnectionData overrides the operator's registry_host")
	}
}

// TestRotateCredential: the Kind's rotation is Final, carries the new
// password in the connection it returns, and keeps what Verify said of the
// server.
func TestRotateCredential(t *testing.T) {
	f := newFixture(t, fakegitea.Options{Flavour: fakegitea.Forgejo}, true)
	k := Kind{}
	c := &provider.Connection{Name: "forge", BaseURL: f.srv.URL(), Settings: provider.Encode(Settings{Username: bot, Password: botPassword})}
	newClient := func(c *provider.Connection) (provider.Client, error) { return k.NewClient(c, provider.Options{}) }
	rot, err := k.RotateCredential(context.Background(), c, provider.CredentialInfo{"server": "forgejo"}, f.client.now(), newClient)
	if err != nil {
		t.Fatal(err)
	}
	if !rot.Final || k.Credential(rot.Connection) != f.srv.Password(bot) || k.Credential(c) != botPassword {
		t.Fatalf("rotation: final %v, new password held %v, old connection kept %v", rot.Final,
			k.Credential(rot.Connection) == f.srv.Password(bot), k.Credential(c) == botPassword)
	}
	if rot.Info["server"] != "forgejo" || rot.Info["is_admin"] != true || strings.Contains(fmt.Sprint(rot.Info), f.srv.Password(bot)) {
		t.Fatalf("rotation info = %v", rot.Info)
	}
}

// TestPasswordLengthInCharacters: Gitea's MaxSize(255) counts characters
// (go-chi/binding: utf8.RuneCountInString), so a valid 200-character
// password of non-ASCII letters (400 bytes) is taken; 256 characters are
// not.
func TestPasswordLengthInCharacters(t *testing.T) {
	c := Connection{BaseURL: "https://git.example.com", Username: "bot", Password: strings.Repeat("é", 200)}
	if err := c.Validate(); err != nil {
		t.Fatalf("200 characters (400 bytes): %v", err)
	}
	c.Password = strings.Repeat("a", 256)
	if err := c.Validate(); err == nil {
		t.Fatal("256 characters accepted")
	}
}
