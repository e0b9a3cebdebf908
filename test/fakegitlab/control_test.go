package fakegitlab

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

func TestSeedFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "seed.json")
	data := `{
	  "users": [{"username": "root", "admin": true}, {"username": "alice"}],
	  "groups": ["acme/platform"],
	  "projects": ["acme/app"],
	  "members": [{"path": "acme/app", "username": "alice", "access_level": 40}],
	  "tokens": [{"username": "alice", "name": "engine", "scopes": ["api"], "expires_at": "2025-12-31", "token": "glpat-seeded-alice"}]
	}`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	seed, err := LoadSeed(path)
	if err != nil {
		t.Fatal(err)
	}
	clock := fakeserver.NewClock(start)
	s := Start(t, Options{Now: clock.Now})
	if err := s.ApplySeed(seed); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, s: s, clock: clock}
	p := w.call("GET", "/projects/acme%2Fapp", "glpat-seeded-alice", nil).expect(t, http.StatusOK).fields(t)
	if p["permissions"].(map[string]any)["project_access"].(map[string]any)["access_level"] != float64(40) {
		t.Fatalf("project: %v", p)
	}
	if tok, live := s.Lookup("glpat-seeded-alice"); !live || tok.Name != "engine" {
		t.Fatalf("seeded token: %+v", tok)
	}

	bad := []Seed{
		{Members: []SeedMember{{Path: "acme/app", Username: "ghost", AccessLevel: 30}}},
		{Users: []SeedUser{{Username: "x"}}, Tokens: []SeedToken{{Username: "x", Name: "t"}}},
		{Users: []SeedUser{{Username: "y"}}, Members: []SeedMember{{Path: "nowhere", Username: "y", AccessLevel: 30}}},
	}
	for i, seed := range bad {
		if err := New(Options{}).ApplySeed(seed); err == nil {
			t.Errorf("bad seed %d accepted", i)
		}
	}
}

func TestControlAPI(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctl := httptest.NewServer(w.s.ControlHandler())
	defer ctl.Close()

	created := w.createProjectToken(nil)
	w.s.AllowLiveTokens()

	resp, err := http.Get(ctl.URL + "/_fake/tokens")
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	resp.Body.Close()
	token := str(t, created, "token")
	if strings.Contains(body.String(), token) || strings.Contains(body.String(), w.alice) {
		t.Fatal("the control API shows a token value")
	}
	var views []tokenView
	if err := json.Unmarshal(body.Bytes(), &views); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(token))
	last := views[len(views)-1]
	if last.SHA256 != hex.EncodeToString(sum[:]) || last.Kind != KindProject || !last.Live {
		t.Fatalf("view: %+v", last)
	}

	fault := `{"method":"get","route":"/user","status":503,"times":1}`
	resp, err = http.Post(ctl.URL+"/_fake/faults", "application/json", strings.NewReader(fault))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("inject: %d", resp.StatusCode)
	}
	w.call("GET", "/user", w.alice, nil).expect(t, http.StatusServiceUnavailable)
	controlStatus := func(method, path, body string) int {
		req, _ := http.NewRequest(method, ctl.URL+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := controlStatus("POST", "/_fake/faults", `{"latency":"forever"}`); got != http.StatusBadRequest {
		t.Fatalf("bad latency: %d", got)
	}
	if got := controlStatus("POST", "/_fake/faults", `{"status":500}`); got != http.StatusNoContent {
		t.Fatalf("inject: %d", got)
	}
	if got := controlStatus("DELETE", "/_fake/faults", ""); got != http.StatusNoContent {
		t.Fatalf("clear: %d", got)
	}
	w.call("GET", "/user", w.alice, nil).expect(t, http.StatusOK)

	resp, err = http.Get(ctl.URL + "/_fake/calls")
	if err != nil {
		t.Fatal(err)
	}
	var calls struct {
		Total int            `json:"total"`
		Calls map[string]int `json:"calls"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&calls)
	resp.Body.Close()
	if calls.Calls["GET /user"] != 2 || calls.Total != 3 {
		t.Fatalf("calls: %+v", calls)
	}
}
