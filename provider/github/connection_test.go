package github

import (
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

func TestValidateConnection(t *testing.T) {
	t.Parallel()
	key := pkcs1PEM(testKeys()[0])
	valid := func() testConn {
		return testConn{Connection: provider.Connection{Provider: "github"}, Settings: Settings{AppID: 42, PrivateKeys: []string{key}}}
	}
	tests := []struct {
		name    string
		edit    func(c *testConn)
		wantErr string
	}{
		{name: "minimal", edit: func(*testConn) {}},
		{name: "client id", edit: func(c *testConn) { c.ClientID = "Iv23liAbCdEf0123" }},
		{name: "github.com", edit: func(c *testConn) { c.BaseURL = "https://api.github.com" }},
		{name: "GHES", edit: func(c *testConn) { c.BaseURL = "https://ghe.example.com/api/v3" }},
		{name: "GHES with slash", edit: func(c *testConn) { c.BaseURL = "https://ghe.example.com/api/v3/" }},
		{name: "staged keys", edit: func(c *testConn) { c.PrivateKeys = append(c.PrivateKeys, pkcs8PEM(t, testKeys()[1])) }},
		{name: "CA bundle", edit: func(c *testConn) { c.CACert = testCAPEM(t) }},
		{name: "no app id", edit: func(c *testConn) { c.AppID = 0 }, wantErr: "app_id is required"},
		{name: "negative app id", edit: func(c *testConn) { c.AppID = -1 }, wantErr: "app_id is required"},
		{name: "bad client id", edit: func(c *testConn) { c.ClientID = "Iv1 xyz" }, wantErr: "client_id must be"},
		{name: "no key", edit: func(c *testConn) { c.PrivateKeys = nil }, wantErr: "private_key is required"},
		{name: "EC key", edit: func(c *testConn) { c.PrivateKeys = []string{ecPEM(t)} }, wantErr: "EC key"},
		{name: "bad staged key", edit: func(c *testConn) { c.PrivateKeys = append(c.PrivateKeys, "junk") }, wantErr: "private key 2"},
		{name: "ftp URL", edit: func(c *testConn) { c.BaseURL = "ftp://ghe.example.com" }, wantErr: "must start with https://"},
		{name: "no host", edit: func(c *testConn) { c.BaseURL = "https:///api/v3" }, wantErr: "has no host"},
		{name: "relative", edit: func(c *testConn) { c.BaseURL = "ghe.example.com/api/v3" }, wantErr: "must start with https://"},
		{name: "credentials in URL", edit: func(c *testConn) { c.BaseURL = "https://u:p@ghe.example.com/api/v3" }, wantErr: "user name or password"},
		{name: "query", edit: func(c *testConn) { c.BaseURL = "https://ghe.example.com/api/v3?x=1" }, wantErr: "query or fragment"},
		{name: "unparsable URL", edit: func(c *testConn) { c.BaseURL = "https://[::1" }, wantErr: "not a URL"},
		{name: "bad CA", edit: func(c *testConn) { c.CACert = "nope" }, wantErr: "ca_cert holds no PEM certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := valid()
			tt.edit(&c)
			err := Kind{}.ValidateConnection(c.provider())
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateConnection: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestAPIRootKeepsTheEnterprisePath(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"https://api.github.com":           "https://api.github.com/",
		"https://api.github.com/":          "https://api.github.com/",
		"https://ghe.example.com/api/v3":   "https://ghe.example.com/api/v3/",
		"https://ghe.example.com/api/v3/":  "https://ghe.example.com/api/v3/",
		"https://ghe.example.com/api/v3//": "https://ghe.example.com/api/v3/",
		" https://api.acme.ghe.com ":       "https://api.acme.ghe.com/",
	}
	for in, want := range tests {
		u, err := apiRoot(in)
		if err != nil {
			t.Fatalf("apiRoot(%q): %v", in, err)
		}
		if u.String() != want {
			t.Errorf("apiRoot(%q) = %q, want %q", in, u, want)
		}
		// The path go-github resolves for token creation keeps every segment.
		got, _ := u.Parse("app/installations/1/access_tokens")
		if !strings.HasPrefix(got.String(), want) {
			t.Errorf("resolving against %q gives %q", in, got)
		}
	}
}

func TestKindBasics(t *testing.T) {
	t.Parallel()
	k := Kind{}
	if k.Name() != "github" || k.DefaultBaseURL() != "https://api.github.com" || k.DefaultRegistryHost() != "ghcr.io" {
		t.Fatalf("unexpected kind identity: %s %s %s", k.Name(), k.DefaultBaseURL(), k.DefaultRegistryHost())
	}
	if got := k.TokenTypes(); len(got) != 1 || got[0] != "installation" {
		t.Fatalf("TokenTypes = %v", got)
	}
	if k.MaxTTL("installation").Hours() != 1 || k.MaxTTL("project") != 0 {
		t.Fatalf("MaxTTL = %v / %v", k.MaxTTL("installation"), k.MaxTTL("project"))
	}
}
