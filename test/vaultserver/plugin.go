package vaultserver

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// RegisterPlugin registers binaryPath, which must lie inside the server's
// plugin directory, as secrets plugin name at version, by SHA-256, the way an
// operator does: `vault plugin register -sha256=… -version=… -command=…`.
// An empty version registers the plugin unversioned.
func (s *Server) RegisterPlugin(name, binaryPath, version string) error {
	command, err := s.pluginCommand(binaryPath)
	if err != nil {
		return err
	}
	sum, err := fileSHA256(binaryPath)
	if err != nil {
		return err
	}
	args := []string{"plugin", "register", "-sha256=" + sum, "-command=" + command}
	if version != "" {
		args = append(args, "-version="+version)
	}
	_, _, err = s.CLI(append(args, "secret", name)...)
	return err
}

// Enable mounts plugin at path, pinned to version when it is not empty:
// `vault secrets enable -path=… -plugin-version=… plugin`.
func (s *Server) Enable(path, plugin, version string) error {
	args := []string{"secrets", "enable", "-path=" + path}
	if version != "" {
		args = append(args, "-plugin-version="+version)
	}
	_, _, err := s.CLI(append(args, plugin)...)
	return err
}

// pluginCommand is binaryPath relative to the plugin directory, the form
// `-command` takes.
func (s *Server) pluginCommand(binaryPath string) (string, error) {
	if s.opts.PluginDir == "" {
		return "", fmt.Errorf("vaultserver: server has no plugin directory")
	}
	abs, err := filepath.Abs(binaryPath)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(s.opts.PluginDir, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("vaultserver: plugin %s is not inside the plugin directory %s", abs, s.opts.PluginDir)
	}
	return rel, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// InstallFile copies an executable (a plugin binary) to dst through a
// temporary file and a rename, so Vault never sees it half-written.
func InstallFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".install-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o755); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}
