package main

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/gitserver"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/registryserver"
)

// backendTimeout bounds one clone or pull.
const backendTimeout = time.Minute

// backendCase is one use of a token against a fake's backends.
type backendCase struct {
	name        string
	pull        bool // a registry pull; otherwise a git clone
	username    string
	token       string
	wantRefused bool
}

// TestFakeGitHubBackends checks the fake GitHub's Git server and registry
// with installation tokens minted at the fake: a clone needs contents:read,
// a pull packages:read, and a token the fake never issued gets nothing.
func TestFakeGitHubBackends(t *testing.T) {
	t.Parallel()
	conn := startFake(t, fakeGitHub)
	contents := githubToken(t, conn, `{"repositories":["app"],"permissions":{"contents":"read"}}`)
	packages := githubToken(t, conn, `{"repositories":["app"],"permissions":{"packages":"read"}}`)
	const user = "x-access-token"
	const bad = "ghs_000000000000000000000000000000000000"
	checkBackends(t, conn, []backendCase{
		{name: "contents token clones", username: user, token: contents},
		{name: "packages token pulls", pull: true, username: user, token: packages},
		{name: "packages token does not clone", username: user, token: packages, wantRefused: true},
		{name: "contents token does not pull", pull: true, username: user, token: contents, wantRefused: true},
		{name: "bad token does not clone", username: user, token: bad, wantRefused: true},
		{name: "bad token does not pull", pull: true, username: user, token: bad, wantRefused: true},
	})
}

// TestFakeGitLabBackends checks the fake GitLab's Git server and registry
// with deploy tokens created at the fake, like gl-deploy's: a clone needs
// read_repository, a pull read_registry, and a deploy token only works with
// its own username.
func TestFakeGitLabBackends(t *testing.T) {
	t.Parallel()
	conn := startFake(t, fakeGitLab)
	both := newGitLabDeployToken(t, conn, "read_registry", "read_repository")
	repoOnly := newGitLabDeployToken(t, conn, "read_repository")
	checkBackends(t, conn, []backendCase{
		{name: "deploy token clones", username: both.Username, token: both.Token},
		{name: "deploy token pulls", pull: true, username: both.Username, token: both.Token},
		{name: "deploy token under another username", pull: true, username: fakeAdmin, token: both.Token, wantRefused: true},
		{name: "read_repository token does not pull", pull: true, username: repoOnly.Username, token: repoOnly.Token, wantRefused: true},
		{name: "bad token does not clone", username: both.Username, token: "gldt-nope", wantRefused: true},
		{name: "bad token does not pull", pull: true, username: both.Username, token: "gldt-nope", wantRefused: true},
	})
}

// TestFakeGiteaBackends checks the fake Forgejo's Git server and registry
// with access tokens of the bot: a clone needs read:repository on a
// repository the token reaches (a token restricted to another repository
// does not), a pull read:package; any username pairs with the token.
func TestFakeGiteaBackends(t *testing.T) {
	t.Parallel()
	conn := startFake(t, fakeGitea)
	repo := giteaToken(t, conn, `{"name":"r","scopes":["read:repository"]}`)
	pkg := giteaToken(t, conn, `{"name":"p","scopes":["read:package"]}`)
	elsewhere := giteaToken(t, conn, `{"name":"e","scopes":["read:repository"],"repositories":[{"owner":"acme","name":"api"}]}`)
	checkBackends(t, conn, []backendCase{
		{name: "read:repository token clones", username: fakeGiteaBot, token: repo},
		{name: "any username", username: "oauth2", token: repo},
		{name: "read:package token pulls", pull: true, username: fakeGiteaBot, token: pkg},
		{name: "read:package token does not clone", username: fakeGiteaBot, token: pkg, wantRefused: true},
		{name: "read:repository token does not pull", pull: true, username: fakeGiteaBot, token: repo, wantRefused: true},
		{name: "token restricted to another repository does not clone", username: fakeGiteaBot, token: elsewhere, wantRefused: true},
		{name: "the password does not clone", username: fakeGiteaBot, token: conn.config["password"].(string), wantRefused: true},
	})
}

func checkBackends(t *testing.T, conn connection, cases []backendCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), backendTimeout)
			defer cancel()
			var err, refused error
			if tc.pull {
				ref := conn.local.registryHost + "/" + sampleRepo + ":latest"
				_, err = registryserver.Pull(ctx, ref, basicKeychain{&authn.Basic{Username: tc.username, Password: tc.token}})
				refused = registryserver.ErrRefused
			} else {
				if conn.local.cloneURL() == "" {
					t.Skip("git is not installed")
				}
				cred := gitserver.Credentials{Username: tc.username, Password: tc.token}
				_, err = gitserver.Clone(ctx, conn.local.cloneURL(), filepath.Join(t.TempDir(), "clone"), cred)
				refused = gitserver.ErrRefused
			}
			switch {
			case tc.wantRefused && !errors.Is(err, refused):
				t.Fatalf("got %v, want the server to refuse the credentials", err)
			case !tc.wantRefused && err != nil:
				t.Fatal(err)
			}
		})
	}
}

// basicKeychain hands out one set of credentials for every registry.
type basicKeychain struct{ auth authn.Authenticator }

func (k basicKeychain) Resolve(authn.Resource) (authn.Authenticator, error) { return k.auth, nil }
