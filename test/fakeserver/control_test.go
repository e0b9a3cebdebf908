package fakeserver_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// control is a control API over fresh counters and faults.
type control struct {
	calls   fakeserver.CallCounter
	faults  *fakeserver.Faults
	handler http.Handler
}

func newControl() *control {
	c := &control{faults: fakeserver.NewFaults(nil)}
	tokens := func() any { return []map[string]string{{"sha256": "abc"}} }
	c.handler = fakeserver.ControlHandler(&c.calls, c.faults, tokens)
	return c
}

func (c *control) do(method, path, body string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	c.handler.ServeHTTP(w, httptest.NewRequest(method, path, strings.NewReader(body)))
	return w
}

func TestControlReads(t *testing.T) {
	t.Parallel()
	c := newControl()
	tests := []struct {
		record     []string // routes to record a GET to first
		path, want string
	}{
		{nil, "/_fake/tokens", `[{"sha256":"abc"}]`},
		{nil, "/_fake/calls", `{"total":0,"calls":{}}`},
		{[]string{"/a", ""}, "/_fake/calls", `{"total":2,"calls":{"GET ":1,"GET /a":1}}`},
	}
	for _, tc := range tests {
		for _, route := range tc.record {
			c.calls.Record(http.MethodGet, route)
		}
		w := c.do(http.MethodGet, tc.path, "")
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("GET %s: %d %s", tc.path, w.Code, w.Header().Get("Content-Type"))
		}
		if got := strings.TrimSpace(w.Body.String()); got != tc.want {
			t.Errorf("GET %s: %s, want %s", tc.path, got, tc.want)
		}
	}
	if c.calls.Total() != 2 {
		t.Error("control requests were counted as calls")
	}
}

func TestControlInjectsFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		body       string
		wantStatus int
		want       fakeserver.Fault // the fault served to a request, when accepted
	}{
		{"every field",
			`{"method":"delete","route":"/a","status":503,"retry_after":"3","rate_limit_reset":"2026-05-04T10:30:00Z",` +
				`"latency":"1ms","drop":false,"drop_after_commit":false,"times":1}`,
			http.StatusNoContent,
			fakeserver.Fault{Method: "DELETE", Route: "/a", Status: 503, RetryAfter: "3",
				RateLimitReset: time.Date(2026, 5, 4, 10, 30, 0, 0, time.UTC), Latency: time.Millisecond, Times: 1}},
		{"not JSON", `{`, http.StatusBadRequest, fakeserver.Fault{}},
		{"misspelt field", `{"stauts":500}`, http.StatusBadRequest, fakeserver.Fault{}},
		{"bad latency", `{"latency":"soon"}`, http.StatusBadRequest, fakeserver.Fault{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newControl()
			if w := c.do(http.MethodPost, "/_fake/faults", tc.body); w.Code != tc.wantStatus {
				t.Fatalf("POST: %d %s, want %d", w.Code, w.Body, tc.wantStatus)
			}
			got, ok := refusal(c.faults, "DELETE", "/a")
			if ok != (tc.wantStatus == http.StatusNoContent) {
				t.Fatalf("fault in force: %v", ok)
			}
			if !ok {
				return
			}
			// The reset time is compared on its own: == would compare its
			// location too.
			if !got.RateLimitReset.Equal(tc.want.RateLimitReset) {
				t.Errorf("rate_limit_reset %v, want %v", got.RateLimitReset, tc.want.RateLimitReset)
			}
			got.RateLimitReset, tc.want.RateLimitReset = time.Time{}, time.Time{}
			if got != tc.want {
				t.Errorf("fault %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestControlClearsFaults(t *testing.T) {
	t.Parallel()
	c := newControl()
	c.do(http.MethodPost, "/_fake/faults", `{"status":500}`)
	if w := c.do(http.MethodDelete, "/_fake/faults", ""); w.Code != http.StatusNoContent {
		t.Fatalf("DELETE: %d", w.Code)
	}
	if f, ok := refusal(c.faults, "GET", "/a"); ok {
		t.Fatalf("fault %+v still in force", f)
	}
}

// refusal serves one request through faults and returns the fault that
// refused it, if one did.
func refusal(faults *fakeserver.Faults, method, route string) (fakeserver.Fault, bool) {
	var got *fakeserver.Fault
	faults.Serve(httptest.NewRecorder(), httptest.NewRequest(method, "/", nil), route, fakeserver.Answer{
		Serve:  func(http.ResponseWriter, *fakeserver.Fault) {},
		Refuse: func(_ http.ResponseWriter, f fakeserver.Fault) { got = &f },
	})
	if got == nil {
		return fakeserver.Fault{}, false
	}
	return *got, true
}
