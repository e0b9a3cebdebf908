package gitsecrets

// Acceptance tests against the real GitHub and GitLab. They run only when the
// provider's credentials are in the environment (the same variables `make
// dev` reads), so `make test` skips them on machines without them:
//
//	GitHub: GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE,
//	        GITHUB_OWNER, optional GITHUB_BASE_URL and GITHUB_REPOSITORIES
//	GitLab: GITLAB_TOKEN, GITLAB_BASE_URL, GITLAB_PROJECT (a full path where
//	        the token's user is a Maintainer)
//
// Each test issues a real token, proves it works with one API call, revokes
// the lease and proves the provider refuses the token afterwards.

import (
	"net/http"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/logical"
)

func TestAcceptanceGitHub(t *testing.T) {
	appID, owner := os.Getenv("GITHUB_APP_ID"), os.Getenv("GITHUB_OWNER")
	key := os.Getenv("GITHUB_APP_PRIVATE_KEY")
	if file := os.Getenv("GITHUB_APP_PRIVATE_KEY_FILE"); key == "" && file != "" {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		key = string(raw)
	}
	if appID == "" || owner == "" || key == "" {
		t.Skip("set GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY[_FILE] and GITHUB_OWNER to run against GitHub")
	}
	id, err := strconv.ParseInt(appID, 10, 64)
	if err != nil {
		t.Fatalf("GITHUB_APP_ID: %v", err)
	}
	base := os.Getenv("GITHUB_BASE_URL")
	if base == "" {
		base = "https://api.github.com"
	}
	e := newTestEnv(t)
	e.ok(logical.CreateOperation, "config/gh", map[string]any{"provider": "github", "app_id": id, "private_key": key, "base_url": base})
	role := map[string]any{"config": "gh", "owner": owner, "permissions": "metadata=read", "ttl": "5m"}
	if repo := os.Getenv("GITHUB_REPOSITORIES"); repo != "" {
		role["repositories"] = repo
	}
	e.ok(logical.CreateOperation, "roles/acc", role)
	resp := e.ok(logical.ReadOperation, "creds/acc", nil)
	token := resp.Data["token"].(string)
	probe := func() int { return apiStatus(t, base+"/installation/repositories", "Authorization", "Bearer "+token) }
	if got := probe(); got != http.StatusOK {
		t.Fatalf("the issued token got HTTP %d from GitHub", got)
	}
	if err := e.revoke(resp); err != nil {
		t.Fatal(err)
	}
	if got := probe(); got != http.StatusUnauthorized {
		t.Fatalf("after revocation GitHub answered HTTP %d, want 401", got)
	}
}

func TestAcceptanceGitLab(t *testing.T) {
	token, base, project := os.Getenv("GITLAB_TOKEN"), os.Getenv("GITLAB_BASE_URL"), os.Getenv("GITLAB_PROJECT")
	if token == "" || base == "" || project == "" {
		t.Skip("set GITLAB_TOKEN, GITLAB_BASE_URL and GITLAB_PROJECT to run against GitLab")
	}
	e := newTestEnv(t)
	e.ok(logical.CreateOperation, "config/gl", map[string]any{"provider": "gitlab", "token": token, "base_url": base})
	e.ok(logical.CreateOperation, "roles/acc", map[string]any{
		"config": "gl", "token_type": "project", "path": project, "scopes": "read_api", "access_level": "reporter", "ttl": "1h",
	})
	resp := e.ok(logical.ReadOperation, "creds/acc", nil)
	issued := resp.Data["token"].(string)
	probe := func() int {
		return apiStatus(t, base+"/api/v4/projects/"+url.PathEscape(project), "PRIVATE-TOKEN", issued)
	}
	if got := probe(); got != http.StatusOK {
		t.Fatalf("the issued token got HTTP %d from GitLab", got)
	}
	if err := e.revoke(resp); err != nil {
		t.Fatal(err)
	}
	if got := probe(); got != http.StatusUnauthorized {
		t.Fatalf("after revocation GitLab answered HTTP %d, want 401", got)
	}
}

// apiStatus makes one authenticated GET and returns the status code.
func apiStatus(t *testing.T, rawURL, header, value string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(header, value)
	req.Header.Set("User-Agent", "vault-plugin-secrets-git-acceptance")
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", req.URL.Redacted(), err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
