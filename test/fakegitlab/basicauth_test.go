package fakegitlab

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCheckBasicAuth(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.s.AllowLiveTokens()
	never := time.Time{}
	readRepo, _ := w.s.AddPersonalToken(w.bobID, "r", []string{"read_repository"}, never)
	readAPI, _ := w.s.AddPersonalToken(w.daveID, "g", []string{"read_api"}, never)
	reporterRead, _ := w.s.AddPersonalToken(w.bobID, "a", []string{"read_api"}, never)
	projectBot := str(t, w.createProjectToken(map[string]any{"scopes": []string{"read_registry"}, "access_level": 20}), "token")

	deploy := func(path string, scopes ...string) (token, username string) {
		d := w.call("POST", path+"/deploy_tokens", w.carol, map[string]any{"name": "d", "scopes": scopes}).
			expect(t, http.StatusCreated).fields(t)
		return str(t, d, "token"), str(t, d, "username")
	}
	projectDeploy, projectDeployUser := deploy("/projects/acme%2Fapp", "read_registry")
	groupDeploy, groupDeployUser := deploy("/groups/acme", "read_repository", "write_registry")

	tests := []struct {
		name, username, password, project, scope string
		ok                                       bool
	}{
		{"developer's read_repository token reads", "bob", readRepo, "acme/app", "read_repository", true},
		{"any username for an access token", "whatever", readRepo, "acme/app", "read_repository", true},
		{"read_repository does not write", "bob", readRepo, "acme/app", "write_repository", false},
		{"read_repository is not registry", "bob", readRepo, "acme/app", "read_registry", false},
		{"api writes for a developer", "bob", w.bob, "acme/app", "write_repository", true},
		{"read_api reads the registry", "bob", reporterRead, "acme/app", "read_registry", true},
		{"a guest cannot read code", "dave", readAPI, "acme/app", "read_repository", false},
		{"not a member", "bob", readRepo, "other/secret", "read_repository", false},
		{"inherited owner", "carol", w.carol, "acme/platform/api", "write_registry", true},
		{"project bot pulls", "bot", projectBot, "acme/app", "read_registry", true},
		{"project bot elsewhere", "bot", projectBot, "acme/platform/api", "read_registry", false},
		{"deploy token, own username", projectDeployUser, projectDeploy, "acme/app", "read_registry", true},
		{"deploy token, other username", "bob", projectDeploy, "acme/app", "read_registry", false},
		{"deploy token, other project", projectDeployUser, projectDeploy, "acme/platform/api", "read_registry", false},
		{"group deploy token, subproject", groupDeployUser, groupDeploy, "acme/platform/api", "write_registry", true},
		{"group deploy token, outside", groupDeployUser, groupDeploy, "other/secret", "read_repository", false},
		{"write_registry does not read", groupDeployUser, groupDeploy, "acme/app", "read_registry", false},
		{"unknown token", "bob", "glpat-nope", "acme/app", "read_repository", false},
		{"unknown project", "bob", w.bob, "acme/nope", "read_repository", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", "http://git.example/"+tc.project+".git/info/refs", nil)
			req.SetBasicAuth(tc.username, tc.password)
			err := w.s.CheckBasicAuth(req, tc.project, tc.scope)
			if (err == nil) != tc.ok {
				t.Fatalf("err %v, want ok=%v", err, tc.ok)
			}
			if err != nil && strings.Contains(err.Error(), tc.password) {
				t.Fatal("error contains the token")
			}
		})
	}

	// A use is recorded for access tokens.
	w.clock.Advance(time.Minute)
	req, _ := http.NewRequest("GET", "http://git.example/", nil)
	req.SetBasicAuth("bob", readRepo)
	if err := w.s.CheckBasicAuth(req, "acme/app", "read_repository"); err != nil {
		t.Fatal(err)
	}
	if tok, _ := w.s.Lookup(readRepo); tok.LastUsedAt == nil || !tok.LastUsedAt.Equal(start.Add(time.Minute)) {
		t.Fatalf("last used %v", tok.LastUsedAt)
	}
	// No credentials, and a revoked token.
	if err := w.s.CheckBasicAuth(req.Clone(req.Context()), "acme/app", "bogus_scope"); err == nil {
		t.Fatal("unknown scope accepted")
	}
	bare, _ := http.NewRequest("GET", "http://git.example/", nil)
	if err := w.s.CheckBasicAuth(bare, "acme/app", "read_repository"); err == nil {
		t.Fatal("no credentials accepted")
	}
	tok, _ := w.s.Lookup(projectDeploy)
	w.call("DELETE", "/projects/acme%2Fapp/deploy_tokens/"+strconv.FormatInt(tok.ID, 10), w.alice, nil).expect(t, http.StatusNoContent)
	req.SetBasicAuth(projectDeployUser, projectDeploy)
	if err := w.s.CheckBasicAuth(req, "acme/app", "read_registry"); err == nil {
		t.Fatal("deleted deploy token accepted")
	}
}
