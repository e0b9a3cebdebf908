package github

import (
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/urlsecret"
)

// FuzzAPIRoot feeds arbitrary base_url values to the parser that builds
// every request URL: nothing panics, what it accepts is an absolute http(s)
// root without credentials, query or fragment, ending in exactly one '/',
// and a refusal never repeats a password the value carried.
func FuzzAPIRoot(f *testing.F) {
	for _, s := range []string{
		"https://api.github.com", "https://ghe.example.com/api/v3/", "https://ghe.example.com/api/v3//",
		"https://u:s3cret-pw@ghe.example.com", "ftp://u:s3cret-pw@h", "https://h?x", "https://h#x", "h", "",
		"https://h/%2F", "http://[::1]:8080/api/v3", "https://h/a/../b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := apiRoot(raw)
		if err != nil {
			if urlsecret.Repeats(raw, urlsecret.Refusal(apiRoot)) {
				t.Fatalf("the refusal quotes the password: %v", err)
			}
			return
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			u.RawQuery != "" || u.Fragment != "" || !strings.HasSuffix(u.Path, "/") || strings.HasSuffix(u.Path, "//") {
			t.Fatalf("accepted %q as %q", raw, u)
		}
		again, err := apiRoot(u.String())
		if err != nil || again.String() != u.String() {
			t.Fatalf("%q parses to %q, which parses to %v (%v)", raw, u, again, err)
		}
	})
}
