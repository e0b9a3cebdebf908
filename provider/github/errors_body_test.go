package github

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// TestErrorsQuoteOnlyGitHubsMessage: an answer that is not GitHub's JSON
// error (a proxy's HTML page, or whatever a server that is not GitHub
// sends) is not quoted back; GitHub's own {"message": ...} is.
func TestErrorsQuoteOnlyGitHubsMessage(t *testing.T) {
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
		{"json string", http.StatusBadRequest, "application/json", `"` + marker + `"`, "Bad Request"},
		{"github's message", http.StatusUnauthorized, "application/json", `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`, "Bad credentials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			conn := f.conn
			conn.BaseURL = f.frontDoor(t, func(http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Content-Type", tc.contentType)
					w.WriteHeader(tc.status)
					_, _ = w.Write([]byte(tc.body))
				})
			})
			_, err := f.clientFor(t, conn, provider.Options{}).Verify(context.Background())
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
