package gitlab

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/httpretry"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// TestIssueNamesTheProjectRegistry: on a self-managed instance without
// registry_host, a registry token on a project carries the host GitLab
// names in container_registry_image_prefix, learned from the lookup Issue
// makes anyway, or from one GET /projects/:id cached per client. Tokens on
// groups and users, and instances whose registry is off, get none.
func TestIssueNamesTheProjectRegistry(t *testing.T) {
	t.Parallel()
	const registry = "registry.example.test:5050"
	clk := fakeserver.NewClock(testStart)
	fake := fakegitlab.Start(t, fakegitlab.Options{Now: clk.Now, RegistryHost: registry})
	e := seed(t, fake, fake.URL(), clk)
	appID := e.fake.AddProject("acme/tools")
	id := strconv.FormatInt(appID, 10)

	issue := func(c *client, tokenType, path string, scopes ...string) *provider.Token {
		t.Helper()
		tok, err := c.Issue(context.Background(), e.request(tokenType, path, time.Hour, scopes...))
		if err != nil {
			t.Fatalf("Issue(%s %s): %v", tokenType, path, err)
		}
		t.Cleanup(func() { _ = c.Revoke(context.Background(), tok.Handle) })
		return tok
	}

	// A project by numeric id has no lookup of its own: one GET, once.
	e.fake.ResetCalls()
	for range 2 {
		if tok := issue(e.client, "project", id, "read_registry"); tok.RegistryHost != registry {
			t.Fatalf("project by id: RegistryHost = %q, want %q", tok.RegistryHost, registry)
		}
	}
	if n := e.fake.Calls("GET", "/projects/{id}"); n != 1 {
		t.Fatalf("GET /projects/:id called %d times for two tokens, want 1", n)
	}
	// A path lookup names it on a fresh client, with no further call.
	fresh := e.newClient(e.token)
	e.fake.ResetCalls()
	if tok := issue(fresh, "deploy", "acme/app", "read_registry"); tok.RegistryHost != registry {
		t.Fatalf("deploy on a project: RegistryHost = %q", tok.RegistryHost)
	}
	if n := e.fake.Calls("GET", "/projects/{id}"); n != 1 {
		t.Fatalf("GET /projects/:id called %d times, want only the path lookup", n)
	}
	if tok := issue(e.client, "group", "acme/platform", "read_registry"); tok.Registry != true || tok.RegistryHost != "" {
		t.Fatalf("group token: Registry %v, RegistryHost %q; groups name no registry", tok.Registry, tok.RegistryHost)
	}
	if tok := issue(e.client, "project", "acme/app", "read_repository"); tok.RegistryHost != "" {
		t.Fatalf("a token without registry scopes got RegistryHost %q", tok.RegistryHost)
	}

	// registry_host set: the client names nothing and asks nothing.
	named, err := newClient(withToken(provider.Connection{Provider: "gitlab", BaseURL: e.url, RegistryHost: "r.example.test"}, e.token),
		provider.Options{Now: clk.Now}, httpretry.Policy{Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	e.fake.ResetCalls()
	if tok := issue(named, "project", id, "read_registry"); tok.RegistryHost != "" {
		t.Fatalf("with registry_host set, RegistryHost = %q", tok.RegistryHost)
	}
	if n := e.fake.Calls("GET", "/projects/{id}"); n != 0 {
		t.Fatalf("with registry_host set, GET /projects/:id called %d times", n)
	}
}

func TestIssueNamesNoRegistryWhenGitLabHasNone(t *testing.T) {
	t.Parallel()
	clk := fakeserver.NewClock(testStart)
	fake := fakegitlab.Start(t, fakegitlab.Options{Now: clk.Now, RegistryDisabled: true})
	e := seed(t, fake, fake.URL(), clk)
	tok, err := e.client.Issue(context.Background(), e.request("project", "acme/app", time.Hour, "read_registry"))
	if err != nil {
		t.Fatal(err)
	}
	defer e.revoke(tok.Handle)
	if !tok.Registry || tok.RegistryHost != "" {
		t.Fatalf("Registry %v, RegistryHost %q; an instance without a registry names none", tok.Registry, tok.RegistryHost)
	}
}

func TestPrefixHost(t *testing.T) {
	t.Parallel()
	for prefix, want := range map[string]string{
		"registry.example.com/group/project": "registry.example.com",
		"Gitlab.Example.com:5050/g/p":        "gitlab.example.com:5050",
		"[::1]:5000/g/p":                     "[::1]:5000",
		"":                                   "",
		"/g/p":                               "",
		"user@host/g/p":                      "",
		"https://host/g/p":                   "",
		"host with space/g":                  "",
	} {
		if got := prefixHost(prefix); got != want {
			t.Errorf("prefixHost(%q) = %q, want %q", prefix, got, want)
		}
	}
}

// TestIssueWhenTheRegistryLookupFails: a failed GET /projects/:id costs the
// token its registry output, not the token, and is asked again next time.
func TestIssueWhenTheRegistryLookupFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := strconv.FormatInt(e.fake.AddProject("acme/tools"), 10)
	e.fake.InjectFault(fakegitlab.Fault{Method: "GET", Route: "/projects/{id}", Status: 403, Times: 1})
	tok := e.issue(e.request("project", id, time.Hour, "read_registry"))
	defer e.revoke(tok.Handle)
	if !tok.Registry || tok.RegistryHost != "" {
		t.Fatalf("Registry %v, RegistryHost %q after a failed lookup", tok.Registry, tok.RegistryHost)
	}
	again := e.issue(e.request("project", id, time.Hour, "read_registry"))
	defer e.revoke(again.Handle)
	if want := strings.TrimPrefix(e.url, "http://"); again.RegistryHost != want {
		t.Fatalf("RegistryHost %q after the lookup recovered, want %q", again.RegistryHost, want)
	}
}
