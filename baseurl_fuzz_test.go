package gitsecrets

import (
	"net/url"
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/urlsecret"
)

// FuzzNormaliseBaseURL feeds arbitrary base_url values: nothing panics,
// what is accepted is an absolute http(s) URL without credentials, query,
// fragment or trailing slash that normalises to itself, and a refusal never
// quotes a password the value carried.
func FuzzNormaliseBaseURL(f *testing.F) {
	for _, s := range []string{
		"https://api.github.com", "https://ghe.example.com/api/v3/", " http://127.0.0.1:8080 ",
		"https://gitlab.com//", "https://user:s3cret@gitlab.com", "ftp://user:s3cret@host",
		"https://host?x=1", "https://host#frag", "https://host?", "https://", "//host", "host",
		"https://[::1]:443/", "https://h/%2e%2e/", "https://h/a b", "http://u:pw-secret@[::1", "javascript:alert(1)",
		"A#://:000000@",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, msg := normaliseBaseURL(raw)
		if msg != "" {
			if got != "" {
				t.Fatalf("refused %q with %q but returned %q", raw, msg, got)
			}
			if urlsecret.Repeats(raw, func(r string) string { _, m := normaliseBaseURL(r); return m }) {
				t.Fatalf("the refusal of a URL with credentials quotes its password: %q", msg)
			}
			return
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("accepted %q as %q, which does not parse: %v", raw, got, err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(got, "/") {
			t.Fatalf("accepted %q as %q", raw, got)
		}
		if again, msg := normaliseBaseURL(got); again != got || msg != "" {
			t.Fatalf("%q normalises to %q, which normalises to %q (%s)", raw, got, again, msg)
		}
	})
}

// TestBaseURLRefusalQuotesNoPassword: a base_url with credentials is
// refused without repeating them, whatever else is wrong with it.
func TestBaseURLRefusalQuotesNoPassword(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"ftp://user:s3cret-pw@host", "https://user:s3cret-pw@", "http://user:s3cret-pw@[::1", "https://user:s3cret-pw@ghe.example.com/api/v3"} {
		got, msg := normaliseBaseURL(raw)
		if got != "" || msg == "" {
			t.Errorf("%q accepted as %q", raw, got)
		}
		if strings.Contains(msg, "s3cret-pw") {
			t.Errorf("the refusal of %q quotes its password: %s", raw, msg)
		}
	}
}
