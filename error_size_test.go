package gitsecrets

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hashicorp/vault/sdk/logical"
)

func TestShortenMessage(t *testing.T) {
	t.Parallel()
	long := "repositories: " + strings.Repeat("é", 5000) + " is not a GitHub repository name"
	tests := []struct {
		name, msg string
		limit     int
		want      string // "" means: shortened, checked below
	}{
		{"short stays", "role \"x\" does not exist", 1024, "role \"x\" does not exist"},
		{"exactly the limit stays", strings.Repeat("a", 16), 16, strings.Repeat("a", 16)},
		{"long keeps start and end", long, 1024, ""},
	}
	for _, tc := range tests {
		got := shortenMessage(tc.msg, tc.limit)
		if tc.want != "" {
			if got != tc.want {
				t.Errorf("%s: got %q", tc.name, got)
			}
			continue
		}
		if len(got) > tc.limit+64 || !utf8.ValidString(got) ||
			!strings.HasPrefix(got, "repositories: ") || !strings.HasSuffix(got, "is not a GitHub repository name") ||
			!strings.Contains(got, "bytes cut") {
			t.Errorf("%s: got %d bytes, valid UTF-8 %v: %.80q…", tc.name, len(got), utf8.ValidString(got), got)
		}
	}
}

// A refused megabyte comes back as a short message that still names the
// field and the reason.
func TestErrorResponsesStayShort(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	msg := e.bad(logical.CreateOperation, "roles/big", map[string]any{
		"config": "gh", "owner": "acme", "repositories": strings.Repeat("x", 1_000_000),
	})
	if len(msg) > maxErrorLength+64 || !strings.Contains(msg, "repositor") {
		t.Errorf("error of %d bytes: %.200q", len(msg), msg)
	}
}
