package httpretry

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// script answers each request with the next of its steps.
type script struct {
	steps []func(*http.Request) (*http.Response, error)
	calls atomic.Int32
}

func (s *script) RoundTrip(r *http.Request) (*http.Response, error) {
	i := int(s.calls.Add(1)) - 1
	if r.Body != nil {
		body, _ := io.ReadAll(r.Body)
		if string(body) != "payload" {
			return nil, errors.New("request body was not replayed: " + string(body))
		}
	}
	if i >= len(s.steps) {
		return respond(200, nil)(r)
	}
	return s.steps[i](r)
}

func respond(status int, h map[string]string) func(*http.Request) (*http.Response, error) {
	return func(*http.Request) (*http.Response, error) {
		resp := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("{}"))}
		for k, v := range h {
			resp.Header.Set(k, v)
		}
		return resp, nil
	}
}

func fail(err error) func(*http.Request) (*http.Response, error) {
	return func(*http.Request) (*http.Response, error) { return nil, err }
}

var (
	refused = &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	dropped = &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
)

func TestRetryDecisions(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	reset := strconv.FormatInt(now.Add(7*time.Second).Unix(), 10)
	cases := []struct {
		name      string
		method    string
		steps     []func(*http.Request) (*http.Response, error)
		wantCalls int32
		wantWaits []time.Duration // nil: do not check
		wantCode  int
	}{
		{"429 Retry-After seconds", "POST", steps(respond(429, map[string]string{"Retry-After": "3"})), 2, []time.Duration{3 * time.Second}, 200},
		{"429 Retry-After date", "GET", steps(respond(429, map[string]string{"Retry-After": now.Add(5 * time.Second).UTC().Format(http.TimeFormat)})), 2, []time.Duration{5 * time.Second}, 200},
		{"429 GitHub reset", "POST", steps(respond(429, map[string]string{"X-Ratelimit-Reset": reset})), 2, []time.Duration{7 * time.Second}, 200},
		{"429 GitLab reset", "POST", steps(respond(429, map[string]string{"RateLimit-Reset": reset})), 2, []time.Duration{7 * time.Second}, 200},
		{"403 quota exhausted", "GET", steps(respond(403, map[string]string{"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": reset})), 2, []time.Duration{7 * time.Second}, 200},
		{"plain 403 is final", "GET", steps(respond(403, nil)), 1, nil, 403},
		{"wait beyond the bound is passed back", "POST", steps(respond(429, map[string]string{"Retry-After": "3600"})), 1, nil, 429},
		{"5xx on a read retries", "GET", steps(respond(503, nil), respond(502, nil)), 3, nil, 200},
		{"5xx ignores quota reset", "DELETE", steps(respond(500, map[string]string{"X-Ratelimit-Reset": reset})), 2, nil, 200},
		{"5xx on a creation is final", "POST", steps(respond(502, nil)), 1, nil, 502},
		{"dropped creation is final", "POST", steps(fail(dropped)), 1, nil, 0},
		{"refused creation retries", "POST", steps(fail(refused)), 2, nil, 200},
		{"dropped read retries", "GET", steps(fail(dropped)), 2, nil, 200},
		{"attempts are bounded", "GET", steps(respond(503, nil), respond(503, nil), respond(503, nil), respond(503, nil), respond(503, nil)), 4, nil, 503},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			base := &script{steps: c.steps}
			var waits []time.Duration
			tr := &Transport{Base: base, Policy: Policy{
				Attempts: 4, BaseDelay: time.Millisecond, MaxWait: time.Minute,
				Now:   func() time.Time { return now },
				Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil },
			}}
			req, _ := http.NewRequest(c.method, "http://provider.invalid/x", nil)
			if c.method == "POST" {
				req, _ = http.NewRequest(c.method, "http://provider.invalid/x", strings.NewReader("payload"))
			}
			resp, err := tr.RoundTrip(req)
			code := 0
			if err == nil {
				code = resp.StatusCode
			}
			if code != c.wantCode {
				t.Fatalf("status %d (err %v), want %d", code, err, c.wantCode)
			}
			if got := base.calls.Load(); got != c.wantCalls {
				t.Fatalf("%d calls, want %d", got, c.wantCalls)
			}
			if c.wantWaits != nil && !equalDurations(waits, c.wantWaits) {
				t.Fatalf("waited %v, want %v", waits, c.wantWaits)
			}
		})
	}
}

func TestRetryStopsWhenTheCallerGivesUp(t *testing.T) {
	t.Parallel()
	base := &script{steps: steps(respond(429, map[string]string{"Retry-After": "10"}))}
	tr := &Transport{Base: base, Policy: Policy{MaxWait: time.Minute}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://provider.invalid/x", nil)
	if _, err := tr.RoundTrip(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want the caller's deadline, got %v", err)
	}
	if base.calls.Load() != 1 {
		t.Fatalf("%d calls after cancellation", base.calls.Load())
	}
}

// WithMaxWait lowers the longest wait for one caller: a rate limit naming
// more comes back at once, other waits are cut to the cap.
func TestWithMaxWait(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		steps     []func(*http.Request) (*http.Response, error)
		wantCalls int32
		wantWaits []time.Duration
		wantCode  int
	}{
		{"rate limit beyond the cap comes back", steps(respond(429, map[string]string{"Retry-After": "10"})), 1, nil, 429},
		{"rate limit within the cap is waited", steps(respond(429, map[string]string{"Retry-After": "1"})), 2, []time.Duration{time.Second}, 200},
		{"5xx Retry-After is cut to the cap", steps(respond(503, map[string]string{"Retry-After": "50"})), 2, []time.Duration{time.Second}, 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			base := &script{steps: c.steps}
			var waits []time.Duration
			tr := &Transport{Base: base, Policy: Policy{
				Attempts: 4, BaseDelay: time.Millisecond, MaxWait: 15 * time.Second,
				Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil },
			}}
			req, _ := http.NewRequestWithContext(WithMaxWait(context.Background(), time.Second), "DELETE", "http://provider.invalid/x", nil)
			resp, err := tr.RoundTrip(req)
			if err != nil || resp.StatusCode != c.wantCode {
				t.Fatalf("%v %v, want status %d", resp, err, c.wantCode)
			}
			if got := base.calls.Load(); got != c.wantCalls || !equalDurations(waits, c.wantWaits) {
				t.Fatalf("%d calls, waits %v; want %d, %v", got, waits, c.wantCalls, c.wantWaits)
			}
		})
	}
}

func steps(s ...func(*http.Request) (*http.Response, error)) []func(*http.Request) (*http.Response, error) {
	return s
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
