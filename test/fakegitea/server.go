package fakegitea

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// Flavour is which server the fake plays.
type Flavour int

const (
	// Gitea ignores a token's repositories: every token is unrestricted.
	Gitea Flavour = iota
	// Forgejo (v15.0 and later) restricts a token to named repositories.
	Forgejo
)

// Options configure a Server.
type Options struct {
	Flavour Flavour
	// Version is what /version answers; empty means 1.24.6 (Gitea) or
	// 15.0.1+gitea-1.22.0 (Forgejo).
	Version string
	// Now is the clock for created_at and last_used_at; nil means time.Now.
	Now func() time.Time
}

// Server is a fake Gitea or Forgejo. Make one with New or Start.
type Server struct {
	flavour Flavour
	version string
	now     func() time.Time
	api     http.Handler

	host   *fakeserver.Host
	faults *fakeserver.Faults
	calls  fakeserver.CallCounter

	mu sync.Mutex
	db *store
}

// New returns a Server that is not listening; serve Handler yourself.
func New(opts Options) *Server {
	host := fakeserver.NewHost()
	s := &Server{
		flavour: opts.Flavour, version: opts.Version, now: opts.Now,
		host: host, faults: fakeserver.NewFaults(host.Done()), db: newStore(),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.version == "" {
		s.version = "1.24.6"
		if s.flavour == Forgejo {
			s.version = "15.0.1+gitea-1.22.0"
		}
	}
	s.api = s.routes()
	return s
}

// Start serves a new Server on a local listener for the test; its cleanup
// reports every token created through the API that is still live.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := New(opts)
	s.host.Start(t, s.Handler(), s.leaks)
	return s
}

// Handler serves the API under /api/v1 and the registry's /v2/token.
func (s *Server) Handler() http.Handler { return s.api }

// URL is the server root without a trailing slash ("" for New).
func (s *Server) URL() string { return s.host.URL() }

// AllowLiveTokens turns off the end-of-test leak check.
func (s *Server) AllowLiveTokens() { s.host.AllowLiveTokens() }

// Close stops the listener; safe to call more than once.
func (s *Server) Close() { s.host.Close() }

// Fault is a failure injected into matching requests; see fakeserver.Fault.
// Route is the pattern after /api/v1, e.g. "/users/{username}/tokens".
type Fault = fakeserver.Fault

// InjectFault adds a fault; the oldest matching one wins.
func (s *Server) InjectFault(f Fault) { s.faults.Inject(f) }

// ClearFaults removes every fault.
func (s *Server) ClearFaults() { s.faults.Clear() }

// Calls counts requests to a route pattern with a method.
func (s *Server) Calls(method, route string) int { return s.calls.Count(method, route) }

func (s *Server) leaks() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, t := range s.db.tokens {
		if !t.deleted && !t.seeded {
			out = append(out, fmt.Sprintf("fakegitea: token %d %q of user %d (scopes %v) is still live at the end of the test",
				t.id, t.name, t.uid, t.scopes))
		}
	}
	return out
}
