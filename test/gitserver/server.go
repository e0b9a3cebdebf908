package gitserver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cgi"
	"os"
	"path"
	"path/filepath"
	"strconv"
)

// AuthFunc decides whether r's credentials may read repo (Options.Auth) or
// push to it (Options.PushAuth); repo is the repository path without ".git"
// ("acme/app", "group/sub/project"). A nil error lets the
// request through; any error answers 401. The error is logged, so it must not
// contain the credentials.
type AuthFunc func(r *http.Request, repo string) error

// defaultRealm names the server in its basic-auth challenge.
const defaultRealm = "Git"

// maxBufferedBody bounds a chunked request body, which is read into memory
// because CGI needs a Content-Length. git sends chunked bodies only when they
// exceed its http.postBuffer (1 MiB), so this is far above what a fetch
// negotiation needs.
const maxBufferedBody = 64 << 20

// Options configures a Server.
type Options struct {
	// Root is the directory holding the bare repositories (Root/acme/app.git).
	// Required.
	Root string
	// Auth judges every request's credentials. Required.
	Auth AuthFunc
	// PushAuth, when set, lets pushes through for the requests it accepts
	// too (after Auth), e.g. checking a token's write permission. Without
	// it the server is read-only. A refusal answers 403, as GitHub and
	// GitLab answer a token that may read but not write.
	PushAuth AuthFunc
	// Realm is the basic-auth realm; defaults to "Git".
	Realm string
	// Logf, when set, receives one line per refused request and the
	// backend's error output. Nothing it gets contains credentials.
	Logf func(format string, args ...any)
}

// Server is an http.Handler serving the repositories under Options.Root.
type Server struct {
	auth     AuthFunc
	pushAuth AuthFunc
	realm    string
	logf     func(format string, args ...any)
	backend  *cgi.Handler
}

// New checks opts and finds the system git.
func New(opts Options) (*Server, error) {
	if opts.Root == "" || opts.Auth == nil {
		return nil, errors.New("gitserver: Options.Root and Options.Auth are required")
	}
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return nil, err
	}
	if info, err := os.Stat(root); err != nil || !info.IsDir() {
		return nil, fmt.Errorf("gitserver: root %s is not a directory", root)
	}
	git, err := findGit()
	if err != nil {
		return nil, fmt.Errorf("gitserver: %w", err)
	}
	s := &Server{auth: opts.Auth, pushAuth: opts.PushAuth, realm: opts.Realm, logf: opts.Logf}
	if s.realm == "" {
		s.realm = defaultRealm
	}
	if s.logf == nil {
		s.logf = func(string, ...any) {}
	}
	s.backend = &cgi.Handler{
		Path: git,
		Args: []string{"http-backend"},
		Dir:  root,
		Env: []string{
			"GIT_PROJECT_ROOT=" + root,
			// Serve every repository under root, not only those holding a
			// git-daemon-export-ok file.
			"GIT_HTTP_EXPORT_ALL=1",
			"GIT_CONFIG_NOSYSTEM=1",
			"GIT_CONFIG_GLOBAL=" + os.DevNull,
			// http-backend serves receive-pack only to an authenticated
			// REMOTE_USER unless told to; ServeHTTP has judged the request
			// before it gets here.
			"GIT_CONFIG_COUNT=1",
			"GIT_CONFIG_KEY_0=http.receivepack",
			"GIT_CONFIG_VALUE_0=" + strconv.FormatBool(opts.PushAuth != nil),
		},
		Stderr: logWriter{s.logf},
	}
	return s, nil
}

// ServeHTTP authenticates the request, refuses pushes unless PushAuth
// accepts them, and hands the rest to git http-backend.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	repo, ok := repoPath(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if err := s.authenticate(r, repo); err != nil {
		s.logf("gitserver: %s %s refused: %v", r.Method, r.URL.Path, err)
		w.Header().Set("WWW-Authenticate", `Basic realm="`+s.realm+`"`)
		http.Error(w, "authentication required", http.StatusUnauthorized)
		return
	}
	if isPush(r) {
		if s.pushAuth == nil {
			http.Error(w, "this server is read-only", http.StatusForbidden)
			return
		}
		if err := s.pushAuth(r, repo); err != nil {
			s.logf("gitserver: %s %s push refused: %v", r.Method, r.URL.Path, err)
			http.Error(w, "push refused", http.StatusForbidden)
			return
		}
	}
	if err := bufferChunkedBody(r); err != nil {
		http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	// The backend has no use for the credentials; keep them out of its
	// environment (CGI passes every header as HTTP_*).
	r = r.Clone(r.Context())
	r.Header.Del("Authorization")
	s.backend.ServeHTTP(w, r)
}

func (s *Server) authenticate(r *http.Request, repo string) error {
	if _, _, ok := r.BasicAuth(); !ok {
		return errors.New("no basic auth credentials")
	}
	return s.auth(r, repo)
}

// isPush reports a request of the receive-pack service: its advertisement
// or the push itself.
func isPush(r *http.Request) bool {
	return r.URL.Query().Get("service") == "git-receive-pack" ||
		path.Base(r.URL.Path) == "git-receive-pack"
}

// bufferChunkedBody reads a body of unknown length into memory and sets
// ContentLength, since net/http/cgi refuses chunked bodies.
func bufferChunkedBody(r *http.Request) error {
	if r.ContentLength >= 0 || r.Body == nil {
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBufferedBody+1))
	if err != nil {
		return err
	}
	if len(body) > maxBufferedBody {
		return errors.New("request body over " + strconv.Itoa(maxBufferedBody) + " bytes")
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.TransferEncoding = nil
	r.Header.Del("Transfer-Encoding")
	return nil
}

// logWriter turns the backend's stderr into Logf lines.
type logWriter struct{ logf func(string, ...any) }

func (l logWriter) Write(p []byte) (int, error) {
	l.logf("git http-backend: %s", bytes.TrimRight(p, "\n"))
	return len(p), nil
}
