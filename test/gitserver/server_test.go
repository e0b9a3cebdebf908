package gitserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

const (
	goodUser     = "x-access-token"
	goodPassword = "secret-token-value"
)

// testServer serves two repositories to goodUser:goodPassword and records
// the repository paths the callback was asked about.
type testServer struct {
	url     string
	commits map[string]string // repo -> commit

	mu    sync.Mutex
	asked []string
}

func startTestServer(t *testing.T) *testServer {
	t.Helper()
	root := t.TempDir()
	ts := &testServer{commits: map[string]string{}}
	for _, repo := range []string{"acme/app", "group/sub/project"} {
		commit, err := CreateRepo(context.Background(), root, repo)
		if err != nil {
			t.Fatal(err)
		}
		ts.commits[repo] = commit
	}
	srv, err := New(Options{Root: root, Auth: ts.auth, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	ts.url = hs.URL
	return ts
}

func (ts *testServer) auth(r *http.Request, repo string) error {
	ts.mu.Lock()
	ts.asked = append(ts.asked, repo)
	ts.mu.Unlock()
	user, password, _ := r.BasicAuth()
	if user != goodUser || password != goodPassword {
		return errors.New("wrong credentials")
	}
	return nil
}

func (ts *testServer) wasAsked(repo string) bool {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return slices.Contains(ts.asked, repo)
}

func TestCloneWithGit(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t)
	tests := []struct {
		name    string
		repo    string
		cred    Credentials
		wantErr error // nil: the clone must succeed
	}{
		{"accepted", "acme/app", Credentials{goodUser, goodPassword}, nil},
		{"nested path", "group/sub/project", Credentials{goodUser, goodPassword}, nil},
		{"wrong password", "acme/app", Credentials{goodUser, "revoked-token"}, ErrRefused},
		{"wrong username", "acme/app", Credentials{"oauth2", goodPassword}, ErrRefused},
		{"no password", "acme/app", Credentials{goodUser, ""}, ErrRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "clone")
			head, err := Clone(context.Background(), ts.url+"/"+tt.repo+".git", dir, tt.cred)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Clone error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if head != ts.commits[tt.repo] {
				t.Errorf("cloned HEAD %s, want %s", head, ts.commits[tt.repo])
			}
			if !ts.wasAsked(tt.repo) {
				t.Errorf("the auth callback was never asked about %q", tt.repo)
			}
		})
	}
}

func TestHTTPAnswers(t *testing.T) {
	t.Parallel()
	ts := startTestServer(t)
	tests := []struct {
		name       string
		path       string
		user, pass string // no basic auth when both are empty
		wantStatus int
	}{
		{"no credentials", "/acme/app.git/info/refs?service=git-upload-pack", "", "", http.StatusUnauthorized},
		{"refused credentials", "/acme/app.git/info/refs?service=git-upload-pack", goodUser, "nope", http.StatusUnauthorized},
		{"fetch advertisement", "/acme/app.git/info/refs?service=git-upload-pack", goodUser, goodPassword, http.StatusOK},
		{"push advertisement is forbidden without PushAuth", "/acme/app.git/info/refs?service=git-receive-pack", goodUser, goodPassword, http.StatusForbidden},
		{"push is forbidden without PushAuth", "/acme/app.git/git-receive-pack", goodUser, goodPassword, http.StatusForbidden},
		{"unknown repository", "/acme/missing.git/info/refs?service=git-upload-pack", goodUser, goodPassword, http.StatusNotFound},
		{"no .git suffix", "/acme/app/info/refs?service=git-upload-pack", goodUser, goodPassword, http.StatusNotFound},
		{"path traversal", "/acme/../../etc.git/info/refs", goodUser, goodPassword, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(http.MethodGet, ts.url+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			// Keep the path as written: the client would clean "..".
			req.URL.Opaque = req.URL.Path
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
			if wantChallenge := tt.wantStatus == http.StatusUnauthorized; wantChallenge != (challenge == `Basic realm="Git"`) {
				t.Errorf("WWW-Authenticate = %q", challenge)
			}
		})
	}
}

func TestCreateRepoIsDeterministic(t *testing.T) {
	t.Parallel()
	var commits []string
	for range 2 {
		commit, err := CreateRepo(context.Background(), t.TempDir(), "acme/app")
		if err != nil {
			t.Fatal(err)
		}
		commits = append(commits, commit)
	}
	if commits[0] != commits[1] || len(commits[0]) != 40 {
		t.Errorf("commits %q differ or are not SHA-1 ids", commits)
	}
}

func TestCreateRepoRefusesBadPaths(t *testing.T) {
	t.Parallel()
	for _, repo := range []string{"", "../escape", "acme//app", "/abs"} {
		if _, err := CreateRepo(context.Background(), t.TempDir(), repo); err == nil {
			t.Errorf("CreateRepo(%q) succeeded", repo)
		}
	}
}

func TestNewChecksOptions(t *testing.T) {
	t.Parallel()
	accept := func(*http.Request, string) error { return nil }
	tests := []Options{
		{Auth: accept},
		{Root: t.TempDir()},
		{Root: filepath.Join(t.TempDir(), "missing"), Auth: accept},
	}
	for i, opts := range tests {
		if _, err := New(opts); err == nil {
			t.Errorf("case %d: New(%s) succeeded", i, fmt.Sprint(opts.Root))
		}
	}
}

// TestPushWithGit pushes a commit with the system git to a server whose
// PushAuth takes only goodPassword, and is refused with a read-only token.
func TestPushWithGit(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	if _, err := CreateRepo(context.Background(), root, "acme/app"); err != nil {
		t.Fatal(err)
	}
	const readOnly = "read-only-token"
	readers := func(r *http.Request, _ string) error {
		if _, p, _ := r.BasicAuth(); p != goodPassword && p != readOnly {
			return errors.New("wrong credentials")
		}
		return nil
	}
	writers := func(r *http.Request, _ string) error {
		if _, p, _ := r.BasicAuth(); p != goodPassword {
			return errors.New("no write access")
		}
		return nil
	}
	srv, err := New(Options{Root: root, Auth: readers, PushAuth: writers, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	url := hs.URL + "/acme/app.git"
	clone := filepath.Join(t.TempDir(), "clone")
	if _, err := Clone(context.Background(), url, clone, Credentials{goodUser, goodPassword}); err != nil {
		t.Fatal(err)
	}
	push := func(password string) error {
		if _, err := runGit(context.Background(), "", "", "-C", clone, "commit", "--quiet", "--allow-empty", "-m", "change"); err != nil {
			return err
		}
		_, err := runGitEnv(context.Background(), []string{"GITSERVER_USERNAME=" + goodUser, "GITSERVER_PASSWORD=" + password},
			"-C", clone, "-c", "credential.helper=", "-c", "credential.helper="+credentialHelper, "push", "--quiet", "origin", "HEAD:"+DefaultBranch)
		return err
	}
	if err := push(readOnly); err == nil {
		t.Fatal("a push with a read-only token succeeded")
	}
	if err := push(goodPassword); err != nil {
		t.Fatalf("push: %v", err)
	}
	local, _ := runGit(context.Background(), "", "", "-C", clone, "rev-parse", "HEAD")
	remote, err := runGit(context.Background(), filepath.Join(root, "acme", "app.git"), "", "rev-parse", DefaultBranch)
	if err != nil || remote != local {
		t.Fatalf("the server's %s is %s (%v), want the pushed %s", DefaultBranch, remote, err, local)
	}
}

// runGitEnv runs git with the isolated environment plus extra, and returns
// its error with git's output.
func runGitEnv(ctx context.Context, extra []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Env = gitEnv(append(commitIdentity(), extra...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}
