package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/gitserver"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/registryserver"
)

// sampleRepo is the repository each fake's Git server serves and the image
// its registry holds: GitHub's acme/app, which gh-read reaches, and GitLab's
// project acme/app.
const sampleRepo = fakeOwner + "/app"

// backends are the Git server and container registry that stand behind a
// fake provider, in place of github.com and ghcr.io or a GitLab's Git over
// HTTP and its registry, so that an issued token can be used for what it is
// for. Both ask the fake that issued a token whether it is live and allowed,
// as test/e2e wires them.
type backends struct {
	gitURL       string // http://127.0.0.1:PORT, or "" when git is not installed
	registryHost string // 127.0.0.1:PORT, the connection's registry_host
}

// backendAuth is what the fake checks for a clone and for a pull.
type backendAuth struct {
	git      gitserver.AuthFunc
	registry registryserver.AuthFunc
}

// startBackends serves sampleRepo from a new repository under root and from
// a new registry, each on a loopback port. Without git on PATH it starts the
// registry alone: the sandbox still works, only the clone cannot be shown.
func startBackends(ctx context.Context, root string, auth backendAuth, logf func(string, ...any), started func(stop func())) (backends, error) {
	var b backends
	gitURL, err := startGitServer(ctx, root, auth.git, logf, started)
	switch {
	case errors.Is(err, exec.ErrNotFound):
		logf("sandbox: git not found on PATH; no local Git server")
	case err != nil:
		return backends{}, err
	default:
		b.gitURL = gitURL
	}

	reg, err := registryserver.New(registryserver.Options{Auth: auth.registry, Logf: logf})
	if err != nil {
		return backends{}, err
	}
	if _, err := reg.PushRandomImage(ctx, sampleRepo, "latest"); err != nil {
		return backends{}, err
	}
	regURL, stop, err := fakeserver.ServeLoopback(reg)
	if err != nil {
		return backends{}, err
	}
	started(stop)
	b.registryHost = strings.TrimPrefix(regURL, "http://")
	return b, nil
}

// startGitServer creates sampleRepo afresh under root and serves root.
func startGitServer(ctx context.Context, root string, auth gitserver.AuthFunc, logf func(string, ...any), started func(stop func())) (string, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return "", err
	}
	// Start from an empty directory, as the sandbox's Vault does.
	if err := os.RemoveAll(root); err != nil {
		return "", err
	}
	if _, err := gitserver.CreateRepo(ctx, root, sampleRepo); err != nil {
		return "", fmt.Errorf("create %s: %w", sampleRepo, err)
	}
	srv, err := gitserver.New(gitserver.Options{Root: root, Auth: auth, Logf: logf})
	if err != nil {
		return "", err
	}
	url, stop, err := fakeserver.ServeLoopback(srv)
	if err != nil {
		return "", err
	}
	started(stop)
	return url, nil
}

// cloneURL is where git clones sampleRepo from, or "" without a Git server.
func (b backends) cloneURL() string {
	if b.gitURL == "" {
		return ""
	}
	return b.gitURL + "/" + sampleRepo + ".git"
}

// registryURL is the registry API root of sampleRepo, for curl.
func (b backends) registryURL() string {
	return "http://" + b.registryHost + "/v2/" + sampleRepo
}

// serversLog is where the Git servers and registries log refused requests.
// They get a file, not the terminal: git's first request of every clone
// comes without credentials and is refused by design.
const serversLog = "servers.log"

// openServersLog opens a fresh serversLog in dir.
func openServersLog(dir string, started func(stop func())) (logf func(string, ...any), err error) {
	f, err := os.Create(filepath.Join(dir, serversLog))
	if err != nil {
		return nil, err
	}
	started(func() { _ = f.Close() })
	return log.New(f, "", log.LstdFlags).Printf, nil
}
