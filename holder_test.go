package gitsecrets

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// The holder of an issued token is the adversary here. For each token type
// a test holds the token and tries what the provider lets a holder do that
// could outlive or widen the lease: create another credential with it,
// reach beyond its scope, use it after revocation or expiry. What the
// provider refuses, the fakes refuse (so the tests prove the fakes enforce
// it); what the provider allows and the engine cannot undo, the role write
// says out loud. Self-rotation is in selfrotate_test.go.
//
// Git over HTTPS and registry logins are judged by the fakes'
// CheckBasicAuth, which is what test/gitserver and test/registryserver call
// (test/e2e's TestClients runs real git and crane through them).

// holderCall is one REST call a holder makes with its token.
type holderCall struct {
	method, url, body string
	header            func(r *http.Request)
}

func (c holderCall) status(t testing.TB) int {
	t.Helper()
	req, _ := http.NewRequest(c.method, c.url, strings.NewReader(c.body))
	req.Header.Set("Content-Type", "application/json")
	c.header(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode
}

// basicAuthRequest is a Git or registry request carrying token.
func basicAuthRequest(username, token string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, "http://git.example/", nil)
	r.SetBasicAuth(username, token)
	return r
}

// holderGitLab is a fake GitLab on clk where ci-bot, a user without admin
// rights, is a Maintainer of acme/app, and config/gl holds an admin token.
type holderGitLab struct {
	*testEnv
	gl         *fakegitlab.Server
	clk        *fakeserver.Clock
	admin      string
	ciBot      int64
	projectURL string // the API URL of acme/app
}

func newHolderGitLab(t *testing.T) *holderGitLab {
	t.Helper()
	clk := fakeserver.NewClock(time.Now())
	gl := fakegitlab.Start(t, fakegitlab.Options{Now: clk.Now})
	gl.AddGroup("acme")
	gl.AddProject("acme/app")
	ciBot := gl.AddUser("ci-bot", false)
	gl.AddMember("acme/app", ciBot, 40)
	admin := adminToken(t, gl)
	e := newTestEnv(t)
	e.ok(logical.CreateOperation, "config/gl", map[string]any{"provider": "gitlab", "token": admin, "base_url": gl.URL()})
	return &holderGitLab{testEnv: e, gl: gl, clk: clk, admin: admin, ciBot: ciBot, projectURL: gl.URL() + "/api/v4/projects/acme%2Fapp"}
}

func (h *holderGitLab) call(token, method, path, body string) holderCall {
	return holderCall{method: method, url: h.gl.URL() + "/api/v4" + path, body: body,
		header: func(r *http.Request) { r.Header.Set("PRIVATE-TOKEN", token) }}
}

// gitlabHolderCases are the GitLab token types, each with the richest role
// a holder could hope for.
var gitlabHolderCases = []struct {
	name string
	role map[string]any
}{
	{"project", map[string]any{"token_type": "project", "path": "acme/app", "scopes": "api,read_repository,read_registry", "access_level": "maintainer"}},
	{"group", map[string]any{"token_type": "group", "path": "acme", "scopes": "api,read_repository,read_registry", "access_level": "owner"}},
	{"personal", map[string]any{"token_type": "personal", "path": "ci-bot", "scopes": "api,read_repository,read_registry"}},
	{"deploy", map[string]any{"token_type": "deploy", "path": "acme/app", "scopes": "read_repository,read_registry"}},
}

func TestGitLabHolderCannotMintTokensAndIsWarnedOfWhatItCan(t *testing.T) {
	t.Parallel()
	tokenBody := func(level int) string {
		return fmt.Sprintf(`{"name":"holder","scopes":["api"],"access_level":%d,"expires_at":%q}`,
			level, time.Now().UTC().AddDate(0, 0, 300).Format(time.DateOnly))
	}
	deployBody := `{"name":"holder","scopes":["read_repository"]}`
	for _, c := range gitlabHolderCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHolderGitLab(t)
			role := map[string]any{"config": "gl", "ttl": "1h"}
			for k, v := range c.role {
				role[k] = v
			}
			written := h.ok(logical.CreateOperation, "roles/holder", role)
			resp := h.ok(logical.ReadOperation, "creds/holder", nil)
			token := resp.Data["token"].(string)
			username, _ := resp.Data["username"].(string)
			if err := h.gl.CheckBasicAuth(basicAuthRequest(username, token), "acme/app", "read_repository"); err != nil {
				t.Fatalf("the issued token does not clone: %v", err)
			}
			users := fmt.Sprintf("/users/%d/personal_access_tokens", h.ciBot)

			// What GitLab refuses a holder, with GitLab's status: no access
			// token from a project or group token (400), no personal token
			// without admin (403), nothing in a group it is not a member of
			// (404), and no API at all for a deploy token (401).
			type attempt struct {
				call holderCall
				want int
			}
			refused := map[string]attempt{
				"project access token":  {h.call(token, http.MethodPost, "/projects/acme%2Fapp/access_tokens", tokenBody(40)), http.StatusBadRequest},
				"group access token":    {h.call(token, http.MethodPost, "/groups/acme/access_tokens", tokenBody(40)), http.StatusBadRequest},
				"personal access token": {h.call(token, http.MethodPost, users, `{"name":"holder","scopes":["api"]}`), http.StatusForbidden},
			}
			var allowed map[string]holderCall
			switch c.name {
			case "project":
				refused["group access token"] = attempt{refused["group access token"].call, http.StatusNotFound}
				allowed = map[string]holderCall{"project deploy token": h.call(token, http.MethodPost, "/projects/acme%2Fapp/deploy_tokens", deployBody)}
			case "group":
				allowed = map[string]holderCall{
					"group deploy token":   h.call(token, http.MethodPost, "/groups/acme/deploy_tokens", deployBody),
					"project deploy token": h.call(token, http.MethodPost, "/projects/acme%2Fapp/deploy_tokens", deployBody),
				}
			case "personal":
				// ci-bot is a Maintainer of acme/app, not a member of acme:
				// its token may do what ci-bot may.
				delete(refused, "project access token")
				refused["group access token"] = attempt{refused["group access token"].call, http.StatusNotFound}
				allowed = map[string]holderCall{
					"project access token": h.call(token, http.MethodPost, "/projects/acme%2Fapp/access_tokens", tokenBody(30)),
					"project deploy token": h.call(token, http.MethodPost, "/projects/acme%2Fapp/deploy_tokens", deployBody),
				}
			case "deploy":
				refused["project deploy token"] = attempt{h.call(token, http.MethodPost, "/projects/acme%2Fapp/deploy_tokens", deployBody), 0}
				for what, a := range refused {
					refused[what] = attempt{a.call, http.StatusUnauthorized}
				}
			}
			before := len(h.gl.LiveTokens())
			for what, a := range refused {
				if got := a.call.status(t); got != a.want {
					t.Errorf("a %s token creating a %s: HTTP %d, want %d as on GitLab", c.name, what, got, a.want)
				}
			}
			if n := len(h.gl.LiveTokens()); n != before {
				t.Fatalf("%d live tokens after the refused attempts, want %d", n, before)
			}

			// What GitLab allows, the engine cannot revoke: the role write
			// must have said so.
			warned := written != nil && strings.Contains(strings.Join(written.Warnings, "\n"), "scopes include api")
			if len(allowed) > 0 && !warned {
				t.Errorf("a %s role whose holder can create %v wrote without a warning: %v", c.name, keys(allowed), written)
			}
			if len(allowed) == 0 && written != nil && len(written.Warnings) > 0 {
				t.Errorf("a %s role warned: %v", c.name, written.Warnings)
			}
			for what, call := range allowed {
				if got := call.status(t); got != http.StatusCreated {
					t.Errorf("a %s token creating a %s: HTTP %d, want 201 as on GitLab", c.name, what, got)
				}
			}

			if err := h.revoke(resp); err != nil {
				t.Fatal(err)
			}
			assertGitLabTokenDead(t, h.gl, username, token)
			// The created credentials live on, as the warning says; the
			// test ends them with the admin token.
			if n := len(h.gl.LiveTokens()); n != before-1+len(allowed) {
				t.Errorf("%d live tokens after the lease ended, want the %d the holder created", n, len(allowed))
			}
			h.endAll()
		})
	}
}

// A token that expires at GitLab before anyone revokes it is dead too.
func TestGitLabHolderTokenDeadAfterExpiry(t *testing.T) {
	t.Parallel()
	for _, c := range gitlabHolderCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHolderGitLab(t)
			role := map[string]any{"config": "gl", "ttl": "1h", "max_ttl": "1h"}
			for k, v := range c.role {
				role[k] = v
			}
			h.ok(logical.CreateOperation, "roles/holder", role)
			resp := h.ok(logical.ReadOperation, "creds/holder", nil)
			token := resp.Data["token"].(string)
			username, _ := resp.Data["username"].(string)

			// GitLab ends access tokens at midnight UTC after the lease.
			h.clk.Advance(49 * time.Hour)
			assertGitLabTokenDead(t, h.gl, username, token)
			if err := h.revoke(resp); err != nil {
				t.Fatalf("revoking an expired token: %v", err)
			}
		})
	}
}

// assertGitLabTokenDead checks that token works nowhere: not on the API,
// not for Git, not for the registry.
func assertGitLabTokenDead(t *testing.T, gl *fakegitlab.Server, username, token string) {
	t.Helper()
	if got := gitlabStatus(t, gl, token); got != http.StatusUnauthorized {
		t.Errorf("the API answered the token %d, want 401", got)
	}
	for _, scope := range []string{"read_repository", "read_registry"} {
		if err := gl.CheckBasicAuth(basicAuthRequest(username, token), "acme/app", scope); err == nil {
			t.Errorf("the token still passes %s", scope)
		}
	}
}

// endAll revokes every other live token with the admin token, so the
// fake's leak check sees only what the engine itself left.
func (h *holderGitLab) endAll() {
	own, _ := h.gl.Lookup(h.admin)
	for _, tok := range h.gl.LiveTokens() {
		if tok.ID == own.ID {
			continue
		}
		path := fmt.Sprintf("/%s/access_tokens/%d", tok.Parent, tok.ID)
		switch tok.Kind {
		case fakegitlab.KindDeploy:
			path = fmt.Sprintf("/%s/deploy_tokens/%d", tok.Parent, tok.ID)
		case fakegitlab.KindPersonal:
			path = fmt.Sprintf("/personal_access_tokens/%d", tok.ID)
		}
		if got := h.call(h.admin, http.MethodDelete, path, "").status(h.t); got != http.StatusNoContent {
			h.t.Errorf("ending %s token %d at %s: HTTP %d", tok.Kind, tok.ID, path, got)
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestGitHubHolderCannotWidenOrOutliveTheLease(t *testing.T) {
	t.Parallel()
	clk := fakeserver.NewClock(time.Now())
	e := newGitHubEnvWith(t, fakegithub.Options{Now: clk.Now})
	call := func(token, method, path, body string) holderCall {
		return holderCall{method: method, url: e.gh.URL() + path, body: body, header: func(r *http.Request) {
			r.Header.Set("Authorization", "token "+token)
			r.Header.Set("User-Agent", "holder")
		}}
	}
	git := func(token, repo, level string) error {
		return e.gh.CheckBasicAuth(basicAuthRequest("x-access-token", token), repo, "contents", level)
	}
	key := `{"title":"holder","key":"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHolder"}`

	written := e.ok(logical.CreateOperation, "roles/holder", map[string]any{
		"config": "gh", "owner": "acme", "repositories": "app", "permissions": "contents=read",
	})
	if written != nil && len(written.Warnings) > 0 {
		t.Errorf("a role with contents=read warned: %v", written.Warnings)
	}
	resp := e.ok(logical.ReadOperation, "creds/holder", nil)
	token := resp.Data["token"].(string)
	issued, _ := e.gh.Lookup(token)

	// Another installation token takes the App's JWT, never a token.
	for _, scheme := range []string{"token ", "Bearer "} {
		c := call(token, http.MethodPost, fmt.Sprintf("/app/installations/%d/access_tokens", issued.InstallationID), `{}`)
		c.header = func(r *http.Request) {
			r.Header.Set("Authorization", scheme+token)
			r.Header.Set("User-Agent", "holder")
		}
		if got := c.status(t); got != http.StatusUnauthorized {
			t.Errorf("minting with the token (%s): HTTP %d, want 401", scheme, got)
		}
	}
	// Nothing beyond its repository and its permission.
	if got := call(token, http.MethodGet, "/repos/acme/infra", "").status(t); got != http.StatusNotFound {
		t.Errorf("GET another repository of the installation: HTTP %d, want 404", got)
	}
	if git(token, "acme/infra", "read") == nil {
		t.Error("the token clones another repository of the installation")
	}
	if git(token, "acme/app", "write") == nil {
		t.Error("the token pushes with contents=read")
	}
	if got := call(token, http.MethodPost, "/repos/acme/app/keys", key).status(t); got != http.StatusForbidden {
		t.Errorf("adding a deploy key without administration: HTTP %d, want 403", got)
	}
	if got := call(token, http.MethodGet, "/repos/acme/app", "").status(t); got != http.StatusOK || git(token, "acme/app", "read") != nil {
		t.Fatalf("the token does not work where it should: HTTP %d", got)
	}

	if err := e.revoke(resp); err != nil {
		t.Fatal(err)
	}
	if got := call(token, http.MethodGet, "/repos/acme/app", "").status(t); got != http.StatusUnauthorized || git(token, "acme/app", "read") == nil {
		t.Errorf("the token works after its lease was revoked: HTTP %d", got)
	}

	// Expiry ends it too, without the engine.
	resp = e.ok(logical.ReadOperation, "creds/holder", nil)
	token = resp.Data["token"].(string)
	clk.Advance(61 * time.Minute)
	if got := call(token, http.MethodGet, "/repos/acme/app", "").status(t); got != http.StatusUnauthorized || git(token, "acme/app", "read") == nil {
		t.Errorf("the token works after it expired: HTTP %d", got)
	}
	if err := e.revoke(resp); err != nil {
		t.Fatalf("revoking an expired token: %v", err)
	}
}

// With administration=write a holder adds a deploy key, which the engine
// cannot revoke: the role write says so.
func TestGitHubHolderDeployKeyOutlivesTheLeaseAndTheRoleSaysSo(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	e.gh.AddInstallation(fakegithub.Installation{
		AppID: testAppID, Account: "beta", AllRepos: []string{"site"},
		Permissions: map[string]string{"administration": "write", "contents": "read", "metadata": "read"},
	})
	written := e.ok(logical.CreateOperation, "roles/admin", map[string]any{
		"config": "gh", "owner": "beta", "permissions": "administration=write,contents=read",
	})
	if written == nil || !strings.Contains(strings.Join(written.Warnings, "\n"), "administration=write: a holder can create deploy keys") {
		t.Fatalf("role write: %v, want a warning about deploy keys", written)
	}
	resp := e.ok(logical.ReadOperation, "creds/admin", nil)
	add := holderCall{method: http.MethodPost, url: e.gh.URL() + "/repos/beta/site/keys",
		body: `{"title":"holder","key":"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHolder"}`,
		header: func(r *http.Request) {
			r.Header.Set("Authorization", "token "+resp.Data["token"].(string))
			r.Header.Set("User-Agent", "holder")
		}}
	if got := add.status(t); got != http.StatusCreated {
		t.Fatalf("adding a deploy key with administration=write: HTTP %d, want 201 as on GitHub", got)
	}
	if err := e.revoke(resp); err != nil {
		t.Fatal(err)
	}
	if keys := e.gh.DeployKeys(); len(keys) != 1 {
		t.Fatalf("deploy keys after the lease: %+v, want the holder's", keys)
	}
}

// The warnings name the scope or permission and what a holder can create
// with it; roles without such a grant write without one.
func TestRoleWriteWarnsOfWhatAHolderCanCreate(t *testing.T) {
	t.Parallel()
	gl := newGitLabEnv(t)
	gh := newGitHubEnv(t)
	gl.gl.AddServiceAccount("acme", "team-sa") // found, so no warning of a create
	cases := []struct {
		name string
		env  *testEnv
		role map[string]any
		want string // "" for no warning
	}{
		{"project api maintainer", gl.testEnv, map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "api"},
			"scopes include api with access_level maintainer: a holder can create deploy tokens and deploy keys on the project, which outlive the token; the engine cannot revoke them"},
		{"project api developer", gl.testEnv, map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "api", "access_level": "developer"}, ""},
		{"project read_api maintainer", gl.testEnv, map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api,write_repository"}, ""},
		{"project create_runner", gl.testEnv, map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "create_runner"}, "scopes include create_runner with access_level maintainer: a holder can create runners"},
		{"group api owner", gl.testEnv, map[string]any{"config": "gl", "token_type": "group", "path": "acme", "scopes": "api", "access_level": "owner"}, "deploy tokens on the group"},
		{"group api maintainer", gl.testEnv, map[string]any{"config": "gl", "token_type": "group", "path": "acme", "scopes": "api"}, "deploy keys on each of the group's projects"},
		{"group api reporter", gl.testEnv, map[string]any{"config": "gl", "token_type": "group", "path": "acme", "scopes": "api", "access_level": "reporter"}, ""},
		{"personal api", gl.testEnv, map[string]any{"config": "gl", "token_type": "personal", "path": "ci-bot", "scopes": "api"}, "scopes include api: a holder can create what its user may"},
		{"personal read", gl.testEnv, map[string]any{"config": "gl", "token_type": "personal", "path": "ci-bot", "scopes": "read_api,read_repository"}, ""},
		{"service account api", gl.testEnv, map[string]any{"config": "gl", "token_type": "service_account", "path": "acme", "service_account": "team-sa", "scopes": "api"}, "scopes include api: a holder can create what its user may"},
		{"service account read", gl.testEnv, map[string]any{"config": "gl", "token_type": "service_account", "path": "acme", "service_account": "team-sa", "scopes": "read_api,read_repository"}, ""},
		{"deploy", gl.testEnv, map[string]any{"config": "gl", "token_type": "deploy", "path": "acme/app", "scopes": "read_repository,write_registry"}, ""},
		{"github administration", gh.testEnv, map[string]any{"config": "gh", "owner": "acme", "permissions": "administration=write"}, "permissions include administration=write: a holder can create deploy keys"},
		{"github members", gh.testEnv, map[string]any{"config": "gh", "owner": "acme", "permissions": "members=write"}, "permissions include members=write"},
		{"github workflows", gh.testEnv, map[string]any{"config": "gh", "owner": "acme", "permissions": "workflows=write,contents=write"}, "permissions include workflows=write"},
		{"github administration read", gh.testEnv, map[string]any{"config": "gh", "owner": "acme", "permissions": "administration=read,contents=write"}, ""},
		{"github every permission", gh.testEnv, map[string]any{"config": "gh", "owner": "acme"}, "permissions is empty, so tokens get every permission of the installation"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := c.env.ok(logical.CreateOperation, fmt.Sprintf("roles/r%d", i), c.role)
			var warnings []string
			if resp != nil {
				warnings = resp.Warnings
			}
			got := strings.Join(warnings, "\n")
			switch {
			case c.want == "" && got != "":
				t.Errorf("warned: %s", got)
			case c.want != "" && !strings.Contains(got, c.want):
				t.Errorf("warnings %q, want one with %q", got, c.want)
			}
		})
	}

	// Static roles hold the same tokens for longer: they warn alike.
	resp := gl.ok(logical.CreateOperation, "static-roles/cd", map[string]any{
		"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "api", "rotation_period": "24h",
	})
	if resp == nil || !strings.Contains(strings.Join(resp.Warnings, "\n"), "scopes include api with access_level maintainer") {
		t.Errorf("static role write: %v, want the holder warning", resp)
	}
	gl.ok(logical.DeleteOperation, "static-roles/cd", nil)
}
