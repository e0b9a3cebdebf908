package fakegithub

import (
	"net/http"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// ControlHandler serves the fake's own API under /_fake/ (see
// fakeserver.ControlHandler), for tests that drive a standalone fake from
// another process. GET /_fake/tokens lists the live tokens, named by hash,
// never by value; /_fake/secondary-limits reads and sets the secondary
// limits (see serveSecondaryLimits).
func (s *Server) ControlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/_fake/", fakeserver.ControlHandler(&s.calls, s.faults, s.controlTokens))
	s.serveSecondaryLimits(mux)
	return mux
}

// liveTokenJSON describes a live token without its value.
type liveTokenJSON struct {
	SHA256         string            `json:"sha256"` // base64, like hashed_token
	InstallationID int64             `json:"installation_id"`
	Repositories   []string          `json:"repositories"`
	Permissions    map[string]string `json:"permissions"`
	IssuedAt       time.Time         `json:"issued_at"`
	ExpiresAt      time.Time         `json:"expires_at"`
}

// controlTokens is what GET /_fake/tokens lists.
func (s *Server) controlTokens() any {
	out := []liveTokenJSON{}
	for _, t := range s.LiveTokens() {
		out = append(out, liveTokenJSON{
			SHA256:         HashToken(t.Token),
			InstallationID: t.InstallationID,
			Repositories:   t.Repositories,
			Permissions:    t.Permissions,
			IssuedAt:       t.IssuedAt,
			ExpiresAt:      t.ExpiresAt,
		})
	}
	return out
}
