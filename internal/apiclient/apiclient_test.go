package apiclient

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// An empty secret (a connection without a previous password) redacts
// nothing; the rest is cut to one line of at most maxMessage characters.
func TestScrub(t *testing.T) {
	t.Parallel()
	if got := Scrub("bad\n  token s3cret here", "", "s3cret"); got != "bad token [redacted] here" {
		t.Errorf("Scrub = %q", got)
	}
	long := strings.Repeat("é", maxMessage+5)
	if got := []rune(Scrub(long)); len(got) != maxMessage+1 || got[maxMessage] != '…' {
		t.Errorf("Scrub kept %d runes, want %d and an ellipsis", len(got), maxMessage+1)
	}
}

func TestTruncateKeepsCharacters(t *testing.T) {
	t.Parallel()
	if got := Truncate("aé", 2); got != "a" {
		t.Errorf("Truncate split a character: %q", got)
	}
	if got := Truncate("abc", 5); got != "abc" {
		t.Errorf("Truncate = %q", got)
	}
}

// Only a 429 names a wait; other answers and no answer name none.
func TestRetryAfter(t *testing.T) {
	t.Parallel()
	answer := func(status int, after string) *http.Response {
		return &http.Response{StatusCode: status, Header: http.Header{"Retry-After": {after}}}
	}
	for _, tc := range []struct {
		r    *http.Response
		want time.Duration
	}{
		{nil, 0},
		{answer(429, "7"), 7 * time.Second},
		{answer(429, "soon"), 0},
		{answer(503, "7"), 0},
	} {
		if got := RetryAfter(tc.r); got != tc.want {
			t.Errorf("RetryAfter(%v) = %s, want %s", tc.r, got, tc.want)
		}
	}
}
