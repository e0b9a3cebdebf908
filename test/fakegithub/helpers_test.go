package fakegithub

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

const (
	testAppID    = 4242
	testClientID = "Iv23liFAKECLIENT01"
	testUA       = "fakegithub-test/1.0"
)

// sharedKey is the App key most tests sign with; generating a 2048-bit key
// costs about 0.1 s, so the test binary makes it once.
var sharedKey = sync.OnceValue(func() *rsa.PrivateKey {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return key
})

// newClock is the fixture's clock, stopped at 2026-05-04 10:00 UTC.
func newClock() *fakeserver.Clock {
	return fakeserver.NewClock(time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC))
}

// fixture is a started fake with one App (sharedKey) installed on the
// organization "acme" over three repositories, all selected.
type fixture struct {
	*Server
	t      *testing.T
	clock  *fakeserver.Clock
	key    *rsa.PrivateKey
	instID int64
	client *http.Client
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	c := newClock()
	if opts.Now == nil {
		opts.Now = c.Now
	}
	s := Start(t, opts)
	key := sharedKey()
	s.AddApp(App{ID: testAppID, ClientID: testClientID, Slug: "vault-git", Name: "Vault Git"}, &key.PublicKey)
	id := s.AddInstallation(Installation{
		AppID:       testAppID,
		Account:     "acme",
		AccountType: "Organization",
		AllRepos:    []string{"api", "web", "infra"},
		Permissions: map[string]string{"contents": "write", "metadata": "read", "pull_requests": "read"},
	})
	// No keep-alive: a dropped connection then surfaces as an error instead
	// of being retried on a fresh one by net/http.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	return &fixture{Server: s, t: t, clock: c, key: key, instID: id, client: client}
}

// jwt is a valid App JWT by the fixture's clock, with the App ID as iss.
func (f *fixture) jwt() string {
	now := f.clock.Now()
	return signJWT(f.key, "RS256", map[string]any{
		"iat": now.Add(-30 * time.Second).Unix(),
		"exp": now.Add(9 * time.Minute).Unix(),
		"iss": testAppID,
	})
}

// signJWT signs claims with key for RS256, with the public key as HMAC
// secret for HS256 (the algorithm-confusion attack), and not at all for
// "none".
func signJWT(key *rsa.PrivateKey, alg string, claims map[string]any) string {
	return signJWTAs(key, alg, alg, claims)
}

// signJWTAs signs with signingAlg but names headerAlg in the header.
func signJWTAs(key *rsa.PrivateKey, headerAlg, signingAlg string, claims map[string]any) string {
	enc := func(v any) string {
		data, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		return base64.RawURLEncoding.EncodeToString(data)
	}
	signingInput := enc(map[string]string{"alg": headerAlg, "typ": "JWT"}) + "." + enc(claims)
	var sig []byte
	switch signingAlg {
	case "RS256":
		digest := sha256.Sum256([]byte(signingInput))
		var err error
		sig, err = rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:])
		if err != nil {
			panic(err)
		}
	case "HS256":
		mac := hmac.New(sha256.New, publicKeyPEM(&key.PublicKey))
		mac.Write([]byte(signingInput))
		sig = mac.Sum(nil)
	}
	return signingInput + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func publicKeyPEM(key *rsa.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// response is a finished exchange.
type response struct {
	*http.Response
	body string
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
}

func (r response) message(t *testing.T) string {
	t.Helper()
	var e errorBody
	r.decode(t, &e)
	return e.Message
}

// request describes a call to the fake; zero fields get defaults.
type request struct {
	method, path, auth, body string
	header                   map[string]string // "" deletes a default
}

// do sends req to the github.com-style root with a User-Agent and the
// 2022-11-28 API version unless req overrides them.
func (f *fixture) do(req request) response {
	f.t.Helper()
	resp, err := f.send(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", req.method, req.path, err)
	}
	return resp
}

func (f *fixture) send(req request) (response, error) {
	method := req.method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if req.body != "" {
		body = strings.NewReader(req.body)
	}
	r, err := http.NewRequest(method, f.URL()+req.path, body)
	if err != nil {
		return response{}, err
	}
	r.Header.Set("User-Agent", testUA)
	r.Header.Set("Accept", "application/vnd.github+json")
	r.Header.Set(apiVersionHeader, "2022-11-28")
	if req.auth != "" {
		r.Header.Set("Authorization", req.auth)
	}
	for k, v := range req.header {
		if v == "" {
			// An explicitly empty User-Agent makes net/http send none.
			r.Header[http.CanonicalHeaderKey(k)] = []string{""}
			continue
		}
		r.Header.Set(k, v)
	}
	resp, err := f.client.Do(r)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{Response: resp, body: string(data)}, nil
}

// mint creates a token over the fixture's installation and fails the test
// unless GitHub would answer 201.
func (f *fixture) mint(body string) accessTokenJSON {
	f.t.Helper()
	resp := f.do(request{
		method: http.MethodPost,
		path:   "/app/installations/" + itoa(f.instID) + "/access_tokens",
		auth:   "Bearer " + f.jwt(),
		body:   body,
	})
	if resp.StatusCode != http.StatusCreated {
		f.t.Fatalf("mint: status %d, body %s", resp.StatusCode, resp.body)
	}
	var tok accessTokenJSON
	resp.decode(f.t, &tok)
	return tok
}

// revoke revokes token and returns the status.
func (f *fixture) revoke(token string) int {
	f.t.Helper()
	return f.do(request{method: http.MethodDelete, path: "/installation/token", auth: "token " + token}).StatusCode
}

func itoa(n int64) string {
	data, _ := json.Marshal(n)
	return string(data)
}

func wantStatus(t *testing.T, resp response, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("status %d, want %d; body %s", resp.StatusCode, want, resp.body)
	}
}

// controlCall sends one request to a control endpoint and returns the
// status and body.
func controlCall(t *testing.T, url, method, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(data)
}
