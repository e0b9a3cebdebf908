package fakeserver_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// rig is a minimal fake: its route is the request path, serving answers
// 200 "served" and counts, refusing answers the fault's status with
// "refused". A RateLimitReset fault shows in X-Reset.
type rig struct {
	host    *fakeserver.Host
	faults  *fakeserver.Faults
	served  atomic.Int32
	arrived chan struct{} // a request reached the faults
	left    chan struct{} // a request's handler returned
}

func startRig(t *testing.T) *rig {
	t.Helper()
	host := fakeserver.NewHost()
	g := &rig{
		host:    host,
		faults:  fakeserver.NewFaults(host.Done()),
		arrived: make(chan struct{}, 16),
		left:    make(chan struct{}, 16),
	}
	host.Start(t, http.HandlerFunc(g.serveHTTP), func() []string { return nil })
	return g
}

func (g *rig) serveHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() { g.left <- struct{}{} }()
	g.arrived <- struct{}{}
	g.faults.Serve(w, r, r.URL.Path, fakeserver.Answer{
		Serve: func(w http.ResponseWriter, f *fakeserver.Fault) {
			g.served.Add(1)
			if f != nil && !f.RateLimitReset.IsZero() {
				w.Header().Set("X-Reset", strconv.FormatInt(f.RateLimitReset.Unix(), 10))
			}
			_, _ = io.WriteString(w, "served")
		},
		Refuse: func(w http.ResponseWriter, f fakeserver.Fault) {
			w.WriteHeader(f.Status)
			_, _ = io.WriteString(w, "refused")
		},
	})
}

type answer struct {
	status int
	header http.Header
	body   string
}

// get sends GET path on a fresh connection, so that a dropped one is an
// error rather than a silent retry.
func (g *rig) get(ctx context.Context, path string) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.host.URL()+path, nil)
	if err != nil {
		return answer{}, err
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(body)}, err
}

func TestFaultKinds(t *testing.T) {
	t.Parallel()
	reset := time.Date(2026, 5, 4, 10, 30, 0, 0, time.UTC)
	tests := []struct {
		name       string
		fault      *fakeserver.Fault // nil: none injected
		wantStatus int               // 0: the connection is dropped
		wantBody   string
		wantHeader map[string]string // "" asserts the header is absent
		wantServed int32
	}{
		{"no fault", nil, 200, "served", nil, 1},
		{"status", &fakeserver.Fault{Status: 503}, 503, "refused", map[string]string{"Retry-After": ""}, 0},
		{"status with Retry-After", &fakeserver.Fault{Status: 429, RetryAfter: "7"}, 429, "refused",
			map[string]string{"Retry-After": "7"}, 0},
		// Whether a served answer carries Retry-After is the fake's choice.
		{"Retry-After alone", &fakeserver.Fault{RetryAfter: "7"}, 200, "served", map[string]string{"Retry-After": ""}, 1},
		{"rate-limit reset on a success", &fakeserver.Fault{RateLimitReset: reset}, 200, "served",
			map[string]string{"X-Reset": strconv.FormatInt(reset.Unix(), 10)}, 1},
		{"short latency", &fakeserver.Fault{Latency: time.Millisecond}, 200, "served", nil, 1},
		{"latency then status", &fakeserver.Fault{Latency: time.Millisecond, Status: 502}, 502, "refused", nil, 0},
		{"drop", &fakeserver.Fault{Drop: true}, 0, "", nil, 0},
		{"drop after commit", &fakeserver.Fault{DropAfterCommit: true}, 0, "", nil, 1},
		{"status wins over drop after commit", &fakeserver.Fault{Status: 500, DropAfterCommit: true}, 500, "refused", nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := startRig(t)
			if tc.fault != nil {
				g.faults.Inject(*tc.fault)
			}
			got, err := g.get(t.Context(), "/thing")
			<-g.left
			if tc.wantStatus == 0 {
				if err == nil {
					t.Fatalf("dropped request answered %d %q", got.status, got.body)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if got.status != tc.wantStatus || got.body != tc.wantBody {
					t.Errorf("answer %d %q, want %d %q", got.status, got.body, tc.wantStatus, tc.wantBody)
				}
				for k, want := range tc.wantHeader {
					if v := got.header.Get(k); v != want {
						t.Errorf("%s: %q, want %q", k, v, want)
					}
				}
			}
			if n := g.served.Load(); n != tc.wantServed {
				t.Errorf("served %d times, want %d", n, tc.wantServed)
			}
		})
	}
}

func TestFaultLatencyAbandonedByClient(t *testing.T) {
	t.Parallel()
	g := startRig(t)
	g.faults.Inject(fakeserver.Fault{Latency: time.Hour})
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := g.get(ctx, "/thing")
		errc <- err
	}()
	<-g.arrived
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	<-g.left
	if n := g.served.Load(); n != 0 {
		t.Fatalf("an abandoned request was served %d times", n)
	}
}

func TestCloseEndsLatency(t *testing.T) {
	t.Parallel()
	g := startRig(t)
	g.faults.Inject(fakeserver.Fault{Latency: time.Hour})
	errc := make(chan error, 1)
	go func() {
		_, err := g.get(t.Context(), "/thing")
		errc <- err
	}()
	<-g.arrived
	g.host.Close() // must not wait out the hour
	if err := <-errc; err == nil {
		t.Fatal("request answered after Close")
	}
	if n := g.served.Load(); n != 0 {
		t.Fatalf("a request abandoned by Close was served %d times", n)
	}
}

// status serves one request through faults with a recorder, and returns
// the status: the fault's, or 200 when served.
func status(faults *fakeserver.Faults, method, route string) int {
	w := httptest.NewRecorder()
	faults.Serve(w, httptest.NewRequest(method, "/", nil), route, fakeserver.Answer{
		Serve:  func(w http.ResponseWriter, _ *fakeserver.Fault) { w.WriteHeader(http.StatusOK) },
		Refuse: func(w http.ResponseWriter, f fakeserver.Fault) { w.WriteHeader(f.Status) },
	})
	return w.Code
}

func TestFaultMatching(t *testing.T) {
	t.Parallel()
	type request struct {
		method, route string
		want          int
	}
	tests := []struct {
		name     string
		faults   []fakeserver.Fault
		requests []request // in order
	}{
		{
			name:   "method and route select",
			faults: []fakeserver.Fault{{Method: "POST", Route: "/a", Status: 500}},
			requests: []request{
				{"GET", "/a", 200}, {"POST", "/b", 200}, {"POST", "/a", 500}, {"post", "/a", 500},
			},
		},
		{
			name:     "method in any case",
			faults:   []fakeserver.Fault{{Method: "delete", Status: 500}},
			requests: []request{{"DELETE", "/a", 500}},
		},
		{
			name:     "empty matches any, unrouted included",
			faults:   []fakeserver.Fault{{Status: 503}},
			requests: []request{{"GET", "/a", 503}, {"PUT", "", 503}},
		},
		{
			name:     "a route does not match unrouted requests",
			faults:   []fakeserver.Fault{{Route: "/a", Status: 503}},
			requests: []request{{"GET", "", 200}},
		},
		{
			name:     "Times counts down, then the fault is gone",
			faults:   []fakeserver.Fault{{Route: "/a", Status: 502, Times: 2}},
			requests: []request{{"GET", "/a", 502}, {"GET", "/a", 502}, {"GET", "/a", 200}},
		},
		{
			name:     "Times 0 lasts",
			faults:   []fakeserver.Fault{{Status: 500}},
			requests: []request{{"GET", "/a", 500}, {"GET", "/a", 500}, {"GET", "/a", 500}},
		},
		{
			name:     "first injected wins, the next applies once it is used up",
			faults:   []fakeserver.Fault{{Route: "/a", Status: 502, Times: 1}, {Status: 503, Times: 1}},
			requests: []request{{"GET", "/a", 502}, {"GET", "/a", 503}, {"GET", "/a", 200}},
		},
		{
			name:     "a fault that does not match is not used up",
			faults:   []fakeserver.Fault{{Route: "/b", Status: 502, Times: 1}},
			requests: []request{{"GET", "/a", 200}, {"GET", "/b", 502}, {"GET", "/b", 200}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			faults := fakeserver.NewFaults(nil)
			for _, f := range tc.faults {
				faults.Inject(f)
			}
			for i, req := range tc.requests {
				if got := status(faults, req.method, req.route); got != req.want {
					t.Fatalf("request %d (%s %q): %d, want %d", i, req.method, req.route, got, req.want)
				}
			}
		})
	}
}

func TestClearFaults(t *testing.T) {
	t.Parallel()
	faults := fakeserver.NewFaults(nil)
	faults.Inject(fakeserver.Fault{Status: 500})
	faults.Inject(fakeserver.Fault{Route: "/a", Status: 502})
	faults.Clear()
	if got := status(faults, "GET", "/a"); got != http.StatusOK {
		t.Fatalf("after Clear: %d, want 200", got)
	}
}

// TestFaultHold: a held request is acted on only once the gate opens; a
// held answer is acted on at once and answered once the gate opens.
func TestFaultHold(t *testing.T) {
	t.Parallel()
	for _, answerOnly := range []bool{false, true} {
		g := startRig(t)
		gate := fakeserver.NewGate()
		g.faults.Inject(fakeserver.Fault{Hold: gate, HoldAnswer: answerOnly, Times: 1})
		got := make(chan answer, 1)
		go func() {
			a, err := g.get(t.Context(), "/thing")
			if err != nil {
				t.Error(err)
			}
			got <- a
		}()
		<-gate.Arrived()
		wantServed := int32(0)
		if answerOnly {
			wantServed = 1
		}
		if n := g.served.Load(); n != wantServed {
			t.Fatalf("HoldAnswer %v: served %d times while held, want %d", answerOnly, n, wantServed)
		}
		select {
		case a := <-got:
			t.Fatalf("HoldAnswer %v: answered %d while held", answerOnly, a.status)
		default:
		}
		gate.Release()
		if a := <-got; a.status != 200 || a.body != "served" || g.served.Load() != 1 {
			t.Fatalf("HoldAnswer %v: after release %d %q, served %d", answerOnly, a.status, a.body, g.served.Load())
		}
	}
}
