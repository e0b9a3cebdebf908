package github

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

func TestVerify(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	info, err := f.client(t).Verify(context.Background())
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := provider.CredentialInfo{
		"app_id":           int64(testAppID),
		"app_slug":         "vault-git",
		"app_name":         "Vault Git",
		"client_id":        "Iv1.test",
		"key_fingerprints": []string{fingerprint(f.key)},
	}
	if !reflect.DeepEqual(info, want) {
		t.Fatalf("Verify = %v, want %v", info, want)
	}
	if got := f.fake.Calls(http.MethodGet, "/app"); got != 1 {
		t.Fatalf("GET /app calls = %d, want 1", got)
	}
}

func TestVerifyErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		edit       func(c *testConn)
		wantKind   error
		wantStatus int
		wantMsg    string
	}{
		{
			name:       "key GitHub does not know",
			edit:       func(c *testConn) { c.PrivateKeys = []string{pkcs1PEM(testKeys()[1])} },
			wantKind:   provider.ErrUnauthorized,
			wantStatus: http.StatusUnauthorized,
			wantMsg:    "authenticate as the GitHub App: ",
		},
		{
			name: "only the first key signs",
			edit: func(c *testConn) {
				c.PrivateKeys = []string{pkcs1PEM(testKeys()[1]), pkcs1PEM(testKeys()[0])}
			},
			wantKind:   provider.ErrUnauthorized,
			wantStatus: http.StatusUnauthorized,
		},
		{
			name:       "wrong app id",
			edit:       func(c *testConn) { c.AppID = 999 },
			wantKind:   provider.ErrUnauthorized,
			wantStatus: http.StatusUnauthorized,
		},
		{
			// With client_id as the issuer GitHub finds the App by it, so
			// only the answer shows app_id is wrong.
			name:     "client id of another app than app_id",
			edit:     func(c *testConn) { c.AppID = 999; c.ClientID = "Iv1.test" },
			wantKind: provider.ErrInvalidRequest,
			wantMsg:  "belong to GitHub App 4242 (vault-git), not app_id 999",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			conn := f.conn
			tt.edit(&conn)
			c := f.clientFor(t, conn, provider.Options{})
			jwt, err := c.appToken()
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Verify(context.Background())
			var pe *provider.Error
			if !errors.As(err, &pe) || !errors.Is(err, tt.wantKind) || pe.Status != tt.wantStatus {
				t.Fatalf("Verify error = %#v, want kind %v status %d", err, tt.wantKind, tt.wantStatus)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("error %q does not contain %q", err, tt.wantMsg)
			}
			if strings.Contains(err.Error(), jwt) {
				t.Fatal("error echoes the JWT")
			}
		})
	}
}

func TestVerifyStagedKeysReportEveryFingerprint(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	conn := f.conn
	conn.PrivateKeys = append(conn.PrivateKeys, pkcs8PEM(t, testKeys()[1]))
	info, err := f.clientFor(t, conn, provider.Options{}).Verify(context.Background())
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := []string{fingerprint(testKeys()[0]), fingerprint(testKeys()[1])}
	if !reflect.DeepEqual(info["key_fingerprints"], want) {
		t.Fatalf("key_fingerprints = %v, want %v", info["key_fingerprints"], want)
	}
}

func TestVerifyUsesClientIDAsIssuer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	conn := f.conn
	conn.ClientID = "Iv1.test"
	c := f.clientFor(t, conn, provider.Options{})
	if c.issuer != "Iv1.test" {
		t.Fatalf("issuer = %q", c.issuer)
	}
	if _, err := c.Verify(context.Background()); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if c := f.client(t); c.issuer != "4242" {
		t.Fatalf("issuer without client_id = %q, want the app id", c.issuer)
	}
}

func TestRevokeOnlyClient(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tok, err := f.client(t).Issue(context.Background(), issueReq(Scope{Owner: "acme"}))
	if err != nil {
		t.Fatal(err)
	}
	// What the backend has once the config is gone: the URL and the lease.
	c, err := Kind{}.NewClient(&provider.Connection{BaseURL: f.conn.BaseURL}, provider.Options{})
	if err != nil {
		t.Fatalf("NewClient without keys: %v", err)
	}
	if _, err := c.Verify(context.Background()); !errors.Is(err, errNoKey) {
		t.Fatalf("Verify error = %v, want errNoKey", err)
	}
	if _, err := c.Issue(context.Background(), issueReq(Scope{Owner: "acme"})); !errors.Is(err, errNoKey) {
		t.Fatalf("Issue error = %v, want errNoKey", err)
	}
	if err := c.Revoke(context.Background(), tok.Handle); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if _, live := f.fake.Lookup(tok.Token); live {
		t.Fatal("token still live after revoke")
	}
}

func TestNewClientErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]testConn{
		"EC key":  {Settings: Settings{AppID: 1, PrivateKeys: []string{ecPEM(t)}}},
		"bad URL": {Connection: provider.Connection{BaseURL: "gopher://x"}},
		"bad CA":  {Connection: provider.Connection{CACert: "nope"}},
		"garbage": {Settings: Settings{AppID: 1, PrivateKeys: []string{"x"}}},
	}
	for name, conn := range tests {
		if _, err := (Kind{}).NewClient(conn.provider(), provider.Options{}); err == nil {
			t.Errorf("%s: NewClient succeeded", name)
		}
	}
}
