// Command sandbox is what `make dev` runs: an in-memory Vault on loopback
// with vault-plugin-secrets-git registered (by SHA-256, with its version) and
// mounted at git/, connected to an in-process fake GitHub, fake GitLab and
// fake Forgejo (the gitea provider), each with a Git server and a container
// registry behind it, or to the real ones when credentials are in the
// environment:
//
//	GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE,
//	GITHUB_OWNER [, GITHUB_BASE_URL, GITHUB_REPOSITORIES]
//	GITLAB_TOKEN, GITLAB_BASE_URL, GITLAB_PROJECT
//	GITEA_BASE_URL, GITEA_USERNAME, GITEA_PASSWORD
//
// It prints what to type next and runs until interrupted, then stops
// everything it started. Its files (plugin copy, Vault log, env file, the
// fakes' Git repositories and the log of their Git servers and registries)
// live in -dir, ./.dev by default.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	var opts sandboxOptions
	flag.StringVar(&opts.vaultBin, "vault", "", "path of the vault binary (make vault prints it)")
	flag.StringVar(&opts.pluginBin, "plugin", "bin/vault-plugin-secrets-git", "path of the plugin binary (make build)")
	flag.StringVar(&opts.version, "version", "v0.1.0", "version the plugin binary was built with")
	flag.StringVar(&opts.dir, "dir", ".dev", "directory for the sandbox's files")
	flag.StringVar(&opts.mount, "mount", "git", "path to mount the engine at")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		os.Exit(1)
	}
}

type sandboxOptions struct {
	vaultBin  string
	pluginBin string
	version   string
	dir       string
	mount     string
}

// run sets everything up, waits for ctx to end, and tears down in reverse
// order whatever was started, also when setup fails halfway.
func run(ctx context.Context, opts sandboxOptions) error {
	if opts.vaultBin == "" {
		return errors.New("-vault is required (see `make vault`)")
	}
	if _, err := os.Stat(opts.pluginBin); err != nil {
		return fmt.Errorf("plugin binary: %w (run `make build`)", err)
	}
	if err := os.MkdirAll(opts.dir, 0o700); err != nil {
		return err
	}

	var cleanups []func()
	defer func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}()
	started := func(stop func()) { cleanups = append(cleanups, stop) }

	logf, err := openServersLog(opts.dir, started)
	if err != nil {
		return err
	}
	github, err := githubConnection(ctx, opts.dir, logf, started)
	if err != nil {
		return fmt.Errorf("github: %w", err)
	}
	gitlab, err := gitlabConnection(ctx, opts.dir, logf, started)
	if err != nil {
		return fmt.Errorf("gitlab: %w", err)
	}
	gitea, err := giteaConnection(ctx, opts.dir, logf, started)
	if err != nil {
		return fmt.Errorf("gitea: %w", err)
	}

	env, err := startVault(ctx, opts, started)
	if err != nil {
		return err
	}
	for _, conn := range []connection{github, gitlab, gitea} {
		if err := env.configure(conn); err != nil {
			return err
		}
	}
	if gitlab.local != nil {
		// The CI tour needs projects the sandbox controls: the fake's.
		ci, err := startCIIssuer(started)
		if err != nil {
			return fmt.Errorf("ci issuer: %w", err)
		}
		if err := env.configureCI(ci); err != nil {
			return err
		}
		env.ciTour = ciTour(env.mount, ci)
	}

	if err := printInstructions(os.Stdout, opts, env, []connection{github, gitlab, gitea}); err != nil {
		return err
	}
	<-ctx.Done()
	fmt.Println("\nstopping Vault and the fakes...")
	return nil
}
