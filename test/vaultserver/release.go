package vaultserver

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// BuildReleasePlugin builds the plugin as it was at commit of the project's
// history, at version, into outPath, for upgrade tests that must run what
// an earlier release stored. The commit's tree comes from `git archive`, so
// the working tree is not touched, and builds with the module cache every
// build shares. The binary is cached outside the repository, where
// scripts/build-vault.sh keeps Vault, keyed by commit, version and Go
// release: a machine builds each release once.
func BuildReleasePlugin(t testing.TB, commit, outPath, version string) {
	t.Helper()
	bin, err := releasePlugin(commit, version)
	if err != nil {
		t.Fatal(err)
	}
	if err := InstallFile(bin, outPath); err != nil {
		t.Fatal(err)
	}
}

// releasePlugin returns the cached build of commit at version, building it
// first when the cache lacks it.
func releasePlugin(commit, version string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	top, err := gitOutput(root, "rev-parse", "--show-toplevel")
	if err != nil {
		return "", err
	}
	full, err := gitOutput(top, "rev-parse", "--verify", "--quiet", commit+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("vaultserver: commit %s, the release the upgrade test starts from, is not in the history of the clone at %s; "+
			"the test needs a full clone (a shallow one: git fetch --unshallow)", commit, top)
	}
	goVersion, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOVERSION: %w", err)
	}
	dir := filepath.Join(cacheDir(), "plugin-"+full+"-"+version)
	bin := filepath.Join(dir, PluginName)
	stamp := filepath.Join(dir, "stamp")
	want := full + " " + version + " " + strings.TrimSpace(string(goVersion))
	if got, err := os.ReadFile(stamp); err == nil && strings.TrimSpace(string(got)) == want {
		if _, err := os.Stat(bin); err == nil {
			return bin, nil
		}
	}

	// Built beside the result, so that the final renames stay on one
	// filesystem and a concurrent reader never sees half a binary.
	if err := os.MkdirAll(cacheDir(), 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(cacheDir(), ".plugin-"+full[:12]+"-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	archive := filepath.Join(tmp, "src.tar")
	src := filepath.Join(tmp, "src")
	if _, err := gitOutput(top, "archive", "--format=tar", "-o", archive, full); err != nil {
		return "", err
	}
	if err := os.Mkdir(src, 0o755); err != nil {
		return "", err
	}
	if out, err := exec.Command("tar", "-xf", archive, "-C", src).CombinedOutput(); err != nil {
		return "", fmt.Errorf("unpack the tree of %s: %w\n%s", full, err, out)
	}
	// The tree has no .git: nothing to stamp, and a cache directory that
	// lies in someone's repository must not lend its own.
	if err := buildPlugin(src, filepath.Join(tmp, PluginName), version, "-trimpath", "-buildvcs=false"); err != nil {
		return "", fmt.Errorf("build the release at %s: %w", full, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := os.Rename(filepath.Join(tmp, PluginName), bin); err != nil {
		return "", err
	}
	// The stamp comes last, so that an interrupted build is done again.
	if err := os.WriteFile(filepath.Join(tmp, "stamp"), []byte(want+"\n"), 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(filepath.Join(tmp, "stamp"), stamp); err != nil {
		return "", err
	}
	return bin, nil
}

// cacheDir is where scripts/lib/cached-build.sh keeps what it builds.
func cacheDir() string {
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, _ := os.UserHomeDir()
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "vault-plugin-secrets-git")
}

// gitOutput runs git in dir and returns its trimmed output.
func gitOutput(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = strings.TrimSpace(string(ee.Stderr))
		}
		return "", fmt.Errorf("git %s: %w %s", args[0], err, stderr)
	}
	return strings.TrimSpace(string(out)), nil
}
