package fakegithub

import (
	"encoding/json"
	"net/http"
	"time"
)

// ControlHandler serves the fake's own API under /_fake/, for tests that
// drive a standalone fake from another process:
//
//	GET    /_fake/tokens  live tokens, named by hash, never by value
//	GET    /_fake/calls   request counts per "METHOD route", and the total
//	POST   /_fake/faults  inject a fault (JSON, see faultRequest)
//	DELETE /_fake/faults  clear all faults
//
// These requests are not counted as calls.
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

// liveTokenJSON describes a live token without its value.
type liveTokenJSON struct {
	SHA256         string            `json:"sha256"` // base64, like hashed_token
	InstallationID int64             `json:"installation_id"`
	Repositories   []string          `json:"repositories"`
	Permissions    map[string]string `json:"permissions"`
	IssuedAt       time.Time         `json:"issued_at"`
	ExpiresAt      time.Time         `json:"expires_at"`
}

func (s *Server) controlTokens(w http.ResponseWriter, _ *http.Request) {
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
	writeControlJSON(w, out)
}

func (s *Server) controlCalls(w http.ResponseWriter, _ *http.Request) {
	calls, total := s.callCounts()
	writeControlJSON(w, map[string]any{"total": total, "calls": calls})
}

// faultRequest is Fault as JSON; latency is a Go duration ("250ms").
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
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	var req faultRequest
	if err := dec.Decode(&req); err != nil {
		http.Error(w, "bad fault: "+err.Error(), http.StatusBadRequest)
		return
	}
	var latency time.Duration
	if req.Latency != "" {
		d, err := time.ParseDuration(req.Latency)
		if err != nil {
			http.Error(w, "bad fault latency: "+err.Error(), http.StatusBadRequest)
			return
		}
		latency = d
	}
	s.InjectFault(Fault{
		Method: req.Method, Route: req.Route, Status: req.Status, RetryAfter: req.RetryAfter,
		RateLimitReset: req.RateLimitReset, Latency: latency, Drop: req.Drop,
		DropAfterCommit: req.DropAfterCommit, Times: req.Times,
	})
	w.WriteHeader(http.StatusNoContent)
}

func writeControlJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
