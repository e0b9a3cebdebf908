package fakegitea

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// handler answers one authenticated request with s.mu held. It writes its
// answer itself, so a DropAfterCommit fault finds the change made.
type handler func(s *Server, w http.ResponseWriter, r *http.Request, who principal)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	routes := []struct {
		method, route string
		h             handler
	}{
		{"GET", "/version", getVersion},
		{"GET", "/user", getUser},
		{"GET", "/users/{username}/tokens", listTokens},
		{"POST", "/users/{username}/tokens", createToken},
		{"DELETE", "/users/{username}/tokens/{token}", deleteToken},
		{"GET", "/repos/{owner}/{repo}", getRepo},
		{"PATCH", "/repos/{owner}/{repo}", editRepo},
		{"PATCH", "/admin/users/{username}", adminEditUser},
	}
	for _, rt := range routes {
		mux.Handle(rt.method+" /api/v1"+rt.route, s.serve(rt.route, rt.h))
	}
	mux.Handle("GET /v2/token", s.serve("/v2/token", registryToken))
	mux.Handle("/", s.serve("", nil))
	return mux
}

func (s *Server) serve(route string, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.calls.Record(r.Method, route)
		s.faults.Serve(w, r, route, fakeserver.Answer{
			Serve: func(w http.ResponseWriter, _ *Fault) {
				if h == nil {
					message(w, http.StatusNotFound, "not found")
					return
				}
				s.mu.Lock()
				defer s.mu.Unlock()
				who, ok := s.authenticate(w, r)
				if !ok {
					return
				}
				h(s, w, r, who)
			},
			Refuse: func(w http.ResponseWriter, f Fault) {
				message(w, f.Status, http.StatusText(f.Status))
			},
		})
	}
}

// message is Gitea's APIError body: {"message": ..., "url": ...}.
func message(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg, "url": "/api/swagger"})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// principal is who a request authenticated as: nobody (u nil), a user by
// password (tok nil), or a user's token.
type principal struct {
	u   *user
	tok *token
	// basic is set when the credential came as basic auth (a password, or
	// a token given as the password).
	basic bool
}

// restricted reports a Forgejo repository-restricted token.
func (p principal) restricted() bool { return p.tok != nil && p.tok.repos != nil }

// siteAdmin is the user's admin power as this credential carries it: a
// restricted token drops it (Forgejo PR #11468).
func (p principal) siteAdmin() bool { return p.u != nil && p.u.admin && !p.restricted() }

// authenticate reads "Authorization: token|bearer X" or basic auth (a
// password, or a token as the password). A credential that does not work is
// a 401, never a silent anonymous request.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (principal, bool) {
	h := r.Header.Get("Authorization")
	if scheme, value, ok := strings.Cut(h, " "); ok && (strings.EqualFold(scheme, "token") || strings.EqualFold(scheme, "bearer")) {
		t := s.db.tokenByValue(strings.TrimSpace(value))
		if t == nil {
			message(w, http.StatusUnauthorized, "user does not exist")
			return principal{}, false
		}
		return s.use(t), true
	}
	login, password, ok := r.BasicAuth()
	if !ok {
		if h != "" {
			message(w, http.StatusUnauthorized, "unsupported authorization")
			return principal{}, false
		}
		return principal{}, true
	}
	if t := s.db.tokenByValue(password); t != nil {
		who := s.use(t)
		who.basic = true
		return who, true
	}
	u := s.db.userByLogin(login)
	if u == nil || u.password == "" || u.password != password {
		message(w, http.StatusUnauthorized, "user's password is invalid")
		return principal{}, false
	}
	if u.mustChange {
		message(w, http.StatusForbidden, "You must change your password. Change it at: /user/change_password")
		return principal{}, false
	}
	return principal{u: u, basic: true}, true
}

func (s *Server) use(t *token) principal {
	t.lastUsed = s.now()
	return principal{u: s.db.userByID(t.uid), tok: t}
}

// needScope refuses a token without level on cat, with the real wording.
func needScope(w http.ResponseWriter, who principal, level, cat string) bool {
	if who.tok == nil || allows(who.tok.scopes, level, cat) {
		return true
	}
	message(w, http.StatusForbidden, "token does not have at least one of required scope(s): ["+level+":"+cat+"]")
	return false
}

func needUser(w http.ResponseWriter, who principal) bool {
	if who.u == nil {
		message(w, http.StatusUnauthorized, "token is required")
		return false
	}
	return true
}

func getVersion(s *Server, w http.ResponseWriter, _ *http.Request, _ principal) {
	writeJSON(w, http.StatusOK, map[string]string{"version": s.version})
}

func getUser(_ *Server, w http.ResponseWriter, _ *http.Request, who principal) {
	if !needUser(w, who) || !needScope(w, who, "read", "user") {
		return
	}
	writeJSON(w, http.StatusOK, userJSON(who.u))
}

func userJSON(u *user) map[string]any {
	return map[string]any{"id": u.id, "login": u.login, "login_name": "", "source_id": 0, "is_admin": u.admin, "email": u.login + "@example.com"}
}
