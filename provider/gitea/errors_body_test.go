package gitea

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/httpretry"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/errorbodies"
)

// TestErrorsQuoteOnlyGiteasMessage: an answer that is not Gitea's JSON
// error ({"message": ..., "url": ...}) is not quoted back; Gitea's own
// message is.
func TestErrorsQuoteOnlyGiteasMessage(t *testing.T) {
	t.Parallel()
	const marker = errorbodies.Marker
	cases := append(errorbodies.Foreign(), []errorbodies.Case{
		{Name: "json list", Status: http.StatusUnprocessableEntity, ContentType: "application/json", Body: `[{"message":"` + marker + `"}]`, Want: "Unprocessable Entity"},
		{Name: "gitea's message", Status: http.StatusUnauthorized, ContentType: "application/json", Body: `{"message":"user's password is invalid","url":"https://git.example.com/api/swagger"}`, Want: "user's password is invalid"},
	}...)
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tc.Handler())
			t.Cleanup(srv.Close)
			c, err := newClient(Connection{BaseURL: srv.URL, Username: "bot", Password: "errors-test-pw"}, provider.Options{}, httpretry.Policy{Attempts: 1})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Verify(context.Background())
			tc.Check(t, err)
		})
	}
}
