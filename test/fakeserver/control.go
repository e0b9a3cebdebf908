package fakeserver

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxFaultRequest bounds a fault's JSON; a real one is a few hundred bytes.
const maxFaultRequest = 1 << 16

// ControlHandler serves a fake's control API, for tests that drive a
// standalone fake from another process:
//
//	GET    /_fake/tokens  the fake's tokens as tokens() describes them: by hash, never by value
//	GET    /_fake/calls   request counts per "METHOD route", and the total
//	POST   /_fake/faults  inject a fault (JSON, see faultRequest)
//	DELETE /_fake/faults  clear all faults
//
// Control requests are not counted as calls. The API is unauthenticated:
// never expose a fake beyond localhost.
func ControlHandler(calls *CallCounter, faults *Faults, tokens func() any) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_fake/tokens", func(w http.ResponseWriter, _ *http.Request) {
		writeControlJSON(w, tokens())
	})
	mux.HandleFunc("GET /_fake/calls", func(w http.ResponseWriter, _ *http.Request) {
		counts, total := calls.Snapshot()
		writeControlJSON(w, callsJSON{Total: total, Calls: counts})
	})
	mux.HandleFunc("POST /_fake/faults", func(w http.ResponseWriter, r *http.Request) {
		f, err := decodeFault(io.LimitReader(r.Body, maxFaultRequest))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		faults.Inject(f)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("DELETE /_fake/faults", func(w http.ResponseWriter, _ *http.Request) {
		faults.Clear()
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

type callsJSON struct {
	Total int            `json:"total"`
	Calls map[string]int `json:"calls"`
}

// faultRequest is a Fault on the wire: latency is a Go duration ("250ms"),
// rate_limit_reset RFC 3339. Unknown fields are refused, so that a
// misspelt one is not silently a different fault.
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

func decodeFault(body io.Reader) (Fault, error) {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	var req faultRequest
	if err := dec.Decode(&req); err != nil {
		return Fault{}, fmt.Errorf("bad fault: %v", err)
	}
	var latency time.Duration
	if req.Latency != "" {
		d, err := time.ParseDuration(req.Latency)
		if err != nil {
			return Fault{}, fmt.Errorf("bad fault latency: %v", err)
		}
		latency = d
	}
	return Fault{
		Method: strings.ToUpper(req.Method), Route: req.Route, Status: req.Status,
		RetryAfter: req.RetryAfter, RateLimitReset: req.RateLimitReset, Latency: latency,
		Drop: req.Drop, DropAfterCommit: req.DropAfterCommit, Times: req.Times,
	}, nil
}

func writeControlJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
