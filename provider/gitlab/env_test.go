package gitlab

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/httpretry"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// clock is a settable time source shared by the client and the fake.
type clock = fakeserver.Clock

// sleeper records the waits httpretry asks for instead of sleeping.
type sleeper struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeper) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return ctx.Err()
}

func (s *sleeper) Waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// env is one fake GitLab with an administrator's connection token, and a
// client for it whose retries sleep on a recorder.
type env struct {
	t      testing.TB
	fake   *fakegitlab.Server
	url    string // the fake's instance root
	clock  *clock
	sleep  *sleeper
	token  string // the connection's token
	admin  int64
	client *client
}

// testStart is a Tuesday noon, UTC.
var testStart = time.Date(2025, 3, 11, 12, 0, 0, 0, time.UTC)

func newEnv(t testing.TB) *env {
	t.Helper()
	clk := fakeserver.NewClock(testStart)
	fake := fakegitlab.Start(t, fakegitlab.Options{Now: clk.Now, Version: "18.5.1"})
	return seed(t, fake, fake.URL(), clk)
}

// newTamperEnv serves the fake through wrap, which may alter its answers.
// Nothing checks for leaked tokens there; tests look at LiveTokens.
func newTamperEnv(t testing.TB, wrap func(http.Handler) http.Handler) *env {
	t.Helper()
	clk := fakeserver.NewClock(testStart)
	fake := fakegitlab.New(fakegitlab.Options{Now: clk.Now, Version: "18.5.1"})
	srv := httptest.NewServer(wrap(fake.Handler()))
	t.Cleanup(func() {
		srv.Close()
		fake.Close()
	})
	return seed(t, fake, srv.URL, clk)
}

func seed(t testing.TB, fake *fakegitlab.Server, url string, clk *clock) *env {
	t.Helper()
	admin := fake.AddUser("vault-admin", true)
	token, _ := fake.AddPersonalToken(admin, "vault connection", []string{"api"}, testStart.AddDate(2, 0, 0))
	fake.AddProject("acme/app")
	fake.AddProject("acme/platform/api")
	fake.AddGroup("acme/platform")
	fake.AddUser("deployer", false)
	e := &env{t: t, fake: fake, url: url, clock: clk, sleep: &sleeper{}, token: token, admin: admin}
	e.client = e.newClient(token)
	return e
}

func (e *env) newClient(token string) *client {
	e.t.Helper()
	return e.clientFor(e.url, token)
}

func (e *env) clientFor(baseURL, token string) *client {
	e.t.Helper()
	policy := httpretry.Policy{Attempts: 4, BaseDelay: 100 * time.Millisecond, MaxWait: 15 * time.Second, Sleep: e.sleep.Sleep}
	c, err := newClient(withToken(provider.Connection{Name: "test", Provider: "gitlab", BaseURL: baseURL}, token),
		provider.Options{Now: e.clock.Now, UserAgent: "vault-plugin-secrets-git/test"}, policy)
	if err != nil {
		e.t.Fatalf("newClient: %v", err)
	}
	return c
}

// request is an IssueRequest for a role of the given type, path and scopes
// that ends ttl from the clock's now.
func (e *env) request(tokenType, path string, ttl time.Duration, scopes ...string) provider.IssueRequest {
	return provider.IssueRequest{
		TokenType:   tokenType,
		Scope:       provider.Encode(Scope{Path: path, Scopes: scopes}),
		NotAfter:    e.clock.Now().Add(ttl),
		Name:        "vault-role-ci",
		Description: "role ci, requested by token-abc (entity 1234)",
	}
}

func (e *env) issue(req provider.IssueRequest) *provider.Token {
	e.t.Helper()
	tok, err := e.client.Issue(context.Background(), req)
	if err != nil {
		e.t.Fatalf("Issue(%s %s): %v", req.TokenType, typedScope(req.Scope).Path, err)
	}
	return tok
}

func (e *env) revoke(h provider.Handle) {
	e.t.Helper()
	if err := e.client.Revoke(context.Background(), h); err != nil {
		e.t.Fatalf("Revoke(%+v): %v", h, err)
	}
}

// revokeLeftovers revokes every live token the API made, through the
// client, as the backend's write-ahead log would.
func (e *env) revokeLeftovers() {
	e.t.Helper()
	for _, tok := range e.fake.LiveTokens() {
		if tok.Name == "vault connection" {
			continue
		}
		e.revoke(provider.Handle{TokenType: tok.Kind, ID: tok.ID, Parent: tok.Parent})
	}
}

// requireNoSecret fails when an error's text holds a credential.
func requireNoSecret(t testing.TB, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Fatalf("error %q contains a credential", err)
		}
	}
}

func basicAuthRequest(username, token string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, "https://gitlab.example.com/acme/app.git/info/refs", nil)
	r.SetBasicAuth(username, token)
	return r
}
