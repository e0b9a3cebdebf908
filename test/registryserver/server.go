package registryserver

import (
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"

	"github.com/google/go-containerregistry/pkg/registry"
)

// AuthFunc decides whether r's credentials may pull from repo, the
// repository name ("acme/app"). A nil error lets the request through; any
// error answers 401. The error is logged, so it must not contain the
// credentials.
type AuthFunc func(r *http.Request, repo string) error

// defaultRealm names the server in its basic-auth challenge.
const defaultRealm = "Registry"

// Options configures a Server.
type Options struct {
	// Auth judges the credentials of every repository request. Required.
	Auth AuthFunc
	// Realm is the basic-auth realm; defaults to "Registry".
	Realm string
	// Logf, when set, receives one line per refused request. Nothing it
	// gets contains credentials.
	Logf func(format string, args ...any)
}

// Server is an http.Handler serving an in-memory registry. Serve it at the
// site root.
type Server struct {
	auth     AuthFunc
	realm    string
	logf     func(format string, args ...any)
	registry http.Handler // the registry without auth
}

// New returns an empty registry.
func New(opts Options) (*Server, error) {
	if opts.Auth == nil {
		return nil, errors.New("registryserver: Options.Auth is required")
	}
	s := &Server{
		auth:  opts.Auth,
		realm: opts.Realm,
		logf:  opts.Logf,
		// The registry logs every request to stderr by default.
		registry: registry.New(registry.Logger(log.New(io.Discard, "", 0))),
	}
	if s.realm == "" {
		s.realm = defaultRealm
	}
	if s.logf == nil {
		s.logf = func(string, ...any) {}
	}
	return s, nil
}

// ServeHTTP authenticates the request, refuses writes, and hands the rest
// to the registry.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := s.authenticate(r); err != nil {
		s.logf("registryserver: %s %s refused: %v", r.Method, r.URL.Path, err)
		w.Header().Set("WWW-Authenticate", `Basic realm="`+s.realm+`"`)
		writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeError(w, http.StatusForbidden, "DENIED", "this registry is read-only")
		return
	}
	s.registry.ServeHTTP(w, r)
}

// authenticate requires basic credentials on every request and lets the
// callback judge them for the repository the request concerns. The version
// check (/v2/) concerns no repository, so any credentials pass it, as they
// pass `docker login` on a registry that scopes access per repository.
// Paths that concern no repository and are not the version check (the
// catalog) are judged against the empty repository name.
func (s *Server) authenticate(r *http.Request) error {
	if _, _, ok := r.BasicAuth(); !ok {
		return errors.New("no basic auth credentials")
	}
	if isBase(r.URL.Path) {
		return nil
	}
	repo, _ := repoName(r.URL.Path)
	return s.auth(r, repo)
}

// writeError answers in the registry API's error format, which clients
// parse into their error messages.
func writeError(w http.ResponseWriter, status int, code, message string) {
	type apiError struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	body, _ := json.Marshal(map[string][]apiError{"errors": {{Code: code, Message: message}}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
