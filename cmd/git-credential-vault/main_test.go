package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mitchellh/go-homedir"
)

// fakeVault answers <mount>/creds/<role> and sys/leases/revoke as Vault
// does, for the token "user-token" only.
type fakeVault struct {
	mu      sync.Mutex
	issued  int
	revoked []string
	ttl     time.Duration
}

func (f *fakeVault) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("X-Vault-Token") != "user-token" {
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"errors":["permission denied"]}`))
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/git/creds/gh":
		f.issued++
		json.NewEncoder(w).Encode(map[string]any{
			"lease_id": "git/creds/gh/lease" + string(rune('0'+f.issued)), "lease_duration": int(f.ttl.Seconds()),
			"data": map[string]any{
				"username": "x-access-token", "token": "tok" + string(rune('0'+f.issued)),
				"expires_at": time.Now().Add(f.ttl).UTC().Format(time.RFC3339),
			},
		})
	case r.Method == http.MethodPut && r.URL.Path == "/v1/sys/leases/revoke":
		var body struct {
			LeaseID string `json:"lease_id"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		f.revoked = append(f.revoked, body.LeaseID)
		w.WriteHeader(http.StatusNoContent)
	case r.URL.Path == "/v1/git/creds/denied":
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"errors":["1 error occurred:\n\t* permission denied\n\n"]}`))
	default:
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"errors":[]}`))
	}
}

// helperEnv points the helper at f with the user's token and a git config
// of its own mapping https://git.example.com/acme to role gh and
// https://git.example.com/other to role denied.
func helperEnv(t *testing.T, f *fakeVault) (cacheDir string) {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	home := t.TempDir()
	gitconfig := filepath.Join(home, "gitconfig")
	config := "[credential \"https://git.example.com/acme\"]\n\tvaultRole = gh\n" +
		"[credential \"https://git.example.com/other\"]\n\tvaultRole = denied\n"
	if err := os.WriteFile(gitconfig, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"HOME": home, "XDG_CACHE_HOME": filepath.Join(home, "cache"),
		"GIT_CONFIG_GLOBAL": gitconfig, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_PARAMETERS": "", "GIT_CONFIG_COUNT": "",
		"VAULT_ADDR": srv.URL, "VAULT_TOKEN": "user-token",
	} {
		t.Setenv(k, v)
	}
	return filepath.Join(home, "cache", "git-credential-vault")
}

func runHelper(t *testing.T, action, input string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run([]string{action}, strings.NewReader(input), &out, &errOut)
	return out.String(), errOut.String(), code
}

func TestGetReadsCachesAndRefreshes(t *testing.T) {
	f := &fakeVault{ttl: time.Hour}
	helperEnv(t, f)
	in := "protocol=https\nhost=git.example.com\npath=acme/app.git\n\n"

	out, errOut, code := runHelper(t, "get", in)
	if code != 0 || !strings.HasPrefix(out, "username=x-access-token\npassword=tok1\npassword_expiry_utc=") {
		t.Fatalf("get: code %d, stdout %q, stderr %q", code, out, errOut)
	}
	if out2, _, _ := runHelper(t, "get", in); out2 != out || f.issued != 1 {
		t.Fatalf("second get read Vault again (issued %d) or answered differently: %q", f.issued, out2)
	}

	// A lease at its end is not handed out again: the next get reads anew.
	f.ttl = 0
	runHelper(t, "erase", "protocol=https\nhost=git.example.com\npath=acme/app.git\npassword=tok1\n\n")
	runHelper(t, "get", in) // tok2, already at its end
	out, _, _ = runHelper(t, "get", in)
	if !strings.Contains(out, "password=tok3\n") {
		t.Fatalf("a get at the lease end answered %q, want the new token tok3", out)
	}
}

func TestEraseRevokesOnlyItsOwnToken(t *testing.T) {
	f := &fakeVault{ttl: time.Hour}
	cacheDir := helperEnv(t, f)
	get := "protocol=https\nhost=git.example.com\npath=acme/app.git\n\n"
	runHelper(t, "get", get)

	// Git erases in every helper; a password that is not ours is left alone.
	runHelper(t, "erase", "protocol=https\nhost=git.example.com\npath=acme/app.git\nusername=x\npassword=someone-elses\n\n")
	if len(f.revoked) != 0 {
		t.Fatalf("erase of another password revoked %v", f.revoked)
	}
	_, errOut, code := runHelper(t, "erase", "protocol=https\nhost=git.example.com\npath=acme/app.git\nusername=x-access-token\npassword=tok1\n\n")
	if code != 0 || len(f.revoked) != 1 || f.revoked[0] != "git/creds/gh/lease1" {
		t.Fatalf("erase: code %d, revoked %v, stderr %q", code, f.revoked, errOut)
	}
	if entries, _ := os.ReadDir(cacheDir); len(entries) != 0 {
		t.Fatalf("the cache still holds %d entries after erase", len(entries))
	}
	if out, _, _ := runHelper(t, "get", get); !strings.Contains(out, "password=tok2\n") {
		t.Fatalf("get after erase answered %q, want a new token", out)
	}
}

// Without an answer the helper prints nothing on stdout and exits 0, so Git
// moves on, and says on stderr which role and why.
func TestGetWithoutAnAnswerFallsThroughWithAReason(t *testing.T) {
	f := &fakeVault{ttl: time.Hour}
	helperEnv(t, f)
	for _, tc := range []struct {
		name, input string
		want        []string
	}{
		{"refused role", "protocol=https\nhost=git.example.com\npath=other/app.git\n\n", []string{"role denied", "git/creds/denied", "403", "permission denied"}},
		{"no role for the URL", "protocol=https\nhost=elsewhere.example.com\n\n", []string{"no Vault role for https://elsewhere.example.com/", "vaultRole"}},
		{"no role without useHttpPath", "protocol=https\nhost=git.example.com\n\n", []string{"no Vault role for https://git.example.com/"}},
		{"malformed request", "protocol https\n\n", []string{"malformed request line 1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runHelper(t, "get", tc.input)
			if out != "" || code != 0 {
				t.Fatalf("stdout %q, exit %d; want nothing and 0", out, code)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q does not name %q", errOut, w)
				}
			}
		})
	}
	if f.issued != 0 {
		t.Fatalf("Vault issued %d tokens", f.issued)
	}
}

func TestGetWithoutAVaultTokenSaysSo(t *testing.T) {
	helperEnv(t, &fakeVault{ttl: time.Hour})
	t.Setenv("VAULT_TOKEN", "") // and HOME has no .vault-token
	out, errOut, _ := runHelper(t, "get", "protocol=https\nhost=git.example.com\npath=acme/app.git\n\n")
	if out != "" || !strings.Contains(errOut, "no Vault token") {
		t.Fatalf("stdout %q, stderr %q", out, errOut)
	}
}

func TestTokenFromTheVaultCLIsTokenFile(t *testing.T) {
	// The CLI's token helper finds ~ with go-homedir, which caches it for
	// the process; each test here has a HOME of its own.
	homedir.DisableCache = true
	t.Cleanup(func() { homedir.DisableCache = false })
	f := &fakeVault{ttl: time.Hour}
	helperEnv(t, f)
	t.Setenv("VAULT_TOKEN", "")
	if err := os.WriteFile(filepath.Join(os.Getenv("HOME"), ".vault-token"), []byte("user-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, _ := runHelper(t, "get", "protocol=https\nhost=git.example.com\npath=acme/app.git\n\n")
	if !strings.Contains(out, "password=tok1\n") {
		t.Fatalf("stdout %q, stderr %q", out, errOut)
	}
}

func TestStoreIsANoOp(t *testing.T) {
	f := &fakeVault{ttl: time.Hour}
	cacheDir := helperEnv(t, f)
	out, errOut, code := runHelper(t, "store", "protocol=https\nhost=git.example.com\npath=acme/app.git\nusername=u\npassword=p\n\n")
	if out != "" || errOut != "" || code != 0 || f.issued != 0 {
		t.Fatalf("store: stdout %q, stderr %q, exit %d, issued %d", out, errOut, code, f.issued)
	}
	if _, err := os.Stat(cacheDir); !os.IsNotExist(err) {
		t.Fatalf("store created the cache: %v", err)
	}
}
