package fakegitea

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// call sends one request; auth is "basic user:password", "token X" or "".
func call(t *testing.T, s *Server, method, path, auth string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.URL()+path, rd)
	if user, ok := strings.CutPrefix(auth, "basic "); ok {
		u, p, _ := strings.Cut(user, ":")
		req.SetBasicAuth(u, p)
	} else if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func world(t *testing.T, opts Options) *Server {
	s := Start(t, opts)
	s.AddUser("bot", "pw", false)
	s.AddUser("root", "rootpw", true)
	s.AddRepo("acme", "app", true, "bot")
	s.AddRepo("acme", "other", true, "bot")
	return s
}

func create(t *testing.T, s *Server, auth, user string, body map[string]any) (int, map[string]any) {
	t.Helper()
	return call(t, s, "POST", "/api/v1/users/"+user+"/tokens", auth, body)
}

func TestTokenManagementNeedsTheUsersPassword(t *testing.T) {
	s := world(t, Options{})
	code, tok := create(t, s, "basic bot:pw", "bot", map[string]any{"name": "a", "scopes": []string{"read:repository", "write:user"}})
	if code != 201 || tok["sha1"] == "" {
		t.Fatalf("create = %d %v", code, tok)
	}
	value := tok["sha1"].(string)
	for _, c := range []struct {
		auth string
		want int
	}{
		{"basic bot:wrong", 401},
		{"token " + value, 401}, // a token cannot manage tokens
		{"", 401},
	} {
		if code, _ := create(t, s, c.auth, "bot", map[string]any{"name": "b", "scopes": []string{"read:user"}}); code != c.want {
			t.Errorf("create with %q = %d, want %d", c.auth, code, c.want)
		}
	}
	if code, _ := create(t, s, "basic bot:pw", "root", map[string]any{"name": "c", "scopes": []string{"read:user"}}); code != 403 {
		t.Errorf("create for another user = %d, want 403", code)
	}
	if code, _ := create(t, s, "basic bot:pw", "bot", map[string]any{"name": "a", "scopes": []string{"read:user"}}); code != 400 {
		t.Errorf("duplicate name = %d, want 400", code)
	}
	if code, _ := create(t, s, "basic bot:pw", "bot", map[string]any{"name": "d", "scopes": []string{"repo"}}); code != 400 {
		t.Errorf("unknown scope = %d, want 400", code)
	}
	id := int(tok["id"].(float64))
	if code, _ := call(t, s, "DELETE", "/api/v1/users/root/tokens/"+strconv.Itoa(id), "basic root:rootpw", nil); code != 404 {
		t.Errorf("an admin deleting another's token = %d, want 404 (Gitea deletes only the caller's)", code)
	}
	if code, _ := call(t, s, "DELETE", "/api/v1/users/bot/tokens/a", "basic bot:pw", nil); code != 204 {
		t.Errorf("delete by name = %d, want 204", code)
	}
	if code, _ := call(t, s, "GET", "/api/v1/user", "token "+value, nil); code != 401 {
		t.Errorf("deleted token = %d, want 401", code)
	}
}

// TestTokenAsPasswordMintsTokensOnGitea: Gitea takes a write:user token as
// the basic-auth password on the token API, so its holder makes tokens of
// any scope for the bot (which the engine never sees); a token without
// write:user is refused for want of the scope, and Forgejo refuses any token
// there.
func TestTokenAsPasswordMintsTokensOnGitea(t *testing.T) {
	for _, tt := range []struct {
		flavour      Flavour
		scopes       []string
		want, listed int
	}{
		{Gitea, []string{"write:user"}, 201, 200},
		{Gitea, []string{"read:user", "write:repository"}, 403, 200},
		{Gitea, []string{"read:repository"}, 403, 403},
		{Forgejo, []string{"write:user"}, 401, 401},
	} {
		s := world(t, Options{Flavour: tt.flavour})
		s.AllowLiveTokens()
		s.AddUser("abot", "pw", true) // a site admin, as rotation needs
		_, tok := create(t, s, "basic abot:pw", "abot", map[string]any{"name": "held", "scopes": tt.scopes})
		auth := "basic abot:" + tok["sha1"].(string)
		if code, _ := call(t, s, "GET", "/api/v1/users/abot/tokens", auth, nil); code != tt.listed {
			t.Errorf("flavour %d, scopes %v: list = %d, want %d", tt.flavour, tt.scopes, code, tt.listed)
		}
		code, minted := create(t, s, auth, "abot", map[string]any{"name": "minted", "scopes": []string{"all"}})
		if code != tt.want {
			t.Errorf("flavour %d, scopes %v: create with the token as password = %d, want %d", tt.flavour, tt.scopes, code, tt.want)
		}
		if code == 201 {
			if code, _ := call(t, s, "PATCH", "/api/v1/admin/users/abot", "token "+minted["sha1"].(string), map[string]any{"password": "mine"}); code != 200 {
				t.Errorf("the minted all-scope token changing the site-admin bot's password = %d, want 200", code)
			}
		}
	}
}

func TestScopesOnTheAPI(t *testing.T) {
	s := world(t, Options{})
	_, tok := create(t, s, "basic bot:pw", "bot", map[string]any{"name": "a", "scopes": []string{"read:repository"}})
	auth := "token " + tok["sha1"].(string)
	defer call(t, s, "DELETE", "/api/v1/users/bot/tokens/a", "basic bot:pw", nil)
	if code, _ := call(t, s, "GET", "/api/v1/repos/acme/app", auth, nil); code != 200 {
		t.Errorf("read = %d", code)
	}
	if code, body := call(t, s, "GET", "/api/v1/user", auth, nil); code != 403 || !strings.Contains(body["message"].(string), "read:user") {
		t.Errorf("GET /user = %d %v", code, body)
	}
	if code, _ := call(t, s, "PATCH", "/api/v1/repos/acme/app", auth, nil); code != 403 {
		t.Errorf("write = %d, want 403", code)
	}
	if code, _ := call(t, s, "GET", "/api/v1/repos/acme/app", "basic bot:"+tok["sha1"].(string), nil); code != 200 {
		t.Errorf("token as basic password = %d, want 200", code)
	}
}

func TestRepositoryRestriction(t *testing.T) {
	body := map[string]any{"name": "r", "scopes": []string{"read:repository"},
		"repositories": []map[string]string{{"owner": "acme", "name": "app"}}}
	t.Run("forgejo", func(t *testing.T) {
		s := world(t, Options{Flavour: Forgejo})
		code, tok := create(t, s, "basic bot:pw", "bot", body)
		if code != 201 || tok["repositories"] == nil {
			t.Fatalf("create = %d %v", code, tok)
		}
		auth := "token " + tok["sha1"].(string)
		if code, _ := call(t, s, "GET", "/api/v1/repos/acme/app", auth, nil); code != 200 {
			t.Errorf("named repo = %d", code)
		}
		if code, _ := call(t, s, "GET", "/api/v1/repos/acme/other", auth, nil); code != 404 {
			t.Errorf("other repo = %d, want 404", code)
		}
		call(t, s, "DELETE", "/api/v1/users/bot/tokens/r", "basic bot:pw", nil)
		admin := map[string]any{"name": "x", "scopes": []string{"write:admin"}, "repositories": body["repositories"]}
		if code, _ := create(t, s, "basic bot:pw", "bot", admin); code != 400 {
			t.Errorf("restricted admin token = %d, want 400", code)
		}
	})
	t.Run("gitea ignores it", func(t *testing.T) {
		s := world(t, Options{})
		code, tok := create(t, s, "basic bot:pw", "bot", body)
		if _, listed := tok["repositories"]; code != 201 || listed {
			t.Fatalf("create = %d %v", code, tok)
		}
		if code, _ := call(t, s, "GET", "/api/v1/repos/acme/other", "token "+tok["sha1"].(string), nil); code != 200 {
			t.Errorf("other repo = %d, want 200 (unrestricted)", code)
		}
		call(t, s, "DELETE", "/api/v1/users/bot/tokens/r", "basic bot:pw", nil)
	})
}

func TestAdminEditUser(t *testing.T) {
	s := world(t, Options{})
	if code, _ := call(t, s, "PATCH", "/api/v1/admin/users/bot", "basic bot:pw", map[string]any{"password": "new"}); code != 403 {
		t.Errorf("non-admin = %d, want 403", code)
	}
	if code, _ := call(t, s, "PATCH", "/api/v1/admin/users/bot", "basic root:rootpw", map[string]any{"password": "new", "must_change_password": true}); code != 200 {
		t.Errorf("admin = %d", code)
	}
	if code, _ := call(t, s, "GET", "/api/v1/user", "basic bot:new", nil); code != 403 {
		t.Errorf("must change password = %d, want 403", code)
	}
	if code, _ := call(t, s, "GET", "/api/v1/user", "basic bot:pw", nil); code != 401 {
		t.Errorf("old password = %d, want 401", code)
	}
}

func TestVersion(t *testing.T) {
	for opts, want := range map[Flavour]string{Gitea: "1.24.6", Forgejo: "15.0.1+gitea-1.22.0"} {
		s := Start(t, Options{Flavour: opts})
		if _, body := call(t, s, "GET", "/api/v1/version", "", nil); body["version"] != want {
			t.Errorf("version = %v, want %s", body["version"], want)
		}
	}
}

func TestLeakCheckAndDropAfterCommit(t *testing.T) {
	rec := &fakeserver.RecordingTB{TB: t}
	s := Start(rec, Options{})
	s.AddUser("bot", "pw", false)
	s.InjectFault(Fault{Method: "POST", Route: "/users/{username}/tokens", DropAfterCommit: true, Times: 1})
	req, _ := http.NewRequest("POST", s.URL()+"/api/v1/users/bot/tokens", strings.NewReader(`{"name":"lost","scopes":["read:user"]}`))
	req.SetBasicAuth("bot", "pw")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("the answer was not dropped")
	}
	rec.RunCleanups()
	if len(rec.Errors) != 1 || !strings.Contains(rec.Errors[0], `"lost"`) {
		t.Fatalf("leak report = %q", rec.Errors)
	}
}

func TestCheckBasicAuth(t *testing.T) {
	s := world(t, Options{Flavour: Forgejo})
	s.AllowLiveTokens()
	s.AddRepo("acme", "open", false)
	read := s.SeedToken("bot", "r", "read:repository")
	pkg := s.SeedToken("bot", "p", "read:package")
	public := s.SeedToken("bot", "o", "read:repository", "public-only")
	_, restricted := create(t, s, "basic bot:pw", "bot", map[string]any{"name": "x", "scopes": []string{"read:repository"},
		"repositories": []map[string]string{{"owner": "acme", "name": "app"}}})

	tests := []struct {
		name, user, password, repo, scope string
		ok                                bool
	}{
		{"a read:repository token clones", "bot", read, "acme/app", "read:repository", true},
		{"any user name", "x-access-token", read, "acme/app", "read:repository", true},
		{"read:repository is not package", "bot", read, "acme/app", "read:package", false},
		{"read:package pulls", "bot", pkg, "acme/app", "read:package", true},
		{"read:package does not clone", "bot", pkg, "acme/app", "read:repository", false},
		{"no such repository", "bot", read, "acme/none", "read:repository", false},
		{"restricted token, its repository", "bot", restricted["sha1"].(string), "acme/app", "read:repository", true},
		{"restricted token, another repository", "bot", restricted["sha1"].(string), "acme/other", "read:repository", false},
		{"public-only token, private repository", "bot", public, "acme/app", "read:repository", false},
		{"public-only token, public repository", "bot", public, "acme/open", "read:repository", true},
		{"the password is not a token", "bot", "pw", "acme/app", "read:repository", false},
		{"no credentials", "", "", "acme/app", "read:repository", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodGet, "http://git.example/"+tt.repo+".git/info/refs", nil)
			if tt.password != "" {
				r.SetBasicAuth(tt.user, tt.password)
			}
			if err := s.CheckBasicAuth(r, tt.repo, tt.scope); (err == nil) != tt.ok {
				t.Fatalf("CheckBasicAuth = %v, want ok %v", err, tt.ok)
			}
		})
	}

	id := strconv.FormatInt(int64(restricted["id"].(float64)), 10)
	if code, _ := call(t, s, "DELETE", "/api/v1/users/bot/tokens/"+id, "basic bot:pw", nil); code != http.StatusNoContent {
		t.Fatalf("delete = %d", code)
	}
	r, _ := http.NewRequest(http.MethodGet, "http://git.example/acme/app.git/info/refs", nil)
	r.SetBasicAuth("bot", restricted["sha1"].(string))
	if err := s.CheckBasicAuth(r, "acme/app", "read:repository"); err == nil {
		t.Fatal("a deleted token still clones")
	}
}
