package vaultserver

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const (
	// PluginName is the engine's binary and catalog name.
	PluginName = "vault-plugin-secrets-git"
	// PluginVersion is the version FindBinaries builds into the plugin.
	PluginVersion = "v0.1.0"

	pluginPackage = "./cmd/" + PluginName
	versionVar    = "github.com/vault-plugin-secrets-git/vault-plugin-secrets-git.Version"
)

// Binaries are what an end-to-end test runs.
type Binaries struct {
	// Vault is the pinned vault binary.
	Vault string
	// PluginDir holds the plugin binary; use it as Options.PluginDir.
	PluginDir string
	// Plugin is the plugin binary, PluginDir/PluginName, built at Version.
	Plugin string
	// Version is the version built into Plugin (PluginVersion).
	Version string
}

// Options returns server options that run these binaries on storage.
func (b Binaries) Options(storage Storage) Options {
	return Options{VaultBin: b.Vault, PluginDir: b.PluginDir, Storage: storage}
}

// suite is what one test binary finds or builds once and shares between its
// tests; the package's only mutable state. Main sets dir before any test runs.
var suite struct {
	dir string

	vaultOnce sync.Once
	vault     string
	vaultSkip string // why the tests cannot run here, when Vault is missing
	vaultErr  error

	pluginOnce sync.Once
	bins       Binaries
	pluginErr  error
}

// Main runs a test binary's tests and then removes what FindBinaries built
// for them. Packages that call FindVault or FindBinaries must use it:
//
//	func TestMain(m *testing.M) { os.Exit(vaultserver.Main(m)) }
func Main(m *testing.M) int {
	dir, err := os.MkdirTemp("", "vaultserver-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "vaultserver:", err)
		return 1
	}
	// The lifeline removes the directory should the test binary die without
	// returning here, as it does on a -timeout panic.
	if l, err := startLifeline(`rm -rf "$1"`, dir); err == nil {
		defer l.cancel()
	}
	defer os.RemoveAll(dir)
	suite.dir = dir
	return m.Run()
}

// FindVault returns the pinned Vault binary: $VAULT_BINARY, else the one
// scripts/build-vault.sh cached. Without it the test is skipped, or fails
// when E2E_REQUIRED=1 (as under `make test`), which also lets this call run
// the 15-minute Vault build itself.
func FindVault(t testing.TB) string {
	t.Helper()
	if suite.dir == "" {
		t.Fatal("vaultserver: the package's TestMain must call vaultserver.Main")
	}
	suite.vaultOnce.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			suite.vaultErr = err
			return
		}
		suite.vault, suite.vaultSkip, suite.vaultErr = findVault(root)
	})
	switch {
	case suite.vaultErr != nil:
		t.Fatal(suite.vaultErr)
	case suite.vaultSkip != "" && e2eRequired():
		t.Fatal(suite.vaultSkip + " (E2E_REQUIRED=1)")
	case suite.vaultSkip != "":
		t.Skip(suite.vaultSkip)
	}
	return suite.vault
}

// FindBinaries returns the Vault binary (see FindVault) and the plugin, built
// at PluginVersion once per test binary.
func FindBinaries(t testing.TB) Binaries {
	t.Helper()
	vault := FindVault(t)
	suite.pluginOnce.Do(func() {
		suite.bins, suite.pluginErr = buildSuitePlugin(vault, filepath.Join(suite.dir, "plugins"))
	})
	if suite.pluginErr != nil {
		t.Fatal(suite.pluginErr)
	}
	return suite.bins
}

// BuildPlugin builds the plugin at version into outPath, for tests that need
// a second version (upgrades) beside the one FindBinaries built.
func BuildPlugin(t testing.TB, outPath, version string) {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if err := buildPlugin(root, outPath, version); err != nil {
		t.Fatal(err)
	}
}

// BuildRacePlugin builds the plugin at version into outPath with the race
// detector, for tests that drive the engine concurrently through a real
// server; the detector's reports land in the server's log. It skips the
// test where the detector is unavailable (see RaceSupported).
func BuildRacePlugin(t testing.TB, outPath, version string) {
	t.Helper()
	if why := raceUnsupported(); why != "" {
		t.Skip("race detector unavailable: " + why)
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if err := buildPlugin(root, outPath, version, "-race"); err != nil {
		t.Fatal(err)
	}
}

// RaceSupported reports whether BuildRacePlugin can build here: the race
// detector needs cgo and a C compiler.
func RaceSupported() bool { return raceUnsupported() == "" }

func raceUnsupported() string {
	out, err := exec.Command("go", "env", "CGO_ENABLED", "CC").Output()
	if err != nil {
		return "go env: " + err.Error()
	}
	fields := strings.Fields(string(out))
	if len(fields) < 2 || fields[0] != "1" {
		return "cgo is disabled"
	}
	if _, err := exec.LookPath(fields[1]); err != nil {
		return "no C compiler (" + fields[1] + ")"
	}
	return ""
}

func buildSuitePlugin(vault, pluginDir string) (Binaries, error) {
	root, err := moduleRoot()
	if err != nil {
		return Binaries{}, err
	}
	if err := os.MkdirAll(pluginDir, 0o755); err != nil {
		return Binaries{}, err
	}
	plugin := filepath.Join(pluginDir, PluginName)
	if err := buildPlugin(root, plugin, PluginVersion); err != nil {
		return Binaries{}, err
	}
	return Binaries{Vault: vault, PluginDir: pluginDir, Plugin: plugin, Version: PluginVersion}, nil
}

// findVault locates the Vault binary. A VAULT_BINARY that does not work is an
// error whatever E2E_REQUIRED says: someone asked for that binary.
func findVault(root string) (path, skip string, err error) {
	if p := os.Getenv("VAULT_BINARY"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			return "", "", err
		}
		if _, err := exec.LookPath(abs); err != nil {
			return "", "", fmt.Errorf("VAULT_BINARY: %w", err)
		}
		return abs, "", nil
	}
	script := filepath.Join(root, "scripts", "build-vault.sh")
	if out, err := exec.Command(script, "--cached").Output(); err == nil {
		return strings.TrimSpace(string(out)), "", nil
	}
	if !e2eRequired() {
		return "", "no Vault binary: run `make vault` or set VAULT_BINARY", nil
	}
	cmd := exec.Command(script)
	cmd.Stderr = os.Stderr // the build takes minutes; show its progress
	out, err := cmd.Output()
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", script, err)
	}
	return strings.TrimSpace(string(out)), "", nil
}

// buildPlugin compiles the plugin with version stamped in, as the Makefile
// does for releases, adding flags to go build.
func buildPlugin(root, outPath, version string, flags ...string) error {
	args := append([]string{"build", "-o", outPath}, flags...)
	args = append(args, "-ldflags", "-X "+versionVar+"="+version, pluginPackage)
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: %w\n%s", PluginName, err, out)
	}
	return nil
}

// moduleRoot is the directory of the project's go.mod; tests run in their
// package directory somewhere below it.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("vaultserver: not inside the project's Go module")
	}
	return filepath.Dir(gomod), nil
}

func e2eRequired() bool { return os.Getenv("E2E_REQUIRED") == "1" }
