package fakegithub

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// exchange is one request on its way through the pipeline.
type exchange struct {
	s         *Server
	w         http.ResponseWriter
	r         *http.Request
	now       time.Time
	requestID int64
	prefix    string // "" or "/api/v3"
	path      string // the request path without prefix
	params    map[string]string

	// Set by authentication.
	app   *appState
	token *tokenState

	// rate is what the x-ratelimit-* headers report; charged once per
	// request, against the caller's bucket when it is known.
	rate    rateSnapshot
	charged bool
	// fault, when set, overrides the rate-limit headers.
	fault *Fault
	// tooConcurrent is set on arrival when the caller already had
	// SecondaryLimits.MaxConcurrent requests in flight.
	tooConcurrent bool
}

func (s *Server) newExchange(w http.ResponseWriter, r *http.Request) *exchange {
	prefix, path := splitPrefix(r.URL.Path)
	return &exchange{s: s, w: w, r: r, now: s.now(), prefix: prefix, path: path}
}

// webRoot is the scheme and host the request came to, e.g.
// "http://127.0.0.1:4000"; it stands in for https://github.com in URLs.
func (x *exchange) webRoot() string {
	scheme := "http"
	if x.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + x.r.Host
}

// apiRoot is the API root the request used, with the GHES prefix if any.
func (x *exchange) apiRoot() string {
	return x.webRoot() + x.prefix
}

// writeHead writes the status line and the headers GitHub sends on every
// response.
func (x *exchange) writeHead(status int, contentType string) {
	if !x.charged {
		x.charge(anonymousBucket)
	}
	h := x.w.Header()
	x.rate.apply(h, x.fault)
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	h.Set("X-GitHub-Api-Version-Selected", x.apiVersion())
	h.Set("X-GitHub-Request-Id", fmt.Sprintf("FAKE:%X", x.requestID))
	x.w.WriteHeader(status)
}

func (x *exchange) apiVersion() string {
	if v := x.r.Header.Get(apiVersionHeader); isSupportedAPIVersion(v) {
		return v
	}
	return defaultAPIVersion
}

func (x *exchange) writeJSON(status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only the fake's own types are marshalled; this is a bug here.
		panic("fakegithub: marshal response: " + err.Error())
	}
	x.writeHead(status, "application/json; charset=utf-8")
	_, _ = x.w.Write(body)
}

// errorBody is GitHub's error JSON.
type errorBody struct {
	Message          string `json:"message"`
	DocumentationURL string `json:"documentation_url"`
	Status           string `json:"status"`
}

// Documentation URLs GitHub puts in error bodies. Clients read them:
// go-github, for one, recognises a secondary rate limit by its URL.
const (
	docsREST               = "https://docs.github.com/rest"
	docsCreateToken        = "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app"
	docsPrimaryRateLimit   = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits"
	docsSecondaryRateLimit = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
)

func (x *exchange) writeError(status int, message string) {
	x.writeErrorDoc(status, message, docsREST)
}

func (x *exchange) writeErrorDoc(status int, message, documentationURL string) {
	x.writeJSON(status, errorBody{
		Message:          message,
		DocumentationURL: documentationURL,
		Status:           strconv.Itoa(status),
	})
}

func (x *exchange) writeNoContent() {
	x.writeHead(http.StatusNoContent, "")
}
