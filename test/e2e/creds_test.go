package e2e

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
)

// tokenScope is what a token must have got at the provider.
type tokenScope struct {
	// github
	repos []string
	perms map[string]string
	// gitlab
	kind     string
	scopes   []string
	level    int    // access level of project and group tokens
	parent   string // the project, group or user the token belongs to
	username string // "" when the fake chooses it (bot users)
}

// testCredsEachTokenType reads creds/ with `vault read` for every provider
// and token type, checks that each token is live at its fake with exactly
// the role's scope, and that tokens/ lists each with its role and requester
// and never its value.
func testCredsEachTokenType(t *testing.T, e *engine) {
	cases := []struct {
		role string
		want tokenScope
	}{
		{"gh", tokenScope{repos: []string{"app", "infra"}, perms: map[string]string{"contents": "read", "pull_requests": "write"}}},
		{"gl-project", tokenScope{kind: fakegitlab.KindProject, scopes: []string{"read_api", "read_repository"}, level: 30, parent: fmt.Sprintf("projects/%d", e.glProject)}},
		{"gl-group", tokenScope{kind: fakegitlab.KindGroup, scopes: []string{"read_api", "read_registry"}, level: 20, parent: fmt.Sprintf("groups/%d", e.glGroup)}},
		{"gl-deploy", tokenScope{kind: fakegitlab.KindDeploy, scopes: []string{"read_registry", "read_repository"}, parent: fmt.Sprintf("projects/%d", e.glProject)}},
		{"gl-personal", tokenScope{kind: fakegitlab.KindPersonal, scopes: []string{"read_api"}, parent: fmt.Sprintf("users/%d", e.glBot), username: gitlabBot}},
	}
	var issued []*creds
	for _, c := range cases {
		t.Run(c.role, func(t *testing.T) {
			e.writeRole(t, c.role, role(c.role, "ttl=15m")...)
			got := e.readCreds(t, c.role)
			issued = append(issued, got)

			if got.Renewable || got.LeaseDuration != 15*60 || !strings.HasPrefix(got.LeaseID, e.path+"/creds/"+c.role+"/") {
				t.Errorf("lease %s: duration %ds renewable %v, want 900s, not renewable", got.LeaseID, got.LeaseDuration, got.Renewable)
			}
			if got.Data["role"] != c.role || got.Data["username"] == "" {
				t.Errorf("%v: role %v, username %v", got, got.Data["role"], got.Data["username"])
			}
			if msg := e.scopeMismatch(got, c.want); msg != "" {
				t.Errorf("%v: %s", got, msg)
			}
		})
	}

	root := e.v.displayName(t, "")
	inv := e.inventory(t)
	for _, c := range issued {
		entry, ok := inv[c.ref()]
		if !ok {
			t.Errorf("tokens/ does not list %v", c)
			continue
		}
		if entry.Role != c.Data["role"] || entry.Config != c.Data["config"] || entry.Requester != root {
			t.Errorf("tokens/ lists %v as role %q config %q requester %q, want %v, %v, %q",
				c, entry.Role, entry.Config, entry.Requester, c.Data["role"], c.Data["config"], root)
		}
		// What an operator types to see one token: never its value.
		out := e.v.vault(t, "read", "-format=json", e.path+"/tokens/"+c.ref())
		requireNoToken(t, "vault read tokens/"+c.ref(), out, issued...)
		var read struct {
			Data struct {
				Role      string `json:"role"`
				Requester struct {
					DisplayName string `json:"display_name"`
				} `json:"requester"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(out), &read); err != nil || read.Data.Role != c.Data["role"] || read.Data.Requester.DisplayName != root {
			t.Errorf("vault read tokens/%s: role %q requester %q (%v), want %v, %q", c.ref(), read.Data.Role, read.Data.Requester.DisplayName, err, c.Data["role"], root)
		}
	}
	list, err := e.v.api().Logical().List(e.path + "/tokens/")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(list)
	requireNoToken(t, "the tokens/ list", string(raw), issued...)

	e.revokeAll(t, issued...)
	e.waitInventory(t, "after revoking everything")
}

// scopeMismatch says how the live token of c differs from want at its
// fake, or returns "".
func (e *engine) scopeMismatch(c *creds, want tokenScope) string {
	if c.Data["config"] == "gh" {
		got, live := e.gh.Lookup(c.token())
		switch {
		case !live:
			return "not live at GitHub"
		case !slices.Equal(got.Repositories, want.repos) || !maps.Equal(got.Permissions, want.perms):
			return fmt.Sprintf("GitHub token reaches %v with %v, want %v with %v", got.Repositories, got.Permissions, want.repos, want.perms)
		}
		return ""
	}
	got, live := e.gl.Lookup(c.token())
	switch {
	case !live:
		return "not live at GitLab"
	case got.Kind != want.kind || got.Parent != want.parent:
		return fmt.Sprintf("GitLab token is a %s token of %s, want %s of %s", got.Kind, got.Parent, want.kind, want.parent)
	case !slices.Equal(got.Scopes, want.scopes) || got.AccessLevel != want.level:
		return fmt.Sprintf("GitLab token has scopes %v level %d, want %v level %d", got.Scopes, got.AccessLevel, want.scopes, want.level)
	case want.username != "" && got.Username != want.username:
		return fmt.Sprintf("GitLab token belongs to %q, want %q", got.Username, want.username)
	case pairsWithOwner(got.Kind) && c.Data["username"] != got.Username:
		return fmt.Sprintf("response username %q, GitLab says %q", c.Data["username"], got.Username)
	case c.Data["username"] == "":
		return "response has no username"
	}
	return ""
}

// pairsWithOwner reports whether a GitLab token of kind must be paired with
// its owner's username. Project and group access tokens take any non-blank
// username, and the engine answers a fixed one rather than look up the bot.
func pairsWithOwner(kind string) bool {
	return kind == fakegitlab.KindDeploy || kind == fakegitlab.KindPersonal
}

// testCredsRefusesOtherFields sends creds/ requests that set a field a creds
// request does not take, through the CLI and the API, as a write and as a
// read's query parameters. Vault's HTTP layer passes every field through to
// the plugin, which must refuse it with a 400 naming the field and call no
// provider; left to the framework the field would only draw a warning and
// the role's token would be issued.
func testCredsRefusesOtherFields(t *testing.T, e *engine) {
	e.writeRole(t, "gh", role("gh")...)
	e.writeRole(t, "gl-project", role("gl-project")...)
	ghCalls, glCalls := e.gh.TotalCalls(), e.gl.TotalCalls()

	cases := []struct {
		args  []string // vault CLI arguments after the creds path
		role  string
		field string
	}{
		{[]string{"write", "owner=evil"}, "gh", "owner"},
		{[]string{"write", "installation_id=7"}, "gh", "installation_id"},
		{[]string{"read", "owner=evil"}, "gh", "owner"},
		{[]string{"write", "path=acme/other"}, "gl-project", "path"},
		{[]string{"write", "access_level=owner"}, "gl-project", "access_level"},
		{[]string{"read", "access_level=owner"}, "gl-project", "access_level"},
		{[]string{"write", "foo=bar"}, "gh", "foo"},
		{[]string{"read", "foo=bar"}, "gl-project", "foo"},
	}
	for _, c := range cases {
		args := append([]string{c.args[0], e.path + "/creds/" + c.role}, c.args[1:]...)
		_, stderr, err := e.v.srv.CLI(args...)
		if err == nil {
			// The mount's disable at cleanup revokes what was issued.
			t.Errorf("vault %s creds/%s %s: a token was issued, want a 400", c.args[0], c.role, c.field)
			continue
		}
		if !strings.Contains(stderr, "Code: 400") || !strings.Contains(stderr, c.field) {
			t.Errorf("vault %s creds/%s %s: %q, want a 400 naming %s", c.args[0], c.role, c.field, stderr, c.field)
		}
	}
	// The API client's read with query parameters, as a library would send it.
	_, err := e.v.api().Logical().ReadWithData(e.path+"/creds/gh", map[string][]string{"installation_id": {"7"}})
	if err == nil || !strings.Contains(err.Error(), "Code: 400") || !strings.Contains(err.Error(), "installation_id") {
		t.Errorf("API read of creds/gh with installation_id: %v, want a 400 naming installation_id", err)
	}
	if n := e.gh.TotalCalls() - ghCalls; n != 0 {
		t.Errorf("refused requests made %d GitHub calls", n)
	}
	if n := e.gl.TotalCalls() - glCalls; n != 0 {
		t.Errorf("refused requests made %d GitLab calls", n)
	}

	// A plain read still issues: Vault adds no field of its own.
	e.revokeAll(t, e.readCreds(t, "gh"), e.readCreds(t, "gl-project"))
}
