package gitsecrets

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/vault/sdk/logical"
)

// TestConfigBaseURLRequiresHTTPS: a plain http base_url to a host that is
// not loopback is refused with a 400 before any call, unless the operator
// opts in with allow_insecure_http; loopback http (local fakes) stays fine.
func TestConfigBaseURLRequiresHTTPS(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	calls := e.gh.TotalCalls()
	for _, base := range []string{"http://example.com", "http://ghe.example.com/api/v3", "http://10.0.0.1:8080", "http://localhost.example.com"} {
		msg := e.bad(logical.UpdateOperation, "config/gh", map[string]any{"base_url": base})
		if !strings.Contains(msg, "https") || !strings.Contains(msg, "allow_insecure_http") {
			t.Errorf("%s: message %q does not ask for https or name allow_insecure_http", base, msg)
		}
	}
	gl := e.bad(logical.CreateOperation, "config/gl", map[string]any{"provider": "gitlab", "token": "glpat-x", "base_url": "http://gitlab.example.com"})
	if !strings.Contains(gl, "https") {
		t.Errorf("gitlab: message %q does not ask for https", gl)
	}
	if n := e.gh.TotalCalls(); n != calls {
		t.Fatalf("refused writes made %d provider calls", n-calls)
	}

	// Opted in, the write goes on to the provider (which is not there).
	msg := e.bad(logical.UpdateOperation, "config/gh", map[string]any{"base_url": "http://127.0.0.1:1/api/v3", "allow_insecure_http": false})
	if strings.Contains(msg, "must use https") {
		t.Fatalf("loopback http refused: %s", msg)
	}
	msg = e.bad(logical.UpdateOperation, "config/gh", map[string]any{"base_url": "http://vault-test.invalid/api/v3", "allow_insecure_http": true})
	if strings.Contains(msg, "must use https") || !strings.Contains(msg, "did not accept") {
		t.Fatalf("opted-in write: %s", msg)
	}
	if read := e.ok(logical.ReadOperation, "config/gh", nil); read.Data["allow_insecure_http"] != false || read.Data["base_url"] != e.gh.URL() {
		t.Fatalf("refused writes changed the connection: %v", read.Data)
	}
	for _, host := range []string{"localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1"} {
		if !isLoopbackHost(host) {
			t.Errorf("%s is loopback", host)
		}
	}
}

// TestConfigWriteQuotesNoForeignBody: a server that answers the credential
// check with an HTML page does not get the page quoted in the 400.
func TestConfigWriteQuotesNoForeignBody(t *testing.T) {
	t.Parallel()
	const marker = "MARKER-91c2-proxy-page"
	e := newTestEnv(t)
	for _, status := range []int{http.StatusBadRequest, http.StatusInternalServerError} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			_, _ = w.Write([]byte("<html><body><h1>" + marker + "</h1></body></html>"))
		}))
		t.Cleanup(srv.Close)
		for _, data := range []map[string]any{
			{"provider": "gitlab", "token": "glpat-body-test", "base_url": srv.URL},
			{"provider": "github", "app_id": testAppID, "private_key": pemPKCS1(appKey(t)), "base_url": srv.URL},
		} {
			msg := e.bad(logical.CreateOperation, "config/c", data)
			if strings.Contains(msg, marker) {
				t.Errorf("%s, HTTP %d: the 400 quotes the server's page: %s", data["provider"], status, msg)
			}
		}
	}
}
