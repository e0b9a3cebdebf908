package gitea

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitea"
)

const (
	botPassword = "bot-Secret-pw-1"
	bot         = "ci-bot"
)

// fixture is a fake server with a bot account, its repositories and a
// client signed in as the bot.
type fixture struct {
	srv    *fakegitea.Server
	client *Client
	sleeps *sleeps
}

// sleeps records the client's waits instead of taking them.
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeps) sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return nil
}

func (s *sleeps) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.waits)
}

// newFixture seeds: the bot (a site admin when admin), a user alice; the
// repositories acme/app and acme/other (private, the bot a collaborator)
// and alice/secret (private, not the bot's).
func newFixture(t *testing.T, opts fakegitea.Options, admin bool) *fixture {
	t.Helper()
	srv := fakegitea.Start(t, opts)
	srv.AddUser(bot, botPassword, admin)
	srv.AddUser("alice", "alice-pw", false)
	srv.AddRepo("acme", "app", true, bot)
	srv.AddRepo("acme", "other", true, bot)
	srv.AddRepo("alice", "secret", true)
	f := &fixture{srv: srv, sleeps: &sleeps{}}
	f.client = f.clientWith(t, botPassword)
	return f
}

func (f *fixture) clientWith(t *testing.T, password string) *Client {
	t.Helper()
	c, err := NewClient(Connection{BaseURL: f.srv.URL(), Username: bot, Password: password}, provider.Options{Sleep: f.sleeps.sleep})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

func (f *fixture) issue(t *testing.T, name string, scopes []string, repos ...string) *provider.Token {
	t.Helper()
	tok, err := f.client.Issue(context.Background(), provider.IssueRequest{
		TokenType: TokenTypeAccess, Name: name, Description: "role ci, requester alice",
		Scope: provider.Encode(Scope{Scopes: scopes, Repositories: repos}),
	})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	return tok
}

func (f *fixture) revoke(t *testing.T, tok *provider.Token) {
	t.Helper()
	if err := f.client.Revoke(context.Background(), tok.Handle); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
}

// status is the answer to method path with "Authorization: token".
func (f *fixture) status(t *testing.T, method, path, token string) int {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL()+path, nil)
	req.Header.Set("Authorization", "token "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// registryLogin is a registry token request with "username:token".
func (f *fixture) registryLogin(t *testing.T, username, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL()+"/v2/token", nil)
	req.SetBasicAuth(username, token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("registry login: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// decoded is Gitea's scope from its document, failing the test when it is
// not readable.
func decoded(t testing.TB, d provider.Scope) Scope {
	t.Helper()
	s, err := scopeOf(d)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
