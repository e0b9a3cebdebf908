package registryserver

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

const (
	goodUser     = "deploy-user"
	goodPassword = "secret-token-value"
)

// testRegistry holds acme/app:latest for goodUser:goodPassword and records
// the repositories the callback was asked about.
type testRegistry struct {
	host   string // 127.0.0.1:PORT
	digest v1.Hash

	mu    sync.Mutex
	asked []string
}

func startTestRegistry(t *testing.T) *testRegistry {
	t.Helper()
	tr := &testRegistry{}
	srv, err := New(Options{Auth: tr.auth, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	if tr.digest, err = srv.PushRandomImage(context.Background(), "acme/app", "latest"); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	tr.host = strings.TrimPrefix(hs.URL, "http://")
	return tr
}

func (tr *testRegistry) auth(r *http.Request, repo string) error {
	tr.mu.Lock()
	tr.asked = append(tr.asked, repo)
	tr.mu.Unlock()
	user, password, _ := r.BasicAuth()
	if user != goodUser || password != goodPassword || repo != "acme/app" {
		return errors.New("refused")
	}
	return nil
}

func (tr *testRegistry) wasAsked(repo string) bool {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return slices.Contains(tr.asked, repo)
}

// keychain hands out one set of credentials for every registry.
type keychain struct{ auth authn.Authenticator }

func (k keychain) Resolve(authn.Resource) (authn.Authenticator, error) { return k.auth, nil }

func TestPull(t *testing.T) {
	t.Parallel()
	tr := startTestRegistry(t)
	good := &authn.Basic{Username: goodUser, Password: goodPassword}
	tests := []struct {
		name    string
		ref     string
		auth    authn.Authenticator
		wantErr error // nil: the pull must succeed
	}{
		{"accepted", "acme/app:latest", good, nil},
		{"by digest", "acme/app@" + tr.digest.String(), good, nil},
		{"wrong password", "acme/app:latest", &authn.Basic{Username: goodUser, Password: "revoked"}, ErrRefused},
		{"wrong username", "acme/app:latest", &authn.Basic{Username: "other", Password: goodPassword}, ErrRefused},
		{"anonymous", "acme/app:latest", authn.Anonymous, ErrRefused},
		{"repository the credentials do not reach", "acme/other:latest", good, ErrRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			digest, err := Pull(context.Background(), tr.host+"/"+tt.ref, keychain{tt.auth})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Pull error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if digest != tr.digest {
				t.Errorf("pulled %s, want %s", digest, tr.digest)
			}
			if !tr.wasAsked("acme/app") {
				t.Error("the auth callback was never asked about acme/app")
			}
		})
	}
}

// TestPullWithDockerConfig reads the credentials the way docker does, from
// $DOCKER_CONFIG/config.json. Not parallel: it sets DOCKER_CONFIG.
func TestPullWithDockerConfig(t *testing.T) {
	tr := startTestRegistry(t)
	dir := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte(goodUser + ":" + goodPassword))
	config := `{"auths":{"` + tr.host + `":{"auth":"` + auth + `"}}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
	digest, err := Pull(context.Background(), tr.host+"/acme/app:latest", authn.DefaultKeychain)
	if err != nil {
		t.Fatal(err)
	}
	if digest != tr.digest {
		t.Errorf("pulled %s, want %s", digest, tr.digest)
	}
}

func TestHTTPAnswers(t *testing.T) {
	t.Parallel()
	tr := startTestRegistry(t)
	tests := []struct {
		name       string
		method     string
		path       string
		user, pass string // no basic auth when both are empty
		wantStatus int
	}{
		{"version check without credentials", http.MethodGet, "/v2/", "", "", http.StatusUnauthorized},
		{"version check with credentials", http.MethodGet, "/v2/", "anyone", "anything", http.StatusOK},
		{"manifest without credentials", http.MethodGet, "/v2/acme/app/manifests/latest", "", "", http.StatusUnauthorized},
		{"manifest head", http.MethodHead, "/v2/acme/app/manifests/latest", goodUser, goodPassword, http.StatusOK},
		{"tags", http.MethodGet, "/v2/acme/app/tags/list", goodUser, goodPassword, http.StatusOK},
		{"refused credentials", http.MethodGet, "/v2/acme/app/manifests/latest", goodUser, "nope", http.StatusUnauthorized},
		{"catalog", http.MethodGet, "/v2/_catalog", goodUser, goodPassword, http.StatusUnauthorized},
		{"upload is forbidden", http.MethodPost, "/v2/acme/app/blobs/uploads/", goodUser, goodPassword, http.StatusForbidden},
		{"delete is forbidden", http.MethodDelete, "/v2/acme/app/manifests/latest", goodUser, goodPassword, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(tt.method, "http://"+tr.host+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.user != "" || tt.pass != "" {
				req.SetBasicAuth(tt.user, tt.pass)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			challenge := resp.Header.Get("WWW-Authenticate")
			if wantChallenge := tt.wantStatus == http.StatusUnauthorized; wantChallenge != (challenge == `Basic realm="Registry"`) {
				t.Errorf("WWW-Authenticate = %q", challenge)
			}
		})
	}
}

func TestNewRequiresAuth(t *testing.T) {
	t.Parallel()
	if _, err := New(Options{}); err == nil {
		t.Error("New without Auth succeeded")
	}
}

func TestPushRandomImageRefusesBadNames(t *testing.T) {
	t.Parallel()
	srv, err := New(Options{Auth: func(*http.Request, string) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	for _, repo := range []string{"", "Acme/App", "acme//app"} {
		if _, err := srv.PushRandomImage(context.Background(), repo, "latest"); err == nil {
			t.Errorf("PushRandomImage(%q) succeeded", repo)
		}
	}
}
