package gitsecrets

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
)

const (
	testDefaultTTL = 20 * time.Minute
	testMaxTTL     = 24 * time.Hour
)

// testEnv is a backend on in-memory storage.
type testEnv struct {
	t       testing.TB
	b       *backend
	storage logical.Storage
}

func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	return newTestEnvWith(t, registeredKinds())
}

// newTestEnvWith is newTestEnv with the given providers.
func newTestEnvWith(t testing.TB, kinds []provider.Kind) *testEnv {
	t.Helper()
	conf := logical.TestBackendConfig()
	conf.Logger = hclog.NewNullLogger()
	conf.StorageView = &logical.InmemStorage{}
	conf.System = &logical.StaticSystemView{
		DefaultLeaseTTLVal: testDefaultTTL,
		MaxLeaseTTLVal:     testMaxTTL,
	}
	b := newBackend(kinds)
	if err := b.Setup(context.Background(), conf); err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, b: b, storage: conf.StorageView}
}

// do sends one request and returns the response, failing the test on a Go
// error (a 500). Error responses (400s) are returned for the test to check.
func (e *testEnv) do(op logical.Operation, path string, data map[string]any) *logical.Response {
	e.t.Helper()
	resp, err := e.request(op, path, data)
	if err != nil {
		e.t.Fatalf("%s %s: %v", op, path, err)
	}
	return resp
}

func (e *testEnv) request(op logical.Operation, path string, data map[string]any) (*logical.Response, error) {
	req := &logical.Request{
		Operation:   op,
		Path:        path,
		Data:        data,
		Storage:     e.storage,
		MountPoint:  "git/",
		DisplayName: "token-alice",
		EntityID:    "entity-1234",
	}
	return e.b.HandleRequest(context.Background(), req)
}

// ok sends a request that must succeed.
func (e *testEnv) ok(op logical.Operation, path string, data map[string]any) *logical.Response {
	e.t.Helper()
	resp := e.do(op, path, data)
	if resp != nil && resp.IsError() {
		e.t.Fatalf("%s %s: %v", op, path, resp.Error())
	}
	return resp
}

// bad sends a request that must be refused with a 400, and returns its message.
func (e *testEnv) bad(op logical.Operation, path string, data map[string]any) string {
	e.t.Helper()
	resp := e.do(op, path, data)
	if resp == nil || !resp.IsError() {
		e.t.Fatalf("%s %s %v: want a 400, got %#v", op, path, data, resp)
	}
	return resp.Error().Error()
}

// revoke revokes a creds response's lease the way Vault does.
func (e *testEnv) revoke(resp *logical.Response) error {
	e.t.Helper()
	req := &logical.Request{
		Operation: logical.RevokeOperation,
		Path:      "creds/x",
		Storage:   e.storage,
		Secret:    resp.Secret,
	}
	// Vault keeps internal data as JSON between issue and revoke.
	req.Secret.InternalData = roundTripJSON(e.t, resp.Secret.InternalData)
	r, err := e.b.HandleRequest(context.Background(), req)
	if err == nil && r != nil && r.IsError() {
		err = r.Error()
	}
	return err
}

// rollback runs the WAL rollback the way Vault's rollback manager does.
func (e *testEnv) rollback() {
	e.t.Helper()
	resp, err := e.b.HandleRequest(context.Background(), &logical.Request{
		Operation: logical.RollbackOperation,
		Path:      "",
		Storage:   e.storage,
		Data:      map[string]any{"immediate": true},
	})
	failOnRollbackError(e.t, "rollback", resp, err)
}

// failOnRollbackError fails the test when a rollback request failed. The
// framework returns a failed PeriodicFunc as a Go error but a failed WAL
// rollback as an error response, so both are checked.
func failOnRollbackError(t testing.TB, what string, resp *logical.Response, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if resp != nil && resp.IsError() {
		t.Fatalf("%s: error response: %v", what, resp.Error())
	}
}

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

// appKey is one RSA key for the whole test binary: generating keys is slow.
func appKey(t testing.TB) *rsa.PrivateKey {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		testKey = k
	})
	return testKey
}

func pemPKCS1(k *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

func pemPKCS8(t testing.TB, k *rsa.PrivateKey) string {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// githubEnv is a backend with config/gh pointing at a fake GitHub where App
// 42 is installed on org acme with three repositories.
type githubEnv struct {
	*testEnv
	gh *fakegithub.Server
}

const testAppID = 42

func newGitHubEnv(t testing.TB) *githubEnv {
	t.Helper()
	return newGitHubEnvWith(t, fakegithub.Options{})
}

// newGitHubEnvWith is newGitHubEnv with the fake's options, such as an
// unlimited rate for benchmarks that issue more than GitHub's hourly 5,000.
func newGitHubEnvWith(t testing.TB, opts fakegithub.Options) *githubEnv {
	t.Helper()
	return newGitHubEnvConfig(t, opts, nil)
}

// newGitHubEnvConfig is newGitHubEnvWith with config/gh's fields, such as a
// GHES base_url and ca_cert, overriding the defaults; a base_url of "/api/v3"
// is the fake's GHES root.
func newGitHubEnvConfig(t testing.TB, opts fakegithub.Options, config map[string]any) *githubEnv {
	t.Helper()
	e := newTestEnv(t)
	gh := fakegithub.Start(t, opts)
	key := appKey(t)
	gh.AddApp(fakegithub.App{ID: testAppID, ClientID: "Iv1.testclient", Slug: "vault-git", Name: "Vault Git"}, &key.PublicKey)
	gh.AddInstallation(fakegithub.Installation{
		AppID:       testAppID,
		Account:     "acme",
		AccountType: "Organization",
		AllRepos:    []string{"app", "infra", "docs"},
		Permissions: map[string]string{"contents": "write", "metadata": "read", "pull_requests": "write", "packages": "read"},
	})
	fields := map[string]any{
		"provider":    "github",
		"app_id":      testAppID,
		"private_key": pemPKCS1(key),
		"base_url":    gh.URL(),
	}
	for k, v := range config {
		fields[k] = v
	}
	if fields["base_url"] == "/api/v3" {
		fields["base_url"] = gh.GHESURL()
	}
	e.ok(logical.CreateOperation, "config/gh", fields)
	return &githubEnv{testEnv: e, gh: gh}
}
