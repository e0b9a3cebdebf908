package fakegitlab

import (
	"net/http"
	"strconv"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// Fault is a failure injected into matching requests; see
// fakeserver.Fault. Route is a pattern after /api/v4, like
// "/projects/{id}/access_tokens". A Status answer of 429 is Rack::Attack's
// "Retry later" text, any other a {"message": ...} body. RateLimitReset
// sets RateLimit-Reset to that time and RateLimit-Remaining to 0.
type Fault = fakeserver.Fault

// InjectFault adds a fault. When several match a request, the oldest wins.
func (s *Server) InjectFault(f Fault) {
	s.faults.Inject(f)
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.faults.Clear()
}

// faultReply is the answer to a Status fault.
func faultReply(f Fault) reply {
	if f.Status == http.StatusTooManyRequests {
		// Rack::Attack's throttled response.
		return reply{status: f.Status, text: "Retry later\n"}
	}
	return messageReply(f.Status, strconv.Itoa(f.Status)+" "+http.StatusText(f.Status))
}
