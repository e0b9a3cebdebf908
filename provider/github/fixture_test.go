package github

import (
	"bytes"
	"context"
	"crypto/rsa"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/httpretry"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

const testAppID = 4242

// clock is a settable test clock shared by the client and the fake.
type clock = fakeserver.Clock

func newClock() *clock {
	return fakeserver.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
}

// fixture is a fake GitHub with one App installed on "acme", and a client
// for it whose retry waits are recorded (and advance the clock) instead of
// slept.
type fixture struct {
	fake    *fakegithub.Server
	clock   *clock
	key     *rsa.PrivateKey
	conn    testConn
	install int64

	mu    sync.Mutex
	waits []time.Duration
}

type fixtureOption func(*fakegithub.Options, *testConn)

func newFixture(t testing.TB, options ...fixtureOption) *fixture {
	t.Helper()
	f := &fixture{clock: newClock(), key: testKeys()[0]}
	opts := fakegithub.Options{Now: f.clock.Now}
	f.conn = testConn{Connection: provider.Connection{Name: "gh", Provider: "github"}, Settings: Settings{AppID: testAppID, PrivateKeys: []string{pkcs1PEM(f.key)}}}
	for _, o := range options {
		o(&opts, &f.conn)
	}
	f.fake = fakegithub.Start(t, opts)
	if f.conn.BaseURL == "" {
		f.conn.BaseURL = f.fake.URL()
	}
	f.fake.AddApp(fakegithub.App{ID: testAppID, ClientID: "Iv1.test", Slug: "vault-git", Name: "Vault Git"}, &f.key.PublicKey)
	f.install = f.fake.AddInstallation(fakegithub.Installation{
		AppID:        testAppID,
		Account:      "Acme",
		Repositories: []string{"api", "web", "Infra"},
		Permissions:  map[string]string{"contents": "write", "metadata": "read", "packages": "read", "issues": "write"},
	})
	return f
}

func longTokens(o *fakegithub.Options, _ *testConn) { o.LongTokens = true }

// policy records waits instead of sleeping.
func (f *fixture) policy() *httpretry.Policy {
	return &httpretry.Policy{
		Sleep: func(ctx context.Context, d time.Duration) error {
			f.mu.Lock()
			f.waits = append(f.waits, d)
			f.mu.Unlock()
			f.clock.Advance(d)
			return ctx.Err()
		},
	}
}

func (f *fixture) recordedWaits() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.waits...)
}

func (f *fixture) client(t testing.TB) *client {
	t.Helper()
	return f.clientFor(t, f.conn, provider.Options{})
}

func (f *fixture) clientFor(t testing.TB, conn testConn, opts provider.Options) *client {
	t.Helper()
	if opts.Now == nil {
		opts.Now = f.clock.Now
	}
	c, err := newClient(conn.provider(), opts, f.policy())
	if err != nil {
		t.Fatalf("newClient: %v", err)
	}
	return c
}

func issueReq(s Scope) provider.IssueRequest {
	return provider.IssueRequest{TokenType: TokenTypeInstallation, Scope: provider.Encode(s)}
}

// headerRecorder wraps a handler and keeps every request's headers and body.
type headerRecorder struct {
	next http.Handler
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	method, path string
	header       http.Header
	body         string
}

func (h *headerRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body := readAndRestore(r)
	h.mu.Lock()
	h.reqs = append(h.reqs, recorded{method: r.Method, path: r.URL.Path, header: r.Header.Clone(), body: body})
	h.mu.Unlock()
	h.next.ServeHTTP(w, r)
}

func (h *headerRecorder) requests() []recorded {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]recorded(nil), h.reqs...)
}

// frontDoor serves the fixture's fake through another httptest server with
// handler wrapped around it, and returns that server's URL.
func (f *fixture) frontDoor(t testing.TB, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(wrap(f.fake.Handler()))
	t.Cleanup(srv.Close)
	return srv.URL
}

func readAndRestore(r *http.Request) string {
	if r.Body == nil {
		return ""
	}
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	return string(b)
}
