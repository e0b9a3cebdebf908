package gitsecrets

import (
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"

	"github.com/hashicorp/vault/sdk/logical"
)

func TestConfigGitHubReadNeverShowsKey(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	resp := e.ok(logical.ReadOperation, "config/gh", nil)
	for k, v := range resp.Data {
		if s, ok := v.(string); ok && strings.Contains(s, "PRIVATE KEY") {
			t.Fatalf("config read shows the private key in %q", k)
		}
	}
	if _, ok := resp.Data["private_key"]; ok {
		t.Fatal("config read has a private_key field")
	}
	if resp.Data["provider"] != "github" || resp.Data["app_id"] != int64(testAppID) {
		t.Fatalf("unexpected config read: %v", resp.Data)
	}
	fps, _ := resp.Data["key_fingerprints"].([]any)
	if len(fps) != 1 || !strings.HasPrefix(fps[0].(string), "SHA256:") {
		t.Fatalf("want one SHA256 key fingerprint, got %#v", resp.Data["key_fingerprints"])
	}
	// The fake is not api.github.com: ghcr.io is not its registry.
	if resp.Data["registry_host"] != "" {
		t.Fatalf("registry_host default: %v", resp.Data["registry_host"])
	}
}

func TestConfigGitHubAcceptsPKCS8AndGHESURLs(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	for _, url := range []string{e.gh.GHESURL(), e.gh.GHESURL() + "/"} {
		e.ok(logical.UpdateOperation, "config/gh", map[string]any{
			"private_key": pemPKCS8(t, appKey(t)),
			"base_url":    url,
		})
		e.ok(logical.CreateOperation, "roles/r", map[string]any{"config": "gh", "owner": "acme"})
		resp := e.ok(logical.ReadOperation, "creds/r", nil)
		if err := e.revoke(resp); err != nil {
			t.Fatalf("revoke through %s: %v", url, err)
		}
	}
}

func TestConfigWriteRefusals(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		path string
		data map[string]any
		want string
	}{
		{"no provider", "config/x", map[string]any{"app_id": 1}, "provider is required"},
		{"unknown provider", "config/x", map[string]any{"provider": "bitbucket"}, "provider"},
		{"provider change", "config/gh", map[string]any{"provider": "gitlab"}, "cannot be changed"},
		{"other provider's field", "config/gh", map[string]any{"token": "glpat-x"}, "token applies to gitlab"},
		{"garbage key", "config/gh", map[string]any{"private_key": "not a key"}, "private_key"},
		{"key GitHub does not know", "config/gh", map[string]any{"private_key": pemPKCS1(other)}, "did not accept"},
		{"relative base_url", "config/gh", map[string]any{"base_url": "api.github.com"}, "absolute"},
		{"credentials in base_url", "config/gh", map[string]any{"base_url": "https://u:p@ghe.example.com/api/v3"}, "credentials"},
		{"bad ca_cert", "config/gh", map[string]any{"ca_cert": "nope"}, "ca_cert"},
		{"registry host with path", "config/gh", map[string]any{"registry_host": "ghcr.io/acme"}, "registry_host"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := e.bad(logical.UpdateOperation, c.path, c.data)
			if !strings.Contains(msg, c.want) {
				t.Fatalf("message %q does not mention %q", msg, c.want)
			}
			if strings.Contains(msg, "PRIVATE KEY") {
				t.Fatalf("message leaks the key: %q", msg)
			}
		})
	}
	// A refused write leaves the working connection as it was.
	e.ok(logical.CreateOperation, "roles/r", map[string]any{"config": "gh", "owner": "acme"})
	resp := e.ok(logical.ReadOperation, "creds/r", nil)
	if err := e.revoke(resp); err != nil {
		t.Fatal(err)
	}
}

func TestConfigListAndDelete(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	resp := e.ok(logical.ListOperation, "config/", nil)
	if keys := resp.Data["keys"].([]string); len(keys) != 1 || keys[0] != "gh" {
		t.Fatalf("list: %v", resp.Data)
	}
	e.ok(logical.DeleteOperation, "config/gh", nil)
	if resp := e.ok(logical.ReadOperation, "config/gh", nil); resp != nil {
		t.Fatalf("deleted config still reads: %v", resp.Data)
	}
}
