package fakegithub

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// maxSecondaryLimitsRequest bounds the JSON of PUT /_fake/secondary-limits.
const maxSecondaryLimitsRequest = 1 << 12

// secondaryLimitsJSON is SecondaryLimits on the control API; window is a Go
// duration ("2s"), status 0, 403 or 429. Unknown fields are refused, so
// that a misspelt one does not silently leave a limit off.
type secondaryLimitsJSON struct {
	PointsPerWindow int    `json:"points_per_window"`
	Window          string `json:"window"`
	MaxConcurrent   int    `json:"max_concurrent"`
	Status          int    `json:"status"`
}

// secondaryStateJSON is what GET /_fake/secondary-limits answers.
type secondaryStateJSON struct {
	Limits *secondaryLimitsJSON `json:"limits"` // null: off
	// Refused counts refusals since the server started, in all and by
	// "METHOD route".
	Refused      int            `json:"refused"`
	RefusedCalls map[string]int `json:"refused_calls"`
}

// serveSecondaryLimits is the control API for the secondary limits:
//
//	GET    /_fake/secondary-limits  the limits in force (null when off) and the refusals so far
//	PUT    /_fake/secondary-limits  set the limits (JSON, see secondaryLimitsJSON)
//	DELETE /_fake/secondary-limits  turn them off
func (s *Server) serveSecondaryLimits(mux *http.ServeMux) {
	mux.HandleFunc("GET /_fake/secondary-limits", func(w http.ResponseWriter, _ *http.Request) {
		out := secondaryStateJSON{Refused: s.SecondaryLimited()}
		out.RefusedCalls, _ = s.secondary.refused.Snapshot()
		if l := s.secondary.current(); l != nil {
			out.Limits = &secondaryLimitsJSON{
				PointsPerWindow: l.PointsPerWindow, Window: l.Window.String(),
				MaxConcurrent: l.MaxConcurrent, Status: l.Status,
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("PUT /_fake/secondary-limits", func(w http.ResponseWriter, r *http.Request) {
		limits, err := decodeSecondaryLimits(io.LimitReader(r.Body, maxSecondaryLimitsRequest))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.SetSecondaryLimits(limits)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("DELETE /_fake/secondary-limits", func(w http.ResponseWriter, _ *http.Request) {
		s.SetSecondaryLimits(nil)
		w.WriteHeader(http.StatusNoContent)
	})
}

func decodeSecondaryLimits(body io.Reader) (*SecondaryLimits, error) {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	var req secondaryLimitsJSON
	if err := dec.Decode(&req); err != nil {
		return nil, fmt.Errorf("bad secondary limits: %v", err)
	}
	limits := &SecondaryLimits{PointsPerWindow: req.PointsPerWindow, MaxConcurrent: req.MaxConcurrent, Status: req.Status}
	if req.Window != "" {
		d, err := time.ParseDuration(req.Window)
		if err != nil {
			return nil, fmt.Errorf("bad secondary limits window: %v", err)
		}
		limits.Window = d
	}
	if err := limits.validate(); err != nil {
		return nil, err
	}
	return limits, nil
}
