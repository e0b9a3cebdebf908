package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// The git configuration the helper reads, per URL like any credential.<url>.*
// setting:
//
//	git config --global credential.https://github.com.vaultRole gh-contents
//	git config --global credential.https://gitlab.example.com/acme.vaultRole gl-acme
//	git config --global credential.https://gitlab.example.com.vaultMount git-gitlab
const (
	roleKey      = "credential.vaultRole"
	mountKey     = "credential.vaultMount"
	defaultMount = "git"
)

// target is where a request's token comes from.
type target struct {
	Mount, Role string
}

// lookupTarget maps url to a mount and role through git's own URL matching
// (`git config --get-urlmatch`), so that the most specific
// credential.<url>.vaultRole wins, as for every credential.<url>.* setting.
// Role is "" when none is configured for url.
func lookupTarget(ctx context.Context, url string) (target, error) {
	role, err := gitConfigURL(ctx, roleKey, url)
	if err != nil {
		return target{}, err
	}
	mount, err := gitConfigURL(ctx, mountKey, url)
	if err != nil {
		return target{}, err
	}
	if mount == "" {
		mount = defaultMount
	}
	return target{Mount: strings.Trim(mount, "/"), Role: role}, nil
}

// gitConfigURL is the value of key for url, or "" when it is not set. The
// helper runs as git's child, so git sees the same configuration as the
// command that started it, -c options included (GIT_CONFIG_PARAMETERS).
func gitConfigURL(ctx context.Context, key, url string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", "config", "--get-urlmatch", key, url)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 && stderr.Len() == 0 {
		return "", nil // not set
	}
	if err != nil {
		return "", fmt.Errorf("git config --get-urlmatch %s: %w: %s", key, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}
