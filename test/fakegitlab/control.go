package fakegitlab

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// ControlHandler serves the control API the standalone binary mounts under
// /_fake/ (see fakeserver.ControlHandler). GET /_fake/tokens lists every
// token, with the SHA-256 of its value instead of the value. It is
// unauthenticated: never expose the binary beyond localhost.
func (s *Server) ControlHandler() http.Handler {
	return fakeserver.ControlHandler(&s.calls, s.faults, s.controlTokens)
}

// tokenView is a token as the control API shows it.
type tokenView struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"`
	Parent      string     `json:"parent"`
	UserID      int64      `json:"user_id,omitempty"`
	Username    string     `json:"username"`
	Name        string     `json:"name"`
	Scopes      []string   `json:"scopes"`
	AccessLevel int        `json:"access_level,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at"`
	Active      bool       `json:"active"`
	Live        bool       `json:"live"`
	LastUsedAt  *time.Time `json:"last_used_at"`
	SHA256      string     `json:"sha256"`
}

// controlTokens is what GET /_fake/tokens lists.
func (s *Server) controlTokens() any {
	s.mu.Lock()
	now := s.now()
	views := []tokenView{}
	for _, t := range s.db.sortedTokens() {
		snap := t.snapshot(now)
		sum := sha256.Sum256([]byte(snap.Token))
		v := tokenView{
			ID: snap.ID, Kind: snap.Kind, Parent: snap.Parent, UserID: snap.UserID,
			Username: snap.Username, Name: snap.Name, Scopes: snap.Scopes,
			AccessLevel: snap.AccessLevel, Active: snap.Active, Live: t.live(now),
			LastUsedAt: snap.LastUsedAt, SHA256: hex.EncodeToString(sum[:]),
		}
		if !snap.ExpiresAt.IsZero() {
			v.ExpiresAt = &snap.ExpiresAt
		}
		views = append(views, v)
	}
	s.mu.Unlock()
	return views
}
