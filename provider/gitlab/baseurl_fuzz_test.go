package gitlab

import (
	"net/url"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/urlsecret"
)

// FuzzInstanceURL feeds arbitrary base_url values: nothing panics, what is
// accepted is an absolute http(s) URL without credentials, query or
// fragment, and a refusal never repeats a password the value carried.
func FuzzInstanceURL(f *testing.F) {
	for _, s := range []string{
		"https://gitlab.com", "https://gitlab.example.com/api/v4", "https://gitlab.example.com/", "http://127.0.0.1:8080",
		"https://u:s3cret-pw@gitlab.com", "ftp://u:s3cret-pw@h", "https://h?x", "https://h#x", "h", "", "https://",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := instanceURL(raw)
		if err != nil {
			if urlsecret.Repeats(raw, urlsecret.Refusal(instanceURL)) {
				t.Fatalf("the refusal quotes the password: %v", err)
			}
			return
		}
		u, perr := url.Parse(got)
		if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			t.Fatalf("accepted %q as %q (%v)", raw, got, perr)
		}
	})
}
