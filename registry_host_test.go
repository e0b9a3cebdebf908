package gitsecrets

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider/github"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider/gitlab"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
)

// dockerAuths reads the registry hosts out of a creds response's
// docker_config_json.
func dockerAuths(t *testing.T, data map[string]any) map[string]struct{ Username, Password string } {
	t.Helper()
	var doc struct {
		Auths map[string]struct{ Username, Password string } `json:"auths"`
	}
	if err := json.Unmarshal([]byte(data["docker_config_json"].(string)), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Auths
}

func hasWarning(resp *logical.Response, part string) bool {
	if resp == nil {
		return false
	}
	for _, w := range resp.Warnings {
		if strings.Contains(w, part) {
			return true
		}
	}
	return false
}

// TestRegistryGHESWithoutRegistryHost: a GitHub Enterprise Server
// connection without registry_host pairs its tokens with no registry (its
// tokens are not valid on ghcr.io), says so on the config write, and shows
// an empty registry_host; once registry_host is set, creds use it.
func TestRegistryGHESWithoutRegistryHost(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	resp := e.ok(logical.UpdateOperation, "config/gh", map[string]any{"base_url": e.gh.GHESURL()})
	if !hasWarning(resp, "registry_host is not set") {
		t.Fatalf("config write without registry_host gave no warning: %#v", resp)
	}
	if got := e.ok(logical.ReadOperation, "config/gh", nil).Data["registry_host"]; got != "" {
		t.Fatalf("config read registry_host = %q, want empty", got)
	}
	e.ok(logical.CreateOperation, "roles/pull", map[string]any{"config": "gh", "owner": "acme", "permissions": "packages=read"})
	creds := e.ok(logical.ReadOperation, "creds/pull", nil)
	// docker_config_json holds the token: only its presence is shown.
	for _, k := range []string{"registry", "docker_config_json"} {
		if _, has := creds.Data[k]; has {
			t.Errorf("GHES creds carry %s (registry %v)", k, creds.Data["registry"])
		}
	}
	if err := e.revoke(creds); err != nil {
		t.Fatal(err)
	}

	resp = e.ok(logical.UpdateOperation, "config/gh", map[string]any{"registry_host": "containers.ghe.example.test"})
	if hasWarning(resp, "registry_host") {
		t.Fatalf("warning with registry_host set: %v", resp.Warnings)
	}
	creds = e.ok(logical.ReadOperation, "creds/pull", nil)
	defer func() { _ = e.revoke(creds) }()
	if creds.Data["registry"] != "containers.ghe.example.test" || dockerAuths(t, creds.Data)["containers.ghe.example.test"].Password == "" {
		t.Fatalf("creds with registry_host set: registry %v", creds.Data["registry"])
	}
}

// TestRegistrySelfManagedGitLab: a self-managed GitLab connection without
// registry_host pairs project and deploy tokens with the registry GitLab
// names in container_registry_image_prefix, never registry.gitlab.com;
// tokens nothing names a registry for get none.
func TestRegistrySelfManagedGitLab(t *testing.T) {
	t.Parallel()
	const registry = "registry.gitlab.example.test"
	e := newTestEnv(t)
	gl := fakegitlab.Start(t, fakegitlab.Options{RegistryHost: registry})
	gl.AddGroup("acme")
	gl.AddProject("acme/app")
	resp := e.ok(logical.CreateOperation, "config/gl", map[string]any{"provider": "gitlab", "token": adminToken(t, gl), "base_url": gl.URL()})
	if !hasWarning(resp, "container_registry_image_prefix") {
		t.Fatalf("config write without registry_host gave no warning: %#v", resp)
	}
	if got := e.ok(logical.ReadOperation, "config/gl", nil).Data["registry_host"]; got != "" {
		t.Fatalf("config read registry_host = %q, want empty", got)
	}
	for _, role := range []map[string]any{
		{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_registry"},
		{"config": "gl", "token_type": "deploy", "path": "acme/app", "scopes": "read_registry"},
	} {
		name := "pull-" + role["token_type"].(string)
		e.ok(logical.UpdateOperation, "roles/"+name, role)
		creds := e.ok(logical.ReadOperation, "creds/"+name, nil)
		if creds.Data["registry"] != registry || dockerAuths(t, creds.Data)[registry].Password != creds.Data["token"] {
			t.Errorf("%s token: registry %v, want %s", role["token_type"], creds.Data["registry"], registry)
		}
		if err := e.revoke(creds); err != nil {
			t.Fatal(err)
		}
	}
	e.ok(logical.UpdateOperation, "roles/pull-group", map[string]any{"config": "gl", "token_type": "group", "path": "acme", "scopes": "read_registry"})
	creds := e.ok(logical.ReadOperation, "creds/pull-group", nil)
	if _, has := creds.Data["docker_config_json"]; has {
		t.Errorf("group token paired with registry %v, which nothing named", creds.Data["registry"])
	}
	if err := e.revoke(creds); err != nil {
		t.Fatal(err)
	}
}

// TestRegistryLegacyDefaultDropped: a connection stored by an engine that
// filled registry_host with ghcr.io whatever base_url was no longer pairs
// GHES tokens with ghcr.io.
func TestRegistryLegacyDefaultDropped(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	e.ok(logical.UpdateOperation, "config/gh", map[string]any{"base_url": e.gh.GHESURL()})
	conn, err := e.b.connection(t.Context(), e.storage, "gh")
	if err != nil {
		t.Fatal(err)
	}
	conn.RegistryHost, conn.RegistryHostSet = "ghcr.io", false // as the old engine stored it
	if err := e.b.putConnection(t.Context(), e.storage, conn); err != nil {
		t.Fatal(err)
	}
	if got := e.ok(logical.ReadOperation, "config/gh", nil).Data["registry_host"]; got != "" {
		t.Fatalf("config read registry_host = %q, want empty", got)
	}
	e.ok(logical.CreateOperation, "roles/pull", map[string]any{"config": "gh", "owner": "acme", "permissions": "packages=read"})
	creds := e.ok(logical.ReadOperation, "creds/pull", nil)
	defer func() { _ = e.revoke(creds) }()
	if v, has := creds.Data["registry"]; has {
		t.Fatalf("GHES creds from a legacy entry carry registry %v", v)
	}
}

// redirectKind is a provider whose clients send every request to a fake,
// so that a connection can keep the public base_url.
type redirectKind struct {
	provider.Kind
	to *url.URL
}

func (k redirectKind) NewClient(c *provider.Connection, opts provider.Options) (provider.Client, error) {
	opts.HTTPClient = &http.Client{Timeout: time.Minute, Transport: redirectTransport{k.to}}
	return k.Kind.NewClient(c, opts)
}

type redirectTransport struct{ to *url.URL }

func (rt redirectTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host = rt.to.Scheme, rt.to.Host
	req.Host = ""
	return http.DefaultTransport.RoundTrip(req)
}

// TestRegistryPublicDefaults: on the public base_url (the default), creds
// pair with ghcr.io and registry.gitlab.com, and the config write does not
// warn.
func TestRegistryPublicDefaults(t *testing.T) {
	t.Parallel()
	gh := fakegithub.Start(t, fakegithub.Options{})
	key := appKey(t)
	gh.AddApp(fakegithub.App{ID: testAppID, ClientID: "Iv1.testclient", Slug: "vault-git", Name: "Vault Git"}, &key.PublicKey)
	gh.AddInstallation(fakegithub.Installation{AppID: testAppID, Account: "acme", AccountType: "Organization",
		AllRepos: []string{"app"}, Permissions: map[string]string{"metadata": "read", "packages": "read"}})
	gl := fakegitlab.Start(t, fakegitlab.Options{RegistryHost: "registry.gitlab.com"})
	gl.AddGroup("acme")
	gl.AddProject("acme/app")
	ghURL, _ := url.Parse(gh.URL())
	glURL, _ := url.Parse(gl.URL())
	e := newTestEnvWith(t, []provider.Kind{redirectKind{github.Kind{}, ghURL}, redirectKind{gitlab.Kind{}, glURL}})

	for _, c := range []struct {
		config, registry string
		data             map[string]any
		role             map[string]any
	}{
		{"gh", "ghcr.io", map[string]any{"provider": "github", "app_id": testAppID, "private_key": pemPKCS1(key)},
			map[string]any{"config": "gh", "owner": "acme", "permissions": "packages=read"}},
		{"gl", "registry.gitlab.com", map[string]any{"provider": "gitlab", "token": adminToken(t, gl), "base_url": "https://gitlab.com/"},
			map[string]any{"config": "gl", "token_type": "group", "path": "acme", "scopes": "read_registry"}},
	} {
		resp := e.ok(logical.CreateOperation, "config/"+c.config, c.data)
		if hasWarning(resp, "registry_host") {
			t.Errorf("%s: warning on the public base_url: %v", c.config, resp.Warnings)
		}
		if got := e.ok(logical.ReadOperation, "config/"+c.config, nil).Data["registry_host"]; got != c.registry {
			t.Errorf("%s: config read registry_host = %v, want %s", c.config, got, c.registry)
		}
		e.ok(logical.CreateOperation, "roles/"+c.config, c.role)
		creds := e.ok(logical.ReadOperation, "creds/"+c.config, nil)
		if creds.Data["registry"] != c.registry || dockerAuths(t, creds.Data)[c.registry].Password != creds.Data["token"] {
			t.Errorf("%s: creds registry %v, want %s", c.config, creds.Data["registry"], c.registry)
		}
		if err := e.revoke(creds); err != nil {
			t.Fatal(err)
		}
	}
}
