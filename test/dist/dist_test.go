// Package dist tests the release build, scripts/dist.sh, which `make dist`
// runs: two builds of the same source give the same bytes, and the version
// and checksums are what the README's install steps rely on.
package dist

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// testVersion is embedded by the builds under test.
const testVersion = "v0.0.0-disttest"

// TestDistIsReproducible builds linux/amd64 twice with the script's one set
// of flags, from this checkout and from a copy of it elsewhere (no .git),
// into two directories, and wants the same SHA256SUMS. Only one target,
// twice: all four would cost minutes of CPU for no other flag. The builds
// share the Go build cache, so dependencies compile once; this module's own
// packages compile again from the copy's path.
func TestDistIsReproducible(t *testing.T) {
	a, b := distBuild(t, "../.."), distBuild(t, copySource(t))
	if !bytes.Equal(a.sums, b.sums) {
		t.Fatalf("two builds differ:\n%s\n---\n%s", a.sums, b.sums)
	}
	for _, name := range []string{"vault-plugin-secrets-git_linux_amd64", "git-credential-vault_linux_amd64"} {
		if !strings.Contains(string(a.sums), " "+name+"\n") {
			t.Errorf("SHA256SUMS lists no %s:\n%s", name, a.sums)
		}
	}
}

// TestDistChecksumsVersionAndBuildID checks one build's output: SHA256SUMS
// in `sha256sum -c` format matches the files, the plugin carries the
// version, and no binary has a build id or a path of the machine that built
// it.
func TestDistChecksumsVersionAndBuildID(t *testing.T) {
	d := distBuild(t, "../..")
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(d.sums)), "\n")
	if len(lines) != 2 {
		t.Fatalf("SHA256SUMS has %d lines, want 2:\n%s", len(lines), d.sums)
	}
	for _, line := range lines {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q is not `<sha256>  <file>`", line)
		}
		bin, err := os.ReadFile(filepath.Join(d.dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := sha256.Sum256(bin); hex.EncodeToString(got[:]) != sum {
			t.Errorf("%s: SHA256SUMS says %s, the file hashes to %x", name, sum, got)
		}
		if bytes.Contains(bin, []byte(root)) || bytes.Contains(bin, []byte(d.dir)) {
			t.Errorf("%s holds a local path (%s or %s); -trimpath missing?", name, root, d.dir)
		}
		if id := buildID(t, filepath.Join(d.dir, name)); id != "" {
			t.Errorf("%s has build id %q, want none (-buildid=)", name, id)
		}
		if !bytes.Contains(bin, []byte(testVersion)) {
			t.Errorf("%s does not carry the version %s", name, testVersion)
		}
	}
}

type build struct {
	dir  string
	sums []byte
}

// distBuild runs src's scripts/dist.sh for linux/amd64 into a new
// directory.
func distBuild(t *testing.T, src string) build {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("bash", filepath.Join(src, "scripts", "dist.sh"), dir)
	cmd.Env = append(os.Environ(), "VERSION="+testVersion, "TARGETS=linux/amd64")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/dist.sh: %v\n%s", err, out)
	}
	sums, err := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	return build{dir: dir, sums: sums}
}

// buildID is what `go tool buildid` reads from the binary at path.
func buildID(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("go", "tool", "buildid", path).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool buildid %s: %v\n%s", path, err, out)
	}
	return strings.TrimSpace(string(out))
}

// copySource copies the module's files, tracked and untracked but not
// ignored, as they are in the work tree, into a new directory without .git.
func copySource(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("git", "-C", "../..", "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	dst := t.TempDir()
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		src := filepath.Join("../..", name)
		info, err := os.Lstat(src)
		if os.IsNotExist(err) {
			continue // deleted in the work tree
		}
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, name), data, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}
