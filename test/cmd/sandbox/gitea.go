package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitea"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// The fake Gitea's world: a Forgejo v15 (which, unlike Gitea, can restrict
// a token to repositories) with a bot account that is a site administrator
// (so rotate-root can change its password) and collaborates on two private
// repositories of acme.
const (
	fakeGiteaBot     = "vault-bot"
	fakeGiteaAPIRepo = fakeOwner + "/api"
	// giteaPasswordFile is where the sandbox writes the bot's first
	// password, for a config write by hand; rotate-root makes it stale.
	giteaPasswordFile = "gitea-bot-password"
)

// giteaConnection is the real Gitea or Forgejo from the environment, or
// else a fake Forgejo with a bot account, with a Git server and a registry
// behind it.
func giteaConnection(ctx context.Context, dir string, logf func(string, ...any), started func(stop func())) (connection, error) {
	vars, real, err := envGroup("GITEA_BASE_URL", "GITEA_USERNAME", "GITEA_PASSWORD")
	if err != nil {
		return connection{}, err
	}
	if real {
		// No repositories on the roles: plain Gitea refuses them.
		return giteaRoles(connection{
			name: "gitea", label: "Gitea", url: vars["GITEA_BASE_URL"],
			summary: "bot account " + vars["GITEA_USERNAME"],
			config: map[string]any{
				"provider": "gitea", "base_url": vars["GITEA_BASE_URL"],
				"username": vars["GITEA_USERNAME"], "password": vars["GITEA_PASSWORD"],
			},
		}, nil), nil
	}
	return fakeGitea(ctx, dir, logf, started)
}

// fakeGitea starts the fake with a fresh random bot password, which it also
// writes to dir, and its backends: a clone needs a token with
// read:repository that reaches the repository, a pull read:package, as on
// Gitea and Forgejo.
func fakeGitea(ctx context.Context, dir string, logf func(string, ...any), started func(stop func())) (connection, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return connection{}, err
	}
	password := hex.EncodeToString(b)
	passwordPath := filepath.Join(dir, giteaPasswordFile)
	if err := os.WriteFile(passwordPath, []byte(password+"\n"), 0o600); err != nil {
		return connection{}, err
	}

	fake := fakegitea.New(fakegitea.Options{Flavour: fakegitea.Forgejo})
	fake.AddUser(fakeGiteaBot, password, true)
	for _, repo := range []string{sampleRepo, fakeGiteaAPIRepo} {
		owner, name, _ := strings.Cut(repo, "/")
		fake.AddRepo(owner, name, true, fakeGiteaBot)
	}
	url, stop, err := fakeserver.ServeLoopback(fake.Handler())
	if err != nil {
		return connection{}, err
	}
	started(stop)

	local, err := startBackends(ctx, filepath.Join(dir, "gitea-git"), backendAuth{
		git: func(r *http.Request, repo string) error {
			return fake.CheckBasicAuth(r, repo, "read:repository")
		},
		registry: func(r *http.Request, repo string) error {
			return fake.CheckBasicAuth(r, repo, "read:package")
		},
	}, logf, started)
	if err != nil {
		return connection{}, err
	}

	conn := giteaRoles(connection{
		name: "gitea", label: "fake Forgejo", url: url,
		summary: "bot " + fakeGiteaBot + " (site admin, password in " + passwordPath + "), private repositories " +
			sampleRepo + " and " + fakeGiteaAPIRepo,
		config: map[string]any{
			"provider": "gitea", "base_url": url, "username": fakeGiteaBot, "password": password,
			// Gitea serves its registry on base_url's host; the fake's is
			// a registry of its own.
			"registry_host": local.registryHost,
		},
	}, []string{sampleRepo})
	conn.local = &local
	return conn, nil
}

// giteaRoles adds the sandbox's Gitea roles to conn; gt-read is limited to
// repositories when there are any (Forgejo only).
func giteaRoles(conn connection, repositories []string) connection {
	read := map[string]any{"config": "gitea", "token_type": "access", "scopes": "read:repository"}
	if len(repositories) > 0 {
		read["repositories"] = strings.Join(repositories, ",")
	}
	conn.roles = []role{
		{"gt-read", read},
		{"gt-packages", map[string]any{"config": "gitea", "token_type": "access", "scopes": "read:package"}},
	}
	return conn
}
