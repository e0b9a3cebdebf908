package gitlab

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/httpretry"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/errorbodies"
)

// TestErrorsQuoteOnlyGitLabsMessage: an answer that is not GitLab's JSON
// error (a proxy's HTML page, or whatever a server that is not GitLab
// sends) is not quoted back; GitLab's own message, error and
// error_description are.
func TestErrorsQuoteOnlyGitLabsMessage(t *testing.T) {
	t.Parallel()
	const marker = errorbodies.Marker
	cases := append(errorbodies.Foreign(), []errorbodies.Case{
		{Name: "json beside the message", Status: http.StatusForbidden, ContentType: "application/json", Body: `{"message":"403 Forbidden","page":"` + marker + `"}`, Want: "403 Forbidden"},
		{Name: "json list", Status: http.StatusBadRequest, ContentType: "application/json", Body: `["` + marker + `"]`, Want: "Bad Request"},
		{Name: "gitlab's message", Status: http.StatusUnauthorized, ContentType: "application/json", Body: `{"message":"401 Unauthorized"}`, Want: "401 Unauthorized"},
		{Name: "gitlab's validation", Status: http.StatusBadRequest, ContentType: "application/json", Body: `{"message":{"expires_at":["is too far"]}}`, Want: "{expires_at: [is too far]}"},
		{Name: "gitlab's oauth error", Status: http.StatusForbidden, ContentType: "application/json", Body: `{"error":"insufficient_scope","error_description":"needs api"}`, Want: "insufficient_scope: needs api"},
	}...)
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tc.Handler())
			t.Cleanup(srv.Close)
			c, err := newClient(withToken(provider.Connection{BaseURL: srv.URL}, "glpat-errors-test"), provider.Options{}, httpretry.Policy{Attempts: 1})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Verify(context.Background())
			tc.Check(t, err)
		})
	}
}
