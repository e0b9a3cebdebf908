package gitea

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitea"
)

// TestVerify: the bot signs in; the information names it, the server's
// kind and what rotation and restriction it allows, never the password.
func TestVerify(t *testing.T) {
	for _, c := range []struct {
		opts      fakegitea.Options
		admin     bool
		server    string
		restricts bool
	}{
		{fakegitea.Options{}, false, "gitea", false},
		{fakegitea.Options{Flavour: fakegitea.Forgejo}, true, "forgejo", true},
	} {
		f := newFixture(t, c.opts, c.admin)
		info, err := f.client.Verify(context.Background())
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if info["username"] != bot || info["is_admin"] != c.admin || info["server"] != c.server || info["repository_restriction"] != c.restricts {
			t.Fatalf("info = %v", info)
		}
		if strings.Contains(fmt.Sprint(info), botPassword) {
			t.Fatal("info holds the password")
		}
	}
}

func TestParseServer(t *testing.T) {
	for raw, want := range map[string]ServerInfo{
		"1.24.6":              {Version: "1.24.6"},
		"1.25.0+dev-12-gabc":  {Version: "1.25.0+dev-12-gabc"},
		"1.21.11-1":           {Version: "1.21.11-1"},
		"14.0.2+gitea-1.22.0": {Version: "14.0.2+gitea-1.22.0", Forgejo: true},
		"15.0.0+gitea-1.22.0": {Version: "15.0.0+gitea-1.22.0", Forgejo: true, Restricts: true},
		"16.1.0+gitea-1.22.0": {Version: "16.1.0+gitea-1.22.0", Forgejo: true, Restricts: true},
	} {
		if got := parseServer(raw); got != want {
			t.Errorf("parseServer(%q) = %+v, want %+v", raw, got, want)
		}
	}
}

// TestStatus: a live token is active and shows its last use; a revoked
// one is inactive.
func TestStatus(t *testing.T) {
	f := newFixture(t, fakegitea.Options{}, false)
	tok := f.issue(t, "vault-ci-s1", []string{"read:repository"})
	f.status(t, "GET", "/api/v1/repos/acme/app", tok.Token)
	st, err := f.client.Status(context.Background(), tok.Handle)
	if err != nil || !st.Active || st.LastUsedAt == nil {
		t.Fatalf("Status = %+v, %v", st, err)
	}
	f.revoke(t, tok)
	st, err = f.client.Status(context.Background(), tok.Handle)
	if err != nil || st.Active {
		t.Fatalf("Status after revoke = %+v, %v", st, err)
	}
}

// TestConnectionValidate: each required field, and no password in errors.
func TestConnectionValidate(t *testing.T) {
	ok := Connection{BaseURL: "https://git.example.com", Username: "bot", Password: "pw"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]Connection{
		"no base_url":  {Username: "bot", Password: "pw"},
		"bad scheme":   {BaseURL: "ftp://git.example.com", Username: "bot", Password: "pw"},
		"no username":  {BaseURL: ok.BaseURL, Password: "pw"},
		"bad username": {BaseURL: ok.BaseURL, Username: "a b", Password: "pw"},
		"no password":  {BaseURL: ok.BaseURL, Username: "bot"},
		"user in url":  {BaseURL: "https://bot:pw@git.example.com", Username: "bot", Password: "pw"},
		"bad ca_cert":  {BaseURL: ok.BaseURL, Username: "bot", Password: "pw", CACert: "x"},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if got, _ := serverURL("https://git.example.com/api/v1/"); got != "https://git.example.com" {
		t.Errorf("serverURL = %q", got)
	}
}

// TestOtherUsersTokenRefused: a handle naming another user's token (the
// connection's bot was changed) is an error for Revoke and Status, not a
// 404 read as "gone" or a token read as inactive.
func TestOtherUsersTokenRefused(t *testing.T) {
	f := newFixture(t, fakegitea.Options{}, false)
	h := provider.Handle{TokenType: TokenTypeAccess, ID: 7, Parent: "users/alice"}
	if err := f.client.Revoke(context.Background(), h); err == nil {
		t.Fatal("Revoke of another user's token succeeded")
	}
	if _, err := f.client.Status(context.Background(), h); err == nil {
		t.Fatal("Status of another user's token answered")
	}
}
