package fakegitlab

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// ControlHandler serves the control API the standalone binary mounts under
// /_fake/, for tests that drive the fake from another process:
//
//	GET    /_fake/tokens  every token, with the SHA-256 of its value instead of the value
//	GET    /_fake/calls   request counts by "METHOD route", and the total
//	POST   /_fake/faults  inject a fault (JSON: see faultRequest)
//	DELETE /_fake/faults  clear all faults
//
// It is unauthenticated: never expose the binary beyond localhost.
func (s *Server) ControlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_fake/tokens", s.controlTokens)
	mux.HandleFunc("GET /_fake/calls", s.controlCalls)
	mux.HandleFunc("POST /_fake/faults", s.controlInjectFault)
	mux.HandleFunc("DELETE /_fake/faults", func(w http.ResponseWriter, _ *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
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

func (s *Server) controlTokens(w http.ResponseWriter, _ *http.Request) {
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
	writeControlJSON(w, views)
}

func (s *Server) controlCalls(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	out := struct {
		Total int            `json:"total"`
		Calls map[string]int `json:"calls"`
	}{Total: s.total, Calls: map[string]int{}}
	for k, v := range s.calls {
		out.Calls[k] = v
	}
	s.mu.Unlock()
	writeControlJSON(w, out)
}

// faultRequest is a Fault on the wire: latency as a Go duration ("1.5s"),
// rate_limit_reset as RFC 3339.
type faultRequest struct {
	Method          string    `json:"method"`
	Route           string    `json:"route"`
	Status          int       `json:"status"`
	RetryAfter      string    `json:"retry_after"`
	RateLimitReset  time.Time `json:"rate_limit_reset"`
	Latency         string    `json:"latency"`
	Drop            bool      `json:"drop"`
	DropAfterCommit bool      `json:"drop_after_commit"`
	Times           int       `json:"times"`
}

func (s *Server) controlInjectFault(w http.ResponseWriter, r *http.Request) {
	var req faultRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		http.Error(w, "bad fault: "+err.Error(), http.StatusBadRequest)
		return
	}
	var latency time.Duration
	if req.Latency != "" {
		d, err := time.ParseDuration(req.Latency)
		if err != nil {
			http.Error(w, "bad latency: "+err.Error(), http.StatusBadRequest)
			return
		}
		latency = d
	}
	s.InjectFault(Fault{
		Method: strings.ToUpper(req.Method), Route: req.Route, Status: req.Status,
		RetryAfter: req.RetryAfter, RateLimitReset: req.RateLimitReset, Latency: latency,
		Drop: req.Drop, DropAfterCommit: req.DropAfterCommit, Times: req.Times,
	})
	w.WriteHeader(http.StatusNoContent)
}

func writeControlJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
