package reliability

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// lateAnswers stands between the engine and a fake provider and makes
// chosen requests answer late: the provider acts on the request at once,
// as a slow but working provider does, and the answer leaves only after a
// delay longer than the engine's client waits. It is the worst case of a
// timeout, and a deterministic one. (The fakes' own Latency fault abandons
// a request whose client has gone, but Go's server notices a client going
// only for some requests, so whether the provider acted would vary.)
type lateAnswers struct {
	mu    sync.Mutex
	rules []*lateRule
}

type lateRule struct {
	method string
	path   *regexp.Regexp
	delay  time.Duration
	left   int
}

// arm makes the next times requests of method to route (a pattern as the
// fakes name routes, such as "/projects/{id}/access_tokens") answer after
// delay.
func (l *lateAnswers) arm(method, route string, delay time.Duration, times int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rules = append(l.rules, &lateRule{method: method, path: routePattern(route), delay: delay, left: times})
}

// routePattern matches route under any prefix (/api/v3, /api/v4), with
// each {placeholder} standing for one path segment.
func routePattern(route string) *regexp.Regexp {
	quoted := regexp.QuoteMeta(route)
	quoted = regexp.MustCompile(`\\\{[a-z_]+\\\}`).ReplaceAllString(quoted, `[^/]+`)
	return regexp.MustCompile(quoted + "$")
}

func (l *lateAnswers) take(r *http.Request) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, rule := range l.rules {
		if !strings.EqualFold(rule.method, r.Method) || !rule.path.MatchString(r.URL.EscapedPath()) {
			continue
		}
		rule.left--
		if rule.left <= 0 {
			l.rules = append(l.rules[:i:i], l.rules[i+1:]...)
		}
		return rule.delay
	}
	return 0
}

// wrap serves next through the rules.
func (l *lateAnswers) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		delay := l.take(r)
		if delay == 0 {
			next.ServeHTTP(w, r)
			return
		}
		answer := &heldAnswer{header: http.Header{}, status: http.StatusOK}
		next.ServeHTTP(answer, r)
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return // the client gave up; the provider acted all the same
		}
		for k, v := range answer.header {
			w.Header()[k] = v
		}
		w.WriteHeader(answer.status)
		_, _ = w.Write(answer.body.Bytes())
	})
}

// heldAnswer keeps an answer until it is due.
type heldAnswer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (h *heldAnswer) Header() http.Header         { return h.header }
func (h *heldAnswer) WriteHeader(status int)      { h.status = status }
func (h *heldAnswer) Write(p []byte) (int, error) { return h.body.Write(p) }
