package fakegithub

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func seedJSON(t *testing.T, keyPEM string) string {
	t.Helper()
	seed := map[string]any{
		"apps": []map[string]any{{"id": testAppID, "client_id": testClientID, "slug": "vault-git", "public_keys": []string{keyPEM}}},
		"installations": []map[string]any{{"id": 77, "app_id": testAppID, "account": "acme", "all_repos": []string{"api", "web"},
			"repositories": []string{"api"}, "permissions": map[string]string{"contents": "read"}}},
	}
	data, err := json.Marshal(seed)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestLoadSeed(t *testing.T) {
	t.Parallel()
	key := sharedKey()
	pkcs1Private := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	pkcs1Public := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&key.PublicKey)}))
	for name, keyPEM := range map[string]string{
		"PKIX public key":    string(publicKeyPEM(&key.PublicKey)),
		"PKCS#1 public key":  pkcs1Public,
		"PKCS#1 private key": pkcs1Private,
	} {
		t.Run(name, func(t *testing.T) {
			s := New(Options{})
			if err := s.LoadSeed(strings.NewReader(seedJSON(t, keyPEM))); err != nil {
				t.Fatal(err)
			}
			s.mu.Lock()
			in := s.state.installations[77]
			app := s.state.apps[testAppID]
			s.mu.Unlock()
			if in == nil || in.Account != "acme" || len(in.Repositories) != 1 || app == nil || len(app.keys) != 1 {
				t.Fatalf("seed not applied: installation %+v, app %+v", in, app)
			}
			if !app.keys[0].Equal(&key.PublicKey) {
				t.Error("seeded key differs")
			}
		})
	}

	bad := []struct{ name, seed string }{
		{"not JSON", "{"},
		{"unknown field", `{"apps":[],"extra":1}`},
		{"bad PEM", `{"apps":[{"id":1,"public_keys":["nope"]}]}`},
		{"installation of unknown app", `{"installations":[{"app_id":9,"account":"a"}]}`},
		{"installation without account", `{"apps":[{"id":1}],"installations":[{"app_id":1}]}`},
		{"bad account type", `{"apps":[{"id":1}],"installations":[{"app_id":1,"account":"a","account_type":"Team"}]}`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Options{})
			if err := s.LoadSeed(strings.NewReader(tc.seed)); err == nil {
				t.Fatal("bad seed accepted")
			}
			if len(s.state.apps) != 0 {
				t.Error("a rejected seed added Apps")
			}
		})
	}
}

func TestControlAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	control := httptest.NewServer(f.ControlHandler())
	defer control.Close()
	call := func(method, path, body string) (int, string) {
		t.Helper()
		return controlCall(t, control.URL+path, method, body)
	}

	tok := f.mint(`{"repositories":["api"]}`)
	status, body := call(http.MethodGet, "/_fake/tokens", "")
	if status != 200 || strings.Contains(body, tok.Token) || !strings.Contains(body, HashToken(tok.Token)) {
		t.Fatalf("tokens: %d, body names the token by value or not by hash", status)
	}
	var tokens []liveTokenJSON
	if err := json.Unmarshal([]byte(body), &tokens); err != nil || len(tokens) != 1 || tokens[0].Repositories[0] != "api" {
		t.Fatalf("tokens body %s: %v", body, err)
	}

	status, body = call(http.MethodGet, "/_fake/calls", "")
	var calls struct {
		Total int            `json:"total"`
		Calls map[string]int `json:"calls"`
	}
	if err := json.Unmarshal([]byte(body), &calls); err != nil || status != 200 {
		t.Fatalf("calls: %d %s", status, body)
	}
	if calls.Total != 1 || calls.Calls["POST "+RouteAccessTokens] != 1 {
		t.Errorf("calls %+v", calls)
	}

	status, _ = call(http.MethodPost, "/_fake/faults", `{"method":"DELETE","route":"/installation/token","status":503,"retry_after":"3","latency":"1ms","times":1}`)
	if status != http.StatusNoContent {
		t.Fatalf("inject fault: %d", status)
	}
	if got := f.revoke(tok.Token); got != http.StatusServiceUnavailable {
		t.Fatalf("revoke under fault: %d, want 503", got)
	}
	if status, _ := call(http.MethodPost, "/_fake/faults", `{"latency":"soon"}`); status != http.StatusBadRequest {
		t.Errorf("bad latency accepted: %d", status)
	}
	if status, _ := call(http.MethodPost, "/_fake/faults", `{"stauts":500}`); status != http.StatusBadRequest {
		t.Errorf("misspelt field accepted: %d", status)
	}
	call(http.MethodPost, "/_fake/faults", `{"status":500}`)
	if status, _ := call(http.MethodDelete, "/_fake/faults", ""); status != http.StatusNoContent {
		t.Fatalf("clear faults: %d", status)
	}
	if got := f.revoke(tok.Token); got != http.StatusNoContent {
		t.Fatalf("revoke after clearing faults: %d", got)
	}
}
