package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/vaultserver"
)

// vaultEnv is the running Vault with the engine mounted.
type vaultEnv struct {
	srv     *vaultserver.Server
	mount   string
	binDir  string // holds a `vault` link to the server's binary, for PATH
	envFile string // exports VAULT_ADDR, VAULT_TOKEN and PATH
	ciTour  string // the CI jobs' part of the tour, when it is set up
}

// startVault copies the plugin into the sandbox's plugin directory, starts a
// dev-mode Vault, registers the plugin by SHA-256 at its version and mounts
// it, as an operator would.
func startVault(ctx context.Context, opts sandboxOptions, started func(stop func())) (*vaultEnv, error) {
	dir, err := filepath.Abs(opts.dir)
	if err != nil {
		return nil, err
	}
	pluginDir := filepath.Join(dir, "plugins")
	plugin := filepath.Join(pluginDir, vaultserver.PluginName)
	if err := vaultserver.InstallFile(opts.pluginBin, plugin); err != nil {
		return nil, fmt.Errorf("install plugin: %w", err)
	}
	// Dev mode keeps no data; start from an empty directory and a fresh log.
	vaultDir := filepath.Join(dir, "vault")
	if err := os.RemoveAll(vaultDir); err != nil {
		return nil, err
	}

	srv, err := vaultserver.Launch(ctx, vaultserver.Options{
		VaultBin:  opts.vaultBin,
		PluginDir: pluginDir,
		Storage:   vaultserver.StorageInmem,
		DataDir:   vaultDir,
	})
	if err != nil {
		return nil, err
	}
	started(srv.Stop)

	if err := srv.RegisterPlugin(vaultserver.PluginName, plugin, opts.version); err != nil {
		return nil, err
	}
	if err := srv.Enable(opts.mount, vaultserver.PluginName, opts.version); err != nil {
		return nil, err
	}

	env := &vaultEnv{srv: srv, mount: opts.mount, binDir: filepath.Join(dir, "bin"), envFile: filepath.Join(dir, "env")}
	if err := env.writeShellFiles(opts.vaultBin); err != nil {
		return nil, err
	}
	return env, nil
}

// configure writes conn's config and roles through the Vault API.
func (e *vaultEnv) configure(conn connection) error {
	client := e.srv.Client()
	path := e.mount + "/config/" + conn.name
	if _, err := client.Logical().Write(path, conn.config); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	for _, r := range conn.roles {
		path := e.mount + "/roles/" + r.name
		if _, err := client.Logical().Write(path, r.fields); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}

// writeShellFiles links the vault binary into binDir and writes an env file
// that another terminal can source.
func (e *vaultEnv) writeShellFiles(vaultBin string) error {
	vaultBin, err := filepath.Abs(vaultBin)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(e.binDir, 0o755); err != nil {
		return err
	}
	link := filepath.Join(e.binDir, "vault")
	if err := os.Remove(link); err != nil && !os.IsNotExist(err) {
		return err
	}
	if err := os.Symlink(vaultBin, link); err != nil {
		return err
	}
	env := fmt.Sprintf("export VAULT_ADDR=%s\nexport VAULT_TOKEN=%s\nexport PATH=%q:\"$PATH\"\n",
		e.srv.Addr, e.srv.RootToken, e.binDir)
	return os.WriteFile(e.envFile, []byte(env), 0o600)
}
