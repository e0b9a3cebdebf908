package gitsecrets

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/hashicorp/vault/sdk/logical"
)

// TestStorageCompat: entries as the release before the provider seam stored
// them (testdata/storage, captured from that release's own writes) decode
// into today's types with every value in place, and encode back to the same
// JSON keys and values, so either release reads what the other wrote.
func TestStorageCompat(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	cases := []struct {
		file   string
		decode func(raw []byte) (any, error)
		check  func(t *testing.T, v any)
		ignore []string // keys the framework adds, not the engine
	}{
		{file: "github_config_gh.json", decode: func(raw []byte) (any, error) {
			return e.b.decodeConnection("gh", &logical.StorageEntry{Key: "config/gh", Value: raw})
		}, check: func(t *testing.T, v any) {
			c := v.(*connection).providerConnection()
			if c.Name != "gh" || c.Provider != "github" || c.AppID != 42 || c.ClientID != "Iv1.testclient" || len(c.PrivateKeys) != 1 ||
				c.RegistryHost != "reg.example.com" {
				t.Errorf("decoded %+v", c)
			}
		}},
		{file: "gitlab_config_gl.json", decode: func(raw []byte) (any, error) {
			return e.b.decodeConnection("gl", &logical.StorageEntry{Key: "config/gl", Value: raw})
		}, check: func(t *testing.T, v any) {
			c := v.(*connection)
			if c.Provider != "gitlab" || c.Token != "glpat-H5AZXTRMCH4FEQVQWHHM" || c.TokenLifetime == 0 ||
				c.RotationPeriod == 0 || c.Rotation.ManagedBy != managedByEngine || credentialUser(c.Credential) != "4" {
				t.Errorf("decoded %+v", c)
			}
		}},
		{file: "github_roles_ci.json", decode: decodeAs[role], check: func(t *testing.T, v any) {
			r := v.(*role)
			if r.Scope.Owner != "acme" || len(r.Scope.Repositories) != 2 || r.Scope.RepositoryIDs[0] != "12" || r.Scope.Permissions["contents"] != "read" {
				t.Errorf("decoded %+v", r)
			}
		}},
		{file: "gitlab_roles_p.json", decode: decodeAs[role], check: func(t *testing.T, v any) {
			r := v.(*role)
			if r.Scope.Path != "acme/app" || r.Scope.Scopes[0] != "read_repository" || r.Scope.AccessLevel != "reporter" {
				t.Errorf("decoded %+v", r)
			}
		}},
		{file: "gitlab_static-roles_s.json", decode: decodeAs[staticRole], check: func(t *testing.T, v any) {
			r := v.(*staticRole)
			if r.Current == nil || r.Current.Handle.ID != 3 || r.Current.Scope.Path != "acme/app" || r.Scope.AccessLevel != "reporter" {
				t.Errorf("decoded %+v", r)
			}
		}},
		{file: "github_tokens.json", decode: decodeAs[tokenEntry], check: func(t *testing.T, v any) {
			te := v.(*tokenEntry)
			if te.Scope.InstallationID != 1001 || te.Scope.RepositoryIDs[0] != "500001" || te.Handle.TokenType != "installation" {
				t.Errorf("decoded %+v", te)
			}
		}},
		{file: "gitlab_tokens.json", decode: decodeAs[tokenEntry], check: func(t *testing.T, v any) {
			te := v.(*tokenEntry)
			if te.Scope.Path != "acme/app" || te.Handle.ID != 2 || te.Handle.Parent != "projects/2" {
				t.Errorf("decoded %+v", te)
			}
		}},
		{file: "github_wal_token.json", decode: decodeAs[walToken], check: func(t *testing.T, v any) {
			w := v.(*walToken)
			if w.Scope.InstallationID != 1001 || w.Handle.Secret == "" || w.Name == "" {
				t.Errorf("decoded %+v", w)
			}
		}},
		{file: "gitlab_wal_token.json", decode: decodeAs[walToken], check: func(t *testing.T, v any) {
			w := v.(*walToken)
			if w.Scope.Path != "acme/app" || w.Scope.AccessLevel != "reporter" {
				t.Errorf("decoded %+v", w)
			}
		}},
		{file: "github_lease_internal.json", decode: decodeLease, ignore: []string{"secret_type"}, check: func(t *testing.T, v any) {
			l := v.(*leaseInternal)
			if l.Provider != "github" || l.Handle.Secret == "" || l.TokenExpiresAt.IsZero() {
				t.Errorf("decoded %+v", l)
			}
		}},
		{file: "gitlab_lease_internal.json", decode: decodeLease, ignore: []string{"secret_type"}, check: func(t *testing.T, v any) {
			l := v.(*leaseInternal)
			if l.Provider != "gitlab" || l.Handle.ID != 2 || l.Handle.Parent != "projects/2" {
				t.Errorf("decoded %+v", l)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			raw, err := os.ReadFile("testdata/storage/" + c.file)
			if err != nil {
				t.Fatal(err)
			}
			v, err := c.decode(raw)
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, v)
			again, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			var want, got map[string]any
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(again, &got); err != nil {
				t.Fatal(err)
			}
			for _, k := range c.ignore {
				delete(want, k)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("encodes to\n%s\nwant the stored\n%s", again, raw)
			}
		})
	}
}

func decodeAs[T any](raw []byte) (any, error) {
	v := new(T)
	return v, json.Unmarshal(raw, v)
}

func decodeLease(raw []byte) (any, error) {
	m := map[string]any{}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	l, err := leaseInternalFrom(m)
	return &l, err
}
