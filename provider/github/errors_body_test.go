package github

import (
	"context"
	"net/http"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/errorbodies"
)

// TestErrorsQuoteOnlyGitHubsMessage: an answer that is not GitHub's JSON
// error (a proxy's HTML page, or whatever a server that is not GitHub
// sends) is not quoted back; GitHub's own {"message": ...} is.
func TestErrorsQuoteOnlyGitHubsMessage(t *testing.T) {
	t.Parallel()
	cases := append(errorbodies.Foreign(),
		errorbodies.Case{Name: "github's message", Status: http.StatusUnauthorized, ContentType: "application/json", Body: `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`, Want: "Bad credentials"},
	)
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			conn := f.conn
			conn.BaseURL = f.frontDoor(t, func(http.Handler) http.Handler { return tc.Handler() })
			_, err := f.clientFor(t, conn, provider.Options{}).Verify(context.Background())
			tc.Check(t, err)
		})
	}
}
