package fakegithub

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestControlAPISecondaryLimits(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	control := httptest.NewServer(f.ControlHandler())
	defer control.Close()
	call := func(method, body string) (int, string) {
		t.Helper()
		return controlCall(t, control.URL+"/_fake/secondary-limits", method, body)
	}
	get := func() secondaryStateJSON {
		t.Helper()
		status, body := call(http.MethodGet, "")
		var out secondaryStateJSON
		if err := json.Unmarshal([]byte(body), &out); err != nil || status != http.StatusOK {
			t.Fatalf("GET: %d %s", status, body)
		}
		return out
	}
	getApp := func() int {
		return f.do(request{path: "/app", auth: "Bearer " + f.jwt()}).StatusCode
	}

	if got := get(); got.Limits != nil || got.Refused != 0 {
		t.Fatalf("limits on by default: %+v", got)
	}
	for _, bad := range []string{`{"window":"soon"}`, `{"status":500}`, `{"points":5}`, `{"window":"-1s"}`, `[`} {
		if status, _ := call(http.MethodPut, bad); status != http.StatusBadRequest {
			t.Errorf("PUT %s: %d, want 400", bad, status)
		}
	}
	if status, body := call(http.MethodPut, `{"points_per_window":2,"window":"2s","status":429}`); status != http.StatusNoContent {
		t.Fatalf("PUT: %d %s", status, body)
	}
	want := secondaryLimitsJSON{PointsPerWindow: 2, Window: "2s", Status: 429}
	if got := get(); got.Limits == nil || *got.Limits != want {
		t.Fatalf("limits %+v, want %+v", got.Limits, want)
	}
	for i, want := range []int{200, 200, 429} {
		if got := getApp(); got != want {
			t.Fatalf("GET /app #%d: %d, want %d", i+1, got, want)
		}
	}
	if got := get(); got.Refused != 1 || got.RefusedCalls["GET "+RouteApp] != 1 {
		t.Fatalf("refusals %+v", got)
	}

	if status, _ := call(http.MethodDelete, ""); status != http.StatusNoContent {
		t.Fatalf("DELETE: %d", status)
	}
	if got := get(); got.Limits != nil || got.Refused != 1 {
		t.Fatalf("after DELETE: %+v", got)
	}
	if got := getApp(); got != http.StatusOK {
		t.Fatalf("GET /app with limits off: %d", got)
	}
	// The shared control API is still served next to it.
	resp, err := http.Get(control.URL + "/_fake/calls")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/_fake/calls: %v", err)
	}
	resp.Body.Close()
}
