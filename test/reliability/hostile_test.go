package reliability

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// badRequest is one malformed request and what its answer must say.
type badRequest struct {
	name   string
	method string // default PUT
	path   string // under the mount
	body   any    // JSON-encoded unless it is []byte
	// status is the answer expected: 400 from the engine unless vault
	// says Vault answers before the engine sees the request.
	status int
	vault  bool
	// says are words the error must contain: it names the problem.
	says []string
}

func badRequests() []badRequest {
	long := strings.Repeat("a", 10*1024)
	// Just under Vault's limit on one JSON string (1 MiB,
	// max_request_json_strlen), so that it reaches the engine.
	mega := strings.Repeat("x", 1_000_000)
	return []badRequest{
		{name: "role name with ..", path: "roles/a..b", body: ghRole(), status: 404, says: []string{"unsupported path"}},
		{name: "creds for a role name with ..", method: "GET", path: "creds/a..b", status: 404, says: []string{"unsupported path"}},
		{name: "role name that is ..", path: "roles/..", body: ghRole(), status: 404, vault: true},
		{name: "role name with /", path: "roles/a/b", body: ghRole(), status: 404, says: []string{"unsupported path"}},
		{name: "role name in unicode", path: "roles/r\u00f4le", body: ghRole(), status: 404, says: []string{"unsupported path"}},
		{name: "role name of 10 KB", path: "roles/" + long, body: ghRole(), says: []string{"name", "at most"}},
		{name: "connection name of 10 KB", path: "config/" + long, body: map[string]any{"provider": "gitlab"}, says: []string{"name", "at most"}},
		{name: "creds for a 10 KB role name", method: "GET", path: "creds/" + long, says: []string{"does not exist"}},
		{name: "1 MB repository list", path: "roles/big", body: withField(ghRole(), "repositories", mega), says: []string{"repositor"}},
		{name: "1 MB permissions", path: "roles/big", body: withField(ghRole(), "permissions", "contents="+mega), says: []string{"permission"}},
		{name: "1 MB GitLab path", path: "roles/big", body: withField(glRole(), "path", mega), says: []string{"path"}},
		{name: "2 MB string", path: "roles/big", body: withField(ghRole(), "repositories", mega+mega), status: 500, vault: true,
			says: []string{"exceeds allowed length"}},
		{name: "1 MB of an unknown field (ignored, as Vault's framework does)", path: "roles/big", body: withField(ghRole(), "junk", mega), status: 204},
		{name: "body that is not JSON", path: "roles/x", body: []byte("{config=gh"), status: 500, vault: true, says: []string{"invalid character"}},
		{name: "ttl as text", path: "roles/x", body: withField(ghRole(), "ttl", "soon"), says: []string{"ttl"}},
		{name: "ttl as an object", path: "roles/x", body: withField(ghRole(), "ttl", map[string]any{"s": 1}), says: []string{"ttl"}},
		{name: "permissions as a number", path: "roles/x", body: withField(ghRole(), "permissions", 7), says: []string{"permissions"}},
		{name: "repositories as an object", path: "roles/x", body: withField(ghRole(), "repositories", map[string]any{"a": 1}), says: []string{"repositories"}},
		{name: "installation_id as text", path: "roles/x", body: withField(ghRole(), "installation_id", "one"), says: []string{"installation_id"}},
		{name: "scopes as numbers", path: "roles/x", body: withField(glRole(), "scopes", []any{1, 2}), says: []string{"scope"}},
		{name: "app_id as text", path: "config/x", body: map[string]any{"provider": "github", "app_id": "forty-two"}, says: []string{"app_id"}},
		{name: "GitLab field on a GitHub role", path: "roles/x", body: withField(ghRole(), "scopes", "read_api"), says: []string{"scopes", "gitlab"}},
		{name: "GitHub field on a GitLab role", path: "roles/x", body: withField(glRole(), "permissions", "contents=read"), says: []string{"permissions", "github"}},
		{name: "GitLab field on a GitHub connection", path: "config/gh", body: map[string]any{"token": "glpat-0123456789abcdefghij"}, says: []string{"token", "gitlab"}},
		{name: "GitHub field on a GitLab connection", path: "config/gl", body: map[string]any{"app_id": 42}, says: []string{"app_id", "github"}},
		{name: "GitLab field in a GitHub creds request", path: "creds/gh", body: map[string]any{"scopes": "api"}, says: []string{"scopes", "gitlab"}},
		{name: "unknown provider", path: "config/x", body: map[string]any{"provider": "bitbucket"}, says: []string{"provider"}},
		{name: "unknown GitHub token type", path: "roles/x", body: withField(ghRole(), "token_type", "admin"), says: []string{"token_type"}},
		{name: "unknown GitLab token type", path: "roles/x", body: withField(glRole(), "token_type", "owner"), says: []string{"token_type"}},
		{name: "unknown static token type", path: "static-roles/x", body: withField(glStatic(), "token_type", "installation"), says: []string{"token_type"}},
		{name: "role ttl negative", path: "roles/x", body: withField(ghRole(), "ttl", -60), says: []string{"negative"}},
		{name: "role ttl huge", path: "roles/x", body: withField(ghRole(), "ttl", "99999999999999"), says: []string{"ttl"}},
		{name: "role ttl beyond GitHub's hour", path: "roles/x", body: withField(ghRole(), "ttl", "2h"), says: []string{"ttl"}},
		{name: "role max_ttl below ttl", path: "roles/x", body: withField(withField(glRole(), "ttl", "2h"), "max_ttl", "1h"), says: []string{"max_ttl"}},
		{name: "creds ttl 0", path: "creds/gh", body: map[string]any{"ttl": 0}, says: []string{"ttl"}},
		{name: "creds ttl negative", path: "creds/gh", body: map[string]any{"ttl": "-5s"}, says: []string{"negative"}},
		{name: "creds ttl huge", path: "creds/gl", body: map[string]any{"ttl": "106751d"}, says: []string{"ttl"}},
		{name: "static rotation_period negative", path: "static-roles/x", body: withField(glStatic(), "rotation_period", -1), says: []string{"negative"}},
		{name: "static rotation_period huge", path: "static-roles/x", body: withField(glStatic(), "rotation_period", "106751d"), says: []string{"rotation_period"}},
		{name: "static schedule that never fires", path: "static-roles/x", body: withField(withField(glStatic(), "rotation_period", 0), "rotation_schedule", "0 0 30 2 *"), says: []string{"never"}},
		{name: "static grace huge", path: "static-roles/x", body: withField(glStatic(), "grace_period", "106751d"), says: []string{"grace_period"}},
		{name: "config rotation_window huge", path: "config/gl", body: map[string]any{"rotation_schedule": "0 0 * * *", "rotation_window": "106751d"}, says: []string{"rotation_window"}},
		{name: "base_url with a password", path: "config/x", body: map[string]any{"provider": "gitlab", "token": "glpat-0123456789abcdefghij", "base_url": "ftp://u:hunter2-secret@h"}, says: []string{"credentials"}},
		{name: "GitLab path with ..", path: "roles/x", body: withField(glRole(), "path", "acme/../admin"), says: []string{"path", ".."}},
		{name: "GitLab path URL-encoded", path: "roles/x", body: withField(glRole(), "path", "acme%2F..%2Fadmin"), says: []string{"path"}},
		{name: "GitHub repository of another owner", path: "roles/x", body: withField(ghRole(), "repositories", "evil/app"), says: []string{"repositor", "owner"}},
		{name: "creds beyond the role", path: "creds/gh", body: map[string]any{"permissions": "administration=write"}, says: []string{"administration"}},
	}
}

func ghRole() map[string]any {
	return map[string]any{"config": "gh", "owner": githubOwner, "repositories": "app", "permissions": "contents=read"}
}

func glRole() map[string]any {
	return map[string]any{"config": "gl", "token_type": "project", "path": gitlabProject, "scopes": "read_api", "access_level": "developer"}
}

func glStatic() map[string]any {
	return map[string]any{"config": "gl", "token_type": "deploy", "path": gitlabProject, "scopes": "read_repository", "rotation_period": "24h"}
}

func withField(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{k: v}
	for key, val := range m {
		if key != k {
			out[key] = val
		}
	}
	return out
}

// TestBadRequestsThroughTheServer sends malformed requests through the real
// server: each is answered with the status it must get and an error that
// names the problem, no provider is called, and the plugin process never
// restarts.
func TestBadRequestsThroughTheServer(t *testing.T) {
	t.Parallel()
	v := startVault(t)
	e := newEngine(t, v, "git", newAppKeys(t))
	pids, err := v.srv.PluginPIDs()
	if err != nil || len(pids) == 0 {
		t.Fatalf("plugin processes: %v %v", pids, err)
	}
	e.gh.ResetCalls()
	e.gl.ResetCalls()

	var report strings.Builder
	report.WriteString("| request | answered by | status | error |\n|---|---|---|---|\n")
	for _, br := range badRequests() {
		status, msg := e.send(t, br)
		by := "engine"
		if br.vault {
			by = "Vault"
		}
		if status/100 == 2 {
			msg = "(accepted)"
		}
		fmt.Fprintf(&report, "| %s | %s | %d | %s |\n", br.name, by, status, escapeCell(firstLine(msg, 110)))
		want := br.status
		if want == 0 {
			want = http.StatusBadRequest
		}
		if status != want {
			t.Errorf("%s: HTTP %d (%s), want %d", br.name, status, firstLine(msg, 200), want)
			continue
		}
		lower := strings.ToLower(msg)
		for _, w := range br.says {
			if !strings.Contains(lower, strings.ToLower(w)) {
				t.Errorf("%s: the error %q does not mention %q", br.name, firstLine(msg, 200), w)
			}
		}
	}
	t.Logf("bad requests:\n%s", report.String())
	writeReport(t, "bad-requests.md", report.String())

	if calls := e.gh.TotalCalls() + e.gl.TotalCalls(); calls != 0 {
		t.Errorf("malformed requests made %d provider calls", calls)
	}
	after, err := v.srv.PluginPIDs()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(pids)
	slices.Sort(after)
	if !slices.Equal(pids, after) {
		t.Errorf("plugin processes changed from %v to %v: the plugin restarted", pids, after)
	}
	// And the engine still serves.
	if err := e.worksAfterwards("gh"); err != nil {
		t.Error(err)
	}
}

// send makes one raw request under the mount and returns the status and
// Vault's error text (or the body when there is none).
func (e *engine) send(t *testing.T, br badRequest) (int, string) {
	t.Helper()
	method := br.method
	if method == "" {
		method = http.MethodPut
	}
	path, query, _ := strings.Cut(br.path, "?")
	req := e.c.NewRequest(method, "/v1/"+e.path+"/"+path)
	if query != "" {
		k, val, _ := strings.Cut(query, "=")
		req.Params.Set(k, val)
	}
	switch b := br.body.(type) {
	case nil:
	case []byte:
		req.BodyBytes = b
	default:
		if err := req.SetJSONBody(b); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := e.c.RawRequest(req)
	if resp == nil {
		t.Fatalf("%s: no answer: %v", br.name, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var doc struct {
		Errors []string `json:"errors"`
	}
	if json.Unmarshal(body, &doc) == nil && len(doc.Errors) > 0 {
		return resp.StatusCode, strings.Join(doc.Errors, "; ")
	}
	if err != nil {
		return resp.StatusCode, errorText(err)
	}
	return resp.StatusCode, string(body)
}
