package fakegitlab

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// Options configure a Server.
type Options struct {
	// Now is the clock for expiry, "today" (UTC), timestamps and rate-limit
	// windows. Nil means time.Now.
	Now func() time.Time
	// Version is what /version and /metadata report. Empty means "18.5.0".
	Version string
	// RegistryHost is the container registry host (with port) project JSON
	// names in container_registry_image_prefix, as registry_external_url
	// sets it on a real instance. Empty means the host the request reached,
	// a registry on the API's own host and port.
	RegistryHost string
	// RegistryDisabled leaves container_registry_image_prefix out of
	// project JSON, as GitLab does when the instance has no registry.
	RegistryDisabled bool
	// OwnersCannotCreateServiceAccounts is GitLab Self-Managed's default:
	// the admin setting "Allow top-level group owners to create service
	// accounts" is off, so only administrators create and delete group
	// service accounts. The zero value is GitLab.com's behaviour, where
	// the setting is on (api_service_accounts.go).
	OwnersCannotCreateServiceAccounts bool
}

const defaultVersion = "18.5.0"

// Server is a fake GitLab instance. The zero value is not usable; call New
// or Start.
type Server struct {
	now      func() time.Time
	version  string
	registry Options // RegistryHost and RegistryDisabled
	api      http.Handler

	host   *fakeserver.Host
	faults *fakeserver.Faults
	calls  fakeserver.CallCounter

	mu     sync.Mutex
	db     *store
	window rateWindow

	// ownersCreateServiceAccounts is the inverse of
	// Options.OwnersCannotCreateServiceAccounts.
	ownersCreateServiceAccounts bool
}

// New returns a Server that is not listening; serve Handler yourself.
func New(opts Options) *Server {
	host := fakeserver.NewHost()
	s := &Server{
		now:      opts.Now,
		version:  opts.Version,
		registry: Options{RegistryHost: opts.RegistryHost, RegistryDisabled: opts.RegistryDisabled},
		host:     host,
		faults:   fakeserver.NewFaults(host.Done()),
		db:       newStore(),
	}
	s.ownersCreateServiceAccounts = !opts.OwnersCannotCreateServiceAccounts
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
	s.host.Start(t, s.Handler(), s.leaks)
	return s
}

// Handler serves the API under /api/v4; every other path answers GitLab's
// 404.
func (s *Server) Handler() http.Handler { return s.api }

// URL is the instance root, without a trailing slash: clients append
// /api/v4. It is empty for a Server made with New.
func (s *Server) URL() string {
	return s.host.URL()
}

// AllowLiveTokens turns off the leak check for this server, for tests that
// mean to leave tokens behind.
func (s *Server) AllowLiveTokens() {
	s.host.AllowLiveTokens()
}

// Close stops the listener (when Start made one) and cuts short any
// injected latency. It is safe to call more than once.
func (s *Server) Close() {
	s.host.Close()
}

// leaks describes each live token the API created. Only metadata is
// printed, never the token.
func (s *Server) leaks() []string {
	s.mu.Lock()
	leaked := s.db.leakedTokens(s.now())
	s.mu.Unlock()
	var out []string
	for _, tok := range leaked {
		out = append(out, fmt.Sprintf("fakegitlab: %s token %d %q on %s (scopes %v, expires %s) is still live at the end of the test",
			tok.Kind, tok.ID, tok.Name, tok.Parent, tok.Scopes, expiryText(tok)))
	}
	return out
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
