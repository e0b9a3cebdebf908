package gitserver

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// DefaultBranch is the branch CreateRepo commits to.
const DefaultBranch = "main"

// commitIdentity is the author of CreateRepo's commit. The date is fixed
// too, so the same repository always gets the same commit id.
func commitIdentity() []string {
	return []string{
		"GIT_AUTHOR_NAME=gitserver", "GIT_AUTHOR_EMAIL=gitserver@example.com",
		"GIT_COMMITTER_NAME=gitserver", "GIT_COMMITTER_EMAIL=gitserver@example.com",
		"GIT_AUTHOR_DATE=2025-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2025-01-01T00:00:00Z",
	}
}

// CreateRepo creates the bare repository root/<repo>.git (repo like
// "acme/app") with one commit on DefaultBranch adding README.md, and returns
// the commit id. It writes the objects directly with git's plumbing
// commands, so no work tree or user configuration is involved.
func CreateRepo(ctx context.Context, root, repo string) (commit string, err error) {
	if _, ok := repoPath("/" + repo + ".git"); !ok {
		return "", fmt.Errorf("gitserver: bad repository path %q", repo)
	}
	dir := filepath.Join(root, filepath.FromSlash(repo)+".git")
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	git := func(stdin string, args ...string) (string, error) {
		return runGit(ctx, dir, stdin, args...)
	}
	if _, err := runGit(ctx, "", "", "init", "--quiet", "--bare", "--initial-branch="+DefaultBranch, dir); err != nil {
		return "", err
	}
	blob, err := git("# "+repo+"\n", "hash-object", "-w", "--stdin")
	if err != nil {
		return "", err
	}
	tree, err := git("100644 blob "+blob+"\tREADME.md\n", "mktree")
	if err != nil {
		return "", err
	}
	if commit, err = git("", "commit-tree", tree, "-m", "Initial commit"); err != nil {
		return "", err
	}
	if _, err := git("", "update-ref", "refs/heads/"+DefaultBranch, commit); err != nil {
		return "", err
	}
	return commit, nil
}

// runGit runs git in dir (a bare repository, or "" for none) and returns its
// trimmed output.
func runGit(ctx context.Context, dir, stdin string, args ...string) (string, error) {
	bin, err := findGit()
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = gitEnv(commitIdentity()...)
	if dir != "" {
		cmd.Env = append(cmd.Env, "GIT_DIR="+dir)
	}
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %w: %s", args[0], err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}
