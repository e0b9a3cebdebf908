package fakegithub

import (
	"net/http"
	"strings"
	"testing"
)

func TestCheckBasicAuth(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	all := f.mint("")
	narrow := f.mint(`{"repositories":["api"],"permissions":{"contents":"read"}}`)
	revoked := f.mint("")
	f.revoke(revoked.Token)
	defer f.revoke(all.Token)
	defer f.revoke(narrow.Token)

	tests := []struct {
		name, user, token, repo, perm, level string
		wantErr                              bool
	}{
		{"all repos, write", "x-access-token", all.Token, "acme/web", "contents", "write", false},
		{"owner case-insensitive", "x-access-token", all.Token, "ACME/Web", "contents", "read", false},
		{"narrow, read", "x-access-token", narrow.Token, "acme/api", "contents", "read", false},
		{"narrow, write refused", "x-access-token", narrow.Token, "acme/api", "contents", "write", true},
		{"narrow, other repo", "x-access-token", narrow.Token, "acme/web", "contents", "read", true},
		{"other owner", "x-access-token", all.Token, "globex/web", "contents", "read", true},
		{"permission not held", "x-access-token", all.Token, "acme/web", "issues", "read", true},
		{"bad level", "x-access-token", all.Token, "acme/web", "contents", "root", true},
		{"wrong user", "git", all.Token, "acme/web", "contents", "read", true},
		{"revoked", "x-access-token", revoked.Token, "acme/web", "contents", "read", true},
		{"never issued", "x-access-token", "ghs_" + strings.Repeat("a", 36), "acme/web", "contents", "read", true},
		{"repo not owner/name", "x-access-token", all.Token, "web", "contents", "read", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodGet, "http://git.example/acme/web.git/info/refs", nil)
			r.SetBasicAuth(tc.user, tc.token)
			err := f.CheckBasicAuth(r, tc.repo, tc.perm, tc.level)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, want error %v", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), tc.token) {
				t.Error("error message contains the token")
			}
		})
	}
	r, _ := http.NewRequest(http.MethodGet, "http://git.example/", nil)
	if f.CheckBasicAuth(r, "acme/web", "contents", "read") == nil {
		t.Error("no credentials accepted")
	}
}
