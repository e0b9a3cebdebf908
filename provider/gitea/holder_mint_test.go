package gitea

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitea"
)

// TestWriteUserIsRefused: on Gitea a write:user token given as the
// basic-auth password reaches POST /users/{username}/tokens (the fake
// models Gitea's basic.go and reqBasicOrRevProxyAuth), so its holder mints
// tokens of any scope, "all" included, for the bot account: tokens the
// engine never sees and that outlive the lease, with write:admin on the
// site-admin bot rotation needs. A role may not carry write:user: the
// scope is refused at role write and at issue, with no call.
func TestWriteUserIsRefused(t *testing.T) {
	f := newFixture(t, fakegitea.Options{}, true)
	for _, scopes := range [][]string{{"write:user"}, {"read:repository", "write:user"}} {
		s := provider.Encode(Scope{Scopes: scopes})
		if err := (Kind{}).ValidateScope(TokenTypeAccess, &s); err == nil || !strings.Contains(err.Error(), "write:user") {
			t.Errorf("ValidateScope(%v) = %v, want a refusal naming write:user", scopes, err)
		}
		before := f.srv.Calls("POST", "/users/{username}/tokens")
		tok, err := f.client.Issue(context.Background(), provider.IssueRequest{
			TokenType: TokenTypeAccess, Name: "t", Scope: s,
		})
		if err == nil {
			// What the holder would do with it.
			req, _ := http.NewRequest("POST", f.srv.URL()+"/api/v1/users/"+bot+"/tokens",
				bytes.NewReader([]byte(`{"name":"mine","scopes":["all"]}`)))
			req.SetBasicAuth(bot, tok.Token)
			req.Header.Set("Content-Type", "application/json")
			resp, herr := http.DefaultClient.Do(req)
			if herr == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated {
					f.srv.AllowLiveTokens()
					t.Errorf("a write:user token minted an all-scope token for the bot")
				}
			}
			f.revoke(t, tok)
			t.Fatalf("Issue(%v) succeeded, want a refusal", scopes)
		}
		if f.srv.Calls("POST", "/users/{username}/tokens") != before {
			t.Errorf("Issue(%v) called the server", scopes)
		}
	}
	// read:user stays: listing the bot's tokens shows names and last eight
	// characters, no values.
	s := provider.Encode(Scope{Scopes: []string{"read:user"}})
	if err := (Kind{}).ValidateScope(TokenTypeAccess, &s); err != nil {
		t.Errorf("read:user refused: %v", err)
	}
}
