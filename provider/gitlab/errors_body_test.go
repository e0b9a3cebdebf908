package gitlab

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/httpretry"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// TestErrorsQuoteOnlyGitLabsMessage: an answer that is not GitLab's JSON
// error (a proxy's HTML page, or whatever a server that is not GitLab
// sends) is not quoted back; GitLab's own message, error and
// error_description are.
func TestErrorsQuoteOnlyGitLabsMessage(t *testing.T) {
	t.Parallel()
	const marker = "MARKER-7f3a-internal-page"
	for _, tc := range []struct {
		name        string
		status      int
		contentType string
		body        string
		want        string
	}{
		{"html 400", http.StatusBadRequest, "text/html", "<html><body>" + marker + "</body></html>", "Bad Request"},
		{"html 500", http.StatusInternalServerError, "text/html", "<html>" + marker + "</html>", "Internal Server Error"},
		{"json without message", http.StatusForbidden, "application/json", `{"page":"` + marker + `"}`, "Forbidden"},
		{"json beside the message", http.StatusForbidden, "application/json", `{"message":"403 Forbidden","page":"` + marker + `"}`, "403 Forbidden"},
		{"json string", http.StatusBadRequest, "application/json", `"` + marker + `"`, "Bad Request"},
		{"json list", http.StatusBadRequest, "application/json", `["` + marker + `"]`, "Bad Request"},
		{"gitlab's message", http.StatusUnauthorized, "application/json", `{"message":"401 Unauthorized"}`, "401 Unauthorized"},
		{"gitlab's validation", http.StatusBadRequest, "application/json", `{"message":{"expires_at":["is too far"]}}`, "{expires_at: [is too far]}"},
		{"gitlab's oauth error", http.StatusForbidden, "application/json", `{"error":"insufficient_scope","error_description":"needs api"}`, "insufficient_scope: needs api"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			t.Cleanup(srv.Close)
			c, err := newClient(&provider.Connection{BaseURL: srv.URL, Token: "glpat-errors-test"}, provider.Options{}, httpretry.Policy{Attempts: 1})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Verify(context.Background())
			if err == nil {
				t.Fatal("Verify succeeded")
			}
			if strings.Contains(err.Error(), marker) {
				t.Fatalf("the error quotes the body: %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
		})
	}
}
