package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// The fake GitHub's App and installation.
const (
	fakeAppID    = 1001
	fakeClientID = "Iv1.sandbox0000000001"
	fakeOwner    = "acme"
)

var (
	fakeRepos    = []string{"app", "api", "infra"}
	fakeAllRepos = []string{"app", "api", "infra", "website"}
)

// githubConnection is the real GitHub App from the environment, or else a
// fake GitHub with an App installed on org acme, with a Git server and a
// registry behind it.
func githubConnection(ctx context.Context, dir string, logf func(string, ...any), started func(stop func())) (connection, error) {
	vars, real, err := envGroup("GITHUB_APP_ID", "GITHUB_OWNER")
	if err != nil {
		return connection{}, err
	}
	key, err := githubKeyFromEnv()
	if err != nil {
		return connection{}, err
	}
	switch {
	case real && key != "":
		return realGitHub(vars["GITHUB_APP_ID"], vars["GITHUB_OWNER"], key), nil
	case real || key != "":
		return connection{}, fmt.Errorf("GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY (or GITHUB_APP_PRIVATE_KEY_FILE) and GITHUB_OWNER go together")
	}
	return fakeGitHub(ctx, dir, logf, started)
}

func githubKeyFromEnv() (string, error) {
	if key := os.Getenv("GITHUB_APP_PRIVATE_KEY"); key != "" {
		return key, nil
	}
	path := os.Getenv("GITHUB_APP_PRIVATE_KEY_FILE")
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("GITHUB_APP_PRIVATE_KEY_FILE: %w", err)
	}
	return string(b), nil
}

func realGitHub(appID, owner, key string) connection {
	config := map[string]any{"provider": "github", "app_id": appID, "private_key": key}
	url := "https://api.github.com"
	if base := os.Getenv("GITHUB_BASE_URL"); base != "" {
		config["base_url"] = base
		url = base
	}
	read := map[string]any{"config": "github", "token_type": "installation", "owner": owner, "permissions": "contents=read"}
	write := map[string]any{"config": "github", "token_type": "installation", "owner": owner, "permissions": "contents=write,pull_requests=write"}
	summary := "App " + appID + " on " + owner
	if repos := os.Getenv("GITHUB_REPOSITORIES"); repos != "" {
		read["repositories"] = repos
		write["repositories"] = repos
		summary += " (repositories " + repos + ")"
	}
	return connection{
		name: "github", label: "GitHub", url: url, summary: summary, config: config,
		roles: []role{{"gh-read", read}, {"gh-write", write}},
	}
}

// fakeGitHub starts the fake with a freshly generated App key, which it also
// writes to dir so the user can repeat the config write by hand, and its
// backends: a clone needs contents:read on the repository, a pull
// packages:read, as on github.com and ghcr.io.
func fakeGitHub(ctx context.Context, dir string, logf func(string, ...any), started func(stop func())) (connection, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return connection{}, err
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	keyPath := filepath.Join(dir, "github-app-key.pem")
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		return connection{}, err
	}

	fake := fakegithub.New(fakegithub.Options{})
	fake.AddApp(fakegithub.App{ID: fakeAppID, ClientID: fakeClientID, Slug: "vault-sandbox", Name: "Vault sandbox"}, &key.PublicKey)
	fake.AddInstallation(fakegithub.Installation{
		AppID:        fakeAppID,
		Account:      fakeOwner,
		AccountType:  "Organization",
		Repositories: fakeRepos,
		AllRepos:     fakeAllRepos,
		Permissions: map[string]string{
			"contents": "write", "metadata": "read", "pull_requests": "write",
			"issues": "write", "packages": "read",
		},
	})
	url, stop, err := fakeserver.ServeLoopback(withControl(fake.Handler(), fake.ControlHandler()))
	if err != nil {
		return connection{}, err
	}
	started(stop)

	local, err := startBackends(ctx, filepath.Join(dir, "github-git"), backendAuth{
		git: func(r *http.Request, repo string) error {
			return fake.CheckBasicAuth(r, repo, "contents", "read")
		},
		registry: func(r *http.Request, repo string) error {
			return fake.CheckBasicAuth(r, repo, "packages", "read")
		},
	}, logf, started)
	if err != nil {
		return connection{}, err
	}

	return connection{
		name:    "github",
		label:   "fake GitHub",
		url:     url,
		summary: fmt.Sprintf("App %d (key in %s) installed on org %s, repositories %s", fakeAppID, keyPath, fakeOwner, strings.Join(fakeRepos, ", ")),
		config: map[string]any{
			"provider": "github", "app_id": strconv.Itoa(fakeAppID),
			"private_key": string(keyPEM), "base_url": url,
			"registry_host": local.registryHost,
		},
		roles: []role{
			{"gh-read", map[string]any{
				"config": "github", "token_type": "installation", "owner": fakeOwner,
				"repositories": "app", "permissions": "contents=read",
			}},
			{"gh-write", map[string]any{
				"config": "github", "token_type": "installation", "owner": fakeOwner,
				"repositories": "app,api", "permissions": "contents=write,pull_requests=write",
			}},
			{"gh-packages", map[string]any{
				"config": "github", "token_type": "installation", "owner": fakeOwner,
				"repositories": "app", "permissions": "packages=read",
			}},
		},
		control: url + "/_fake/tokens",
		local:   &local,
	}, nil
}

// withControl serves the fake's inspection API under /_fake/ beside the
// GitHub API, as the standalone fakegithub command does.
func withControl(api, control http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_fake/") {
			control.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}
