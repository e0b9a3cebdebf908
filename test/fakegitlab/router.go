package fakegitlab

import (
	"net/http"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// endpoint is one route of the API.
type endpoint struct {
	method string
	route  string // pattern after /api/v4, as Calls and Fault name it
	scopes scopeRule
	handle func(*call) reply
}

// call is one authenticated request in progress; handlers run with s.mu
// held.
type call struct {
	s      *Server
	r      *http.Request
	params params
	user   *user
	token  *tokenRecord
}

// routes builds the API mux. Go's ServeMux matches an escaped "%2F" inside
// one segment, so {id} takes "acme%2Fapp" as GitLab does.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, e := range s.endpoints() {
		mux.Handle(e.method+" /api/v4"+e.route, s.serve(e))
	}
	// Grape's catch-all; it does not authenticate.
	mux.Handle("/", s.serve(endpoint{handle: nil}))
	return mux
}

func (s *Server) endpoints() []endpoint {
	eps := []endpoint{
		{"GET", "/version", userScopes, getMetadata},
		{"GET", "/metadata", userScopes, getMetadata},
		{"GET", "/user", userScopes, getCurrentUser},
		{"GET", "/users", userScopes, listUsers},
		{"GET", "/users/{user_id}", userScopes, getUser},
		{"POST", "/users/{user_id}/personal_access_tokens", apiScopes, createPersonalToken},

		{"GET", "/personal_access_tokens", apiScopes, listPersonalTokens},
		{"GET", "/personal_access_tokens/self", anyScope, getPersonalTokenSelf},
		{"DELETE", "/personal_access_tokens/self", anyScope, revokePersonalTokenSelf},
		{"POST", "/personal_access_tokens/self/rotate", rotateScopes, rotatePersonalTokenSelf},
		{"GET", "/personal_access_tokens/{token_id}", apiScopes, getPersonalToken},
		{"DELETE", "/personal_access_tokens/{token_id}", apiScopes, revokePersonalToken},
		{"POST", "/personal_access_tokens/{token_id}/rotate", apiScopes, rotatePersonalToken},

		{"GET", "/projects/{id}", apiScopes, getProject},
		{"GET", "/groups/{id}", apiScopes, getGroup},
	}
	for _, kind := range []string{"project", "group"} {
		base := "/" + kind + "s/{id}"
		eps = append(eps,
			endpoint{"GET", base + "/access_tokens", apiScopes, listResourceTokens(kind)},
			endpoint{"POST", base + "/access_tokens", apiScopes, createResourceToken(kind)},
			endpoint{"GET", base + "/access_tokens/{token_id}", apiScopes, getResourceToken(kind)},
			endpoint{"DELETE", base + "/access_tokens/{token_id}", apiScopes, revokeResourceToken(kind)},
			endpoint{"POST", base + "/access_tokens/{token_id}/rotate", apiScopes, rotateResourceToken(kind)},
			endpoint{"POST", base + "/access_tokens/self/rotate", rotateScopes, rotateResourceTokenSelf(kind)},

			endpoint{"GET", base + "/deploy_tokens", apiScopes, listDeployTokens(kind)},
			endpoint{"POST", base + "/deploy_tokens", apiScopes, createDeployToken(kind)},
			endpoint{"GET", base + "/deploy_tokens/{token_id}", apiScopes, getDeployToken(kind)},
			endpoint{"DELETE", base + "/deploy_tokens/{token_id}", apiScopes, deleteDeployToken(kind)},
		)
	}
	return append(eps, serviceAccountEndpoints()...)
}

// serve wraps an endpoint with call counting, faults, authentication and
// the rate-limit headers.
func (s *Server) serve(e endpoint) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.calls.Record(r.Method, e.route)
		s.mu.Lock()
		rate := s.countRequest(s.now())
		s.mu.Unlock()
		s.faults.Serve(w, r, e.route, fakeserver.Answer{
			Serve: func(w http.ResponseWriter, f *Fault) {
				s.write(w, s.act(r, e), rate.under(f))
			},
			Refuse: func(w http.ResponseWriter, f Fault) {
				s.write(w, faultReply(f), rate.under(&f))
			},
		})
	}
}

// act authenticates and runs the handler under the lock.
func (s *Server) act(r *http.Request, e endpoint) reply {
	if e.handle == nil {
		return errorReply(http.StatusNotFound, "404 Not Found")
	}
	p, err := readParams(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &call{s: s, r: r, params: p}
	if rep, ok := s.authenticate(c, e.scopes); !ok {
		return rep
	}
	if err != nil {
		return errorReply(http.StatusBadRequest, "The request body could not be parsed")
	}
	return e.handle(c)
}

// Calls counts requests to a route pattern (such as
// "/projects/{id}/access_tokens") with a method, whatever their outcome.
// Unknown paths count under the route "".
func (s *Server) Calls(method, route string) int {
	return s.calls.Count(method, route)
}

// TotalCalls counts every request the API received.
func (s *Server) TotalCalls() int {
	return s.calls.Total()
}

// ResetCalls sets every count back to zero.
func (s *Server) ResetCalls() {
	s.calls.Reset()
}
