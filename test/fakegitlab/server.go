package fakegitlab

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Options configure a Server.
type Options struct {
	// Now is the clock for expiry, "today" (UTC), timestamps and rate-limit
	// windows. Nil means time.Now.
	Now func() time.Time
	// Version is what /version and /metadata report. Empty means "18.5.0".
	Version string
}

const defaultVersion = "18.5.0"

// Server is a fake GitLab instance. The zero value is not usable; call New
// or Start.
type Server struct {
	now     func() time.Time
	version string
	api     http.Handler

	// closing ends injected latency early so that Close never waits on it.
	closing   chan struct{}
	closeOnce sync.Once
	httpSrv   *httptest.Server

	mu        sync.Mutex
	db        *store
	faults    []*activeFault
	calls     map[string]int
	total     int
	window    rateWindow
	allowLive bool
}

// New returns a Server that is not listening; serve Handler yourself.
func New(opts Options) *Server {
	s := &Server{
		now:     opts.Now,
		version: opts.Version,
		closing: make(chan struct{}),
		db:      newStore(),
		calls:   map[string]int{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.version == "" {
		s.version = defaultVersion
	}
	s.api = s.routes()
	return s
}

// Start serves a new Server on a local httptest listener. Its cleanup closes
// the server and reports, with t.Errorf, every token created through the API
// that is still live (seeded tokens and their rotations are exempt), unless
// AllowLiveTokens was called.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := New(opts)
	s.httpSrv = httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		s.Close()
		s.reportLeaks(t)
	})
	return s
}

// Handler serves the API under /api/v4; every other path answers GitLab's
// 404.
func (s *Server) Handler() http.Handler { return s.api }

// URL is the instance root, without a trailing slash: clients append
// /api/v4. It is empty for a Server made with New.
func (s *Server) URL() string {
	if s.httpSrv == nil {
		return ""
	}
	return s.httpSrv.URL
}

// AllowLiveTokens turns off the leak check for this server, for tests that
// mean to leave tokens behind.
func (s *Server) AllowLiveTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.allowLive = true
}

// Close stops the listener (when Start made one) and cuts short any
// injected latency. It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		if s.httpSrv != nil {
			s.httpSrv.Close()
		}
	})
}

// reportLeaks fails the test for each live token the API created. Only
// metadata is printed, never the token.
func (s *Server) reportLeaks(t testing.TB) {
	s.mu.Lock()
	allow := s.allowLive
	leaked := s.db.leakedTokens(s.now())
	s.mu.Unlock()
	if allow {
		return
	}
	for _, tok := range leaked {
		t.Errorf("fakegitlab: %s token %d %q on %s (scopes %v, expires %s) is still live at the end of the test",
			tok.Kind, tok.ID, tok.Name, tok.Parent, tok.Scopes, expiryText(tok))
	}
}

func expiryText(tok Token) string {
	if tok.ExpiresAt.IsZero() {
		return "never"
	}
	if tok.Kind == KindDeploy {
		return formatTime(tok.ExpiresAt)
	}
	return formatDate(tok.ExpiresAt)
}
