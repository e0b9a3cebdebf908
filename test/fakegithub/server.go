package fakegithub

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Options configures a Server.
type Options struct {
	Now func() time.Time // nil: time.Now

	// LongTokens issues the stateless format GitHub began rolling out in
	// 2026 ("ghs_<appid>_<jwt-like with dots>", about 520 characters) instead
	// of the classic "ghs_" + 36 alphanumerics. A request can force either
	// format with the header X-GitHub-Stateless-S2S-Token: enabled|disabled,
	// as GitHub allows for testing.
	LongTokens bool

	// RateLimit is the number of requests each credential (an App, an
	// installation, or unauthenticated callers together) may make per hour.
	// 0 means GitHub's 5000; negative means unlimited.
	RateLimit int

	// AppIDIssuerOnly rejects a JWT whose `iss` is the client ID, as older
	// GHES releases do.
	AppIDIssuerOnly bool
}

// Server is a fake GitHub API. All methods are safe for concurrent use.
type Server struct {
	opts   Options
	routes []route

	// done is closed by Close so that injected latency stops waiting.
	done      chan struct{}
	closeOnce sync.Once

	mu    sync.Mutex
	state state
	calls map[string]int // "METHOD route"
	total int
	// requestSeq numbers requests for X-GitHub-Request-Id; unlike total it
	// is never reset, so IDs stay unique.
	requestSeq int64
	// faults are matched in the order they were injected.
	faults     []*injectedFault
	rate       map[string]*rateWindow
	allowLive  bool
	httpServer *httptest.Server
}

// New returns a Server with no Apps and no installations.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Server{
		opts:   opts,
		routes: routeTable(),
		done:   make(chan struct{}),
		state:  newState(),
		calls:  map[string]int{},
		rate:   map[string]*rateWindow{},
	}
}

// Handler serves the GitHub API at the root and under /api/v3.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(s.serveHTTP)
}

// Start runs s on an httptest server. When the test ends the server is
// closed and the test fails if any issued token is still live, unless
// AllowLiveTokens was called: a client that leaks tokens should not pass.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := New(opts)
	srv := httptest.NewServer(s.Handler())
	s.mu.Lock()
	s.httpServer = srv
	s.mu.Unlock()
	t.Cleanup(func() {
		defer s.Close()
		s.mu.Lock()
		allow := s.allowLive
		s.mu.Unlock()
		if allow {
			return
		}
		if live := s.LiveTokens(); len(live) > 0 {
			t.Errorf("fakegithub: %d installation token(s) still live at the end of the test "+
				"(revoke them, or call AllowLiveTokens): %s", len(live), describeTokens(live))
		}
	})
	return s
}

// URL is the github.com-style API root, without a trailing slash. It is
// empty for a Server that was not made by Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.httpServer == nil {
		return ""
	}
	return s.httpServer.URL
}

// GHESURL is the GitHub Enterprise Server-style API root, URL() + "/api/v3".
func (s *Server) GHESURL() string {
	return s.URL() + ghesPrefix
}

// AllowLiveTokens turns off Start's end-of-test check for live tokens.
func (s *Server) AllowLiveTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.allowLive = true
}

// Close stops the server. Requests waiting on injected latency are
// abandoned. Calling Close more than once is harmless.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.mu.Lock()
		srv := s.httpServer
		s.mu.Unlock()
		if srv != nil {
			srv.CloseClientConnections()
			srv.Close()
		}
	})
}

func (s *Server) now() time.Time {
	return s.opts.Now()
}
