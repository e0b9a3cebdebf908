package fakegithub

import (
	"net/http"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// Fault makes matching requests fail; see fakeserver.Fault. Route is a
// pattern such as RouteAccessTokens, matched at the root and under /api/v3
// alike. A Status answer carries GitHub's error body for that status (see
// faultMessage), and RetryAfter is sent on a served answer too.
type Fault = fakeserver.Fault

// InjectFault adds a fault after those already injected.
func (s *Server) InjectFault(f Fault) {
	s.faults.Inject(f)
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.faults.Clear()
}

// faultAnswer answers the request in x, which matched rt (nil for none),
// through the injected faults. A fault, once matched, also decides the
// rate-limit headers (RateLimitReset).
func (s *Server) faultAnswer(x *exchange, rt *route) fakeserver.Answer {
	return fakeserver.Answer{
		Serve: func(w http.ResponseWriter, f *Fault) {
			x.w, x.fault = w, f
			if f != nil && f.RetryAfter != "" {
				w.Header().Set("Retry-After", f.RetryAfter)
			}
			s.serveEndpoint(x, rt)
		},
		Refuse: func(w http.ResponseWriter, f Fault) {
			x.w, x.fault = w, &f
			msg, doc := faultMessage(f)
			x.writeErrorDoc(f.Status, msg, doc)
		},
	}
}

// faultMessage is the message and documentation URL GitHub sends with such
// a status.
func faultMessage(f Fault) (string, string) {
	limited := f.Status == http.StatusForbidden || f.Status == http.StatusTooManyRequests
	switch {
	case limited && !f.RateLimitReset.IsZero():
		return "API rate limit exceeded. Check out the documentation for more information.", docsPrimaryRateLimit
	case limited && (f.RetryAfter != "" || f.Status == http.StatusTooManyRequests):
		return secondaryLimitMessage, docsSecondaryRateLimit
	case f.Status == http.StatusForbidden:
		return "Resource not accessible by integration", docsREST
	}
	return http.StatusText(f.Status), docsREST
}
