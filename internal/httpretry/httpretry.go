// Package httpretry is the one place provider calls wait and retry. It wraps
// an http.RoundTripper so that rate limits (429, or 403 with an exhausted
// quota) and transient failures are retried with bounded waits, honouring
// Retry-After and the providers' rate-limit reset headers.
//
// Requests that create something at the provider (POST, PATCH) are retried
// only when the provider certainly did not act on them: a rate-limit answer,
// or a connection that never opened. A 5xx, a timeout or a dropped connection
// after the request was sent is ambiguous, and retrying it could mint a second
// token, so those are returned to the caller (whose write-ahead log cleans up).
package httpretry

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"
)

// Policy bounds the retrying.
type Policy struct {
	// Attempts is the most tries per request, the first included.
	Attempts int
	// BaseDelay is the first backoff when the provider names no wait; it
	// doubles each try, with jitter.
	BaseDelay time.Duration
	// MaxWait is the longest single wait. A provider asking for longer gets
	// its answer passed back at once, so Vault's own retry takes over rather
	// than a request hanging past Vault's timeout.
	MaxWait time.Duration
	// Now and Sleep are replaceable in tests.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultPolicy fits inside Vault's 90 s request and revocation timeouts.
func DefaultPolicy() Policy {
	return Policy{Attempts: 4, BaseDelay: 250 * time.Millisecond, MaxWait: 15 * time.Second}
}

type maxWaitKey struct{}

// WithMaxWait lowers, for the requests made with the returned context, the
// longest single wait to d: a provider asking for longer gets its answer
// passed back at once. For a caller that must not be held up, such as the
// engine's scheduler tick.
func WithMaxWait(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, maxWaitKey{}, d)
}

// Transport retries requests through Base according to Policy.
type Transport struct {
	Base   http.RoundTripper
	Policy Policy
}

// New wraps base (http.DefaultTransport when nil) with the default policy.
func New(base http.RoundTripper) *Transport {
	return &Transport{Base: base, Policy: DefaultPolicy()}
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	p := t.policy()
	if d, ok := req.Context().Value(maxWaitKey{}).(time.Duration); ok && d < p.MaxWait {
		p.MaxWait = max(d, 0)
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	creates := req.Method == http.MethodPost || req.Method == http.MethodPatch
	for attempt := 1; ; attempt++ {
		resp, err := base.RoundTrip(req)
		wait, retry := p.decide(resp, err, creates, attempt)
		if !retry || (req.Body != nil && req.GetBody == nil) {
			return resp, err
		}
		if resp != nil {
			// Drain a little so the connection can be reused.
			_, _ = io.CopyN(io.Discard, resp.Body, 4096)
			resp.Body.Close()
		}
		if err := p.Sleep(req.Context(), wait); err != nil {
			return nil, err
		}
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
	}
}

func (t *Transport) policy() Policy {
	p := t.Policy
	d := DefaultPolicy()
	if p.Attempts <= 0 {
		p.Attempts = d.Attempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = d.BaseDelay
	}
	if p.MaxWait <= 0 {
		p.MaxWait = d.MaxWait
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Sleep == nil {
		p.Sleep = sleep
	}
	return p
}

// decide says whether to try again, and after how long.
func (p Policy) decide(resp *http.Response, err error, creates bool, attempt int) (time.Duration, bool) {
	if attempt >= p.Attempts {
		return 0, false
	}
	backoff := p.backoff(attempt)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return 0, false
		}
		if creates && !neverSent(err) {
			return 0, false
		}
		return backoff, true
	}
	if rateLimited(resp) {
		wait, named := p.namedWait(resp.Header)
		if !named {
			wait = backoff
		}
		if wait > p.MaxWait {
			return 0, false
		}
		return wait, true
	}
	if resp.StatusCode >= 500 && !creates {
		// Reset headers ride on every answer and speak of the quota, not
		// of the outage: only Retry-After names a wait here.
		if wait, named := p.retryAfter(resp.Header); named {
			return min(wait, p.MaxWait), true
		}
		return backoff, true
	}
	return 0, false
}

func (p Policy) backoff(attempt int) time.Duration {
	d := p.BaseDelay << (attempt - 1)
	// Up to 50% jitter so that many callers do not retry in step.
	d += time.Duration(rand.Int64N(int64(d)/2 + 1))
	return min(d, p.MaxWait)
}

// rateLimited reports a 429, or a 403 that GitHub uses for an exhausted
// primary quota or a secondary limit.
func rateLimited(resp *http.Response) bool {
	if resp.StatusCode == http.StatusTooManyRequests {
		return true
	}
	if resp.StatusCode != http.StatusForbidden {
		return false
	}
	return resp.Header.Get("Retry-After") != "" || resp.Header.Get("X-Ratelimit-Remaining") == "0"
}

// namedWait reads the wait the provider asked for: Retry-After (seconds or an
// HTTP date), then the epoch reset time GitHub (X-RateLimit-Reset) and GitLab
// (RateLimit-Reset) send.
func (p Policy) namedWait(h http.Header) (time.Duration, bool) {
	if wait, ok := p.retryAfter(h); ok {
		return wait, true
	}
	for _, k := range []string{"X-Ratelimit-Reset", "Ratelimit-Reset"} {
		if v := h.Get(k); v != "" {
			if epoch, err := strconv.ParseInt(v, 10, 64); err == nil {
				return max(time.Unix(epoch, 0).Sub(p.Now()), 0), true
			}
		}
	}
	return 0, false
}

// retryAfter reads Retry-After, in seconds or as an HTTP date.
func (p Policy) retryAfter(h http.Header) (time.Duration, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(p.Now()), 0), true
	}
	return 0, false
}

// neverSent reports errors that prove the request did not reach the server.
func neverSent(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
