package fakeserver_test

import (
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

func TestCallCounter(t *testing.T) {
	t.Parallel()
	var c fakeserver.CallCounter
	if counts, total := c.Snapshot(); counts == nil || len(counts) != 0 || total != 0 {
		t.Fatalf("zero value: %v, %d", counts, total)
	}

	for i, call := range []struct{ method, route string }{
		{"GET", "/a"}, {"GET", "/a"}, {"POST", "/a"}, {"GET", ""},
	} {
		if seq := c.Record(call.method, call.route); seq != int64(i+1) {
			t.Fatalf("call %d numbered %d", i+1, seq)
		}
	}
	tests := []struct {
		method, route string
		want          int
	}{
		{"GET", "/a", 2},
		{"get", "/a", 2}, // the method in any case
		{"POST", "/a", 1},
		{"GET", "", 1}, // requests that matched no route
		{"DELETE", "/a", 0},
	}
	for _, tc := range tests {
		if got := c.Count(tc.method, tc.route); got != tc.want {
			t.Errorf("Count(%s, %q) = %d, want %d", tc.method, tc.route, got, tc.want)
		}
	}
	if got := c.Total(); got != 4 {
		t.Errorf("Total = %d, want 4", got)
	}

	counts, total := c.Snapshot()
	if total != 4 || counts["GET /a"] != 2 || counts["GET "] != 1 {
		t.Errorf("Snapshot = %v, %d", counts, total)
	}
	counts["GET /a"] = 99
	if c.Count("GET", "/a") != 2 {
		t.Error("Snapshot shares its map with the counter")
	}

	c.Reset()
	if c.Total() != 0 || c.Count("GET", "/a") != 0 {
		t.Error("Reset left counts")
	}
	// Sequence numbers survive Reset, so they stay unique.
	if seq := c.Record("GET", "/a"); seq != 5 {
		t.Errorf("first call after Reset numbered %d, want 5", seq)
	}
}
