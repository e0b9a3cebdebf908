package fakegithub

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
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

	// SecondaryLimits, when set, enforces GitHub's secondary rate limits
	// (see SecondaryLimits; GitHubSecondaryLimits has the documented
	// values). nil, the default, enforces none. New panics on invalid
	// limits.
	SecondaryLimits *SecondaryLimits

	// ServerCert, when set, makes Start serve HTTPS with it, as a GitHub
	// Enterprise Server behind a private CA (fakeserver.NewPrivateCA)
	// does; nil serves plain HTTP.
	ServerCert *tls.Certificate
}

// Server is a fake GitHub API. All methods are safe for concurrent use.
type Server struct {
	opts   Options
	routes []route

	host   *fakeserver.Host
	faults *fakeserver.Faults
	calls  fakeserver.CallCounter

	mu    sync.Mutex
	state state
	rate  map[string]*rateWindow

	secondary secondaryLimiter
}

// New returns a Server with no Apps and no installations.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	host := fakeserver.NewHost()
	s := &Server{
		opts:   opts,
		routes: routeTable(),
		host:   host,
		faults: fakeserver.NewFaults(host.Done()),
		state:  newState(),
		rate:   map[string]*rateWindow{},
	}
	s.secondary.set(opts.SecondaryLimits)
	return s
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
	if opts.ServerCert != nil {
		s.host.StartTLS(t, s.Handler(), s.leaks, *opts.ServerCert)
	} else {
		s.host.Start(t, s.Handler(), s.leaks)
	}
	return s
}

// leaks reports the tokens still live, by hash.
func (s *Server) leaks() []string {
	live := s.LiveTokens()
	if len(live) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("fakegithub: %d installation token(s) still live at the end of the test "+
		"(revoke them, or call AllowLiveTokens): %s", len(live), describeTokens(live))}
}

// URL is the github.com-style API root, without a trailing slash. It is
// empty for a Server that was not made by Start.
func (s *Server) URL() string {
	return s.host.URL()
}

// GHESURL is the GitHub Enterprise Server-style API root, URL() + "/api/v3".
func (s *Server) GHESURL() string {
	return s.URL() + ghesPrefix
}

// AllowLiveTokens turns off Start's end-of-test check for live tokens.
func (s *Server) AllowLiveTokens() {
	s.host.AllowLiveTokens()
}

// Close stops the server. Requests waiting on injected latency are
// abandoned. Calling Close more than once is harmless.
func (s *Server) Close() {
	s.host.Close()
}

func (s *Server) now() time.Time {
	return s.opts.Now()
}
