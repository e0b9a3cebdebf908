package e2e

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/gitserver"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/registryserver"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/vaultserver"
)

// clientsTimeout bounds one clone or pull.
const clientsTimeout = 2 * time.Minute

// clientsRepo is the repository the Git servers serve and the image the
// registries hold: GitHub's acme/app, GitLab's project acme/app.
const clientsRepo = githubOwner + "/app"

// TestClients proves with real clients that the tokens the engine issues
// work where they are meant to be used, and stop working once their lease is
// revoked: the system `git` clones over smart HTTP, and go-containerregistry
// (crane) pulls with the docker_config_json the engine returned, read from
// $DOCKER_CONFIG/config.json as docker reads it. The Git and registry servers
// ask the fake that issued a token whether it is live and allowed.
//
// Not parallel: the registry cases set DOCKER_CONFIG, which is shared by the
// whole process.
func TestClients(t *testing.T) {
	v := startVault(t, vaultserver.StorageInmem)
	e := v.mountEngine(t, "git-clients")
	githubContents := func(r *http.Request, repo string) error {
		return e.gh.CheckBasicAuth(r, repo, "contents", "read")
	}
	githubPackages := func(r *http.Request, repo string) error {
		return e.gh.CheckBasicAuth(r, repo, "packages", "read")
	}
	gitlabScope := func(scope string) func(*http.Request, string) error {
		return func(r *http.Request, repo string) error { return e.gl.CheckBasicAuth(r, repo, scope) }
	}

	for _, tc := range []struct {
		name   string
		role   string
		fields []string
		auth   gitserver.AuthFunc
	}{
		{
			name:   "github installation token clones with git",
			role:   "clients-gh-contents",
			fields: []string{"config=gh", "token_type=installation", "owner=" + githubOwner, "repositories=app", "permissions=contents=read"},
			auth:   githubContents,
		},
		{
			name:   "gitlab project token clones with git",
			role:   "clients-gl-project",
			fields: []string{"config=gl", "token_type=project", "path=" + gitlabProj, "scopes=read_repository", "access_level=reporter"},
			auth:   gitlabScope("read_repository"),
		},
		{
			name:   "gitlab group token clones with git",
			role:   "clients-gl-group",
			fields: []string{"config=gl", "token_type=group", "path=" + gitlabGroup, "scopes=read_repository", "access_level=reporter"},
			auth:   gitlabScope("read_repository"),
		},
		{
			name:   "gitlab deploy token clones with git",
			role:   "clients-gl-deploy-repository",
			fields: []string{"config=gl", "token_type=deploy", "path=" + gitlabProj, "scopes=read_repository"},
			auth:   gitlabScope("read_repository"),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cloneURL, commit := clientsGitServer(t, tc.auth, nil)
			e.writeRole(t, tc.role, tc.fields...)
			c := e.readCreds(t, tc.role)
			cred := clientsGitCredentials(t, c)

			head, err := clientsClone(t, cloneURL, cred)
			if err != nil {
				requireNoToken(t, "the clone error", err.Error(), c)
				t.Fatalf("clone with %v: %v", c, err)
			}
			if head != commit {
				t.Fatalf("the clone checked out %s, want %s", head, commit)
			}

			e.v.vault(t, "lease", "revoke", c.LeaseID)
			e.waitRevoked(t, "after lease revoke", c)
			_, err = clientsClone(t, cloneURL, cred)
			if !errors.Is(err, gitserver.ErrRefused) {
				t.Fatalf("clone with %v after lease revoke: got %v, want the server to refuse the credentials", c, err)
			}
			requireNoToken(t, "the clone error", err.Error(), c)
		})
	}

	for _, tc := range []struct {
		name   string
		conn   string
		role   string
		fields []string
		auth   registryserver.AuthFunc
	}{
		{
			name:   "gitlab deploy token pulls an image with crane",
			conn:   "gl",
			role:   "clients-gl-deploy-registry",
			fields: []string{"config=gl", "token_type=deploy", "path=" + gitlabProj, "scopes=read_registry"},
			auth:   gitlabScope("read_registry"),
		},
		{
			name:   "gitlab project token pulls an image with crane",
			conn:   "gl",
			role:   "clients-gl-project-registry",
			fields: []string{"config=gl", "token_type=project", "path=" + gitlabProj, "scopes=read_registry", "access_level=reporter"},
			auth:   gitlabScope("read_registry"),
		},
		{
			// ghcr.io's real flow trades the basic credentials for a bearer
			// token; this registry takes them directly, so it proves the
			// credentials and their docker config, not ghcr's token dance.
			name:   "github installation token pulls an image with crane, ghcr style",
			conn:   "gh",
			role:   "clients-gh-packages",
			fields: []string{"config=gh", "token_type=installation", "owner=" + githubOwner, "repositories=app", "permissions=packages=read"},
			auth:   githubPackages,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			host, digest := clientsRegistry(t, tc.auth)
			// The host in docker_config_json is the connection's registry_host.
			e.v.vault(t, "write", e.path+"/config/"+tc.conn, "registry_host="+host)
			e.writeRole(t, tc.role, tc.fields...)
			c := e.readCreds(t, tc.role)
			if got, _ := c.Data["registry"].(string); got != host {
				t.Fatalf("%v: registry = %q, want %q", c, got, host)
			}
			clientsDockerConfig(t, c)
			ref := host + "/" + clientsRepo + ":latest"

			got, err := clientsPull(t, ref)
			if err != nil {
				requireNoToken(t, "the pull error", err.Error(), c)
				t.Fatalf("pull with %v: %v", c, err)
			}
			if got != digest {
				t.Fatalf("pulled %s, want %s", got, digest)
			}

			e.v.vault(t, "lease", "revoke", c.LeaseID)
			e.waitRevoked(t, "after lease revoke", c)
			_, err = clientsPull(t, ref)
			if !errors.Is(err, registryserver.ErrRefused) {
				t.Fatalf("pull with %v after lease revoke: got %v, want the registry to refuse the credentials", c, err)
			}
			requireNoToken(t, "the pull error", err.Error(), c)
		})
	}
}

// clientsGitServer serves a new repository clientsRepo over smart HTTP on
// loopback behind auth until the test ends, and returns its clone URL and
// its one commit. Pushes need pushAuth too; nil refuses them all.
func clientsGitServer(t *testing.T, auth, pushAuth gitserver.AuthFunc) (cloneURL, commit string) {
	t.Helper()
	root := t.TempDir()
	commit, err := gitserver.CreateRepo(context.Background(), root, clientsRepo)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := gitserver.New(gitserver.Options{Root: root, Auth: auth, PushAuth: pushAuth, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return hs.URL + "/" + clientsRepo + ".git", commit
}

// clientsRegistry serves a registry holding clientsRepo:latest on loopback
// behind auth until the test ends, and returns its host:port and the
// image's digest.
func clientsRegistry(t *testing.T, auth registryserver.AuthFunc) (host string, digest v1.Hash) {
	t.Helper()
	srv, err := registryserver.New(registryserver.Options{Auth: auth, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	if digest, err = srv.PushRandomImage(context.Background(), clientsRepo, "latest"); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return strings.TrimPrefix(hs.URL, "http://"), digest
}

// clientsGitCredentials is the username and token of c, as a user copies
// them from `vault read`.
func clientsGitCredentials(t *testing.T, c *creds) gitserver.Credentials {
	t.Helper()
	username, _ := c.Data["username"].(string)
	if username == "" {
		t.Fatalf("%v: no username in the response", c)
	}
	return gitserver.Credentials{Username: username, Password: c.token()}
}

// clientsClone clones into a new directory.
func clientsClone(t *testing.T, cloneURL string, cred gitserver.Credentials) (head string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), clientsTimeout)
	defer cancel()
	return gitserver.Clone(ctx, cloneURL, filepath.Join(t.TempDir(), "clone"), cred)
}

// clientsDockerConfig writes c's docker_config_json as config.json in a new
// directory and points DOCKER_CONFIG at it for the rest of the test.
func clientsDockerConfig(t *testing.T, c *creds) {
	t.Helper()
	doc, _ := c.Data["docker_config_json"].(string)
	if doc == "" {
		t.Fatalf("%v: no docker_config_json in the response", c)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
}

// clientsPull pulls ref with the credentials docker would use.
func clientsPull(t *testing.T, ref string) (v1.Hash, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), clientsTimeout)
	defer cancel()
	return registryserver.Pull(ctx, ref, authn.DefaultKeychain)
}
