package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/vaultserver"
)

// engineMount is where the engine is mounted.
const engineMount = "git"

// The floor plugin (test/cmd/floorplugin): Vault's plugin protocol with a
// lease and nothing behind it.
const (
	floorPluginName = "vault-plugin-secrets-floor"
	floorMount      = "floor"
)

// Vault's own floors: a kv-v2 read and a leased secret with no external
// call (the SSH engine's one-time passwords).
const (
	kvPath     = "secret/data/loadgen"
	sshMount   = "ssh"
	sshRole    = "otp"
	sshCredsIP = "127.0.0.1"
)

// startVault starts a dev-mode Vault on loopback with the plugin registered
// and mounted, as the sandbox does, then configures the engine for every
// fake and sets up the two floors.
func startVault(ctx context.Context, opts options, fakes []*fakeProvider) (*vaultserver.Server, error) {
	pluginDir := filepath.Join(opts.dir, "plugins")
	plugin := filepath.Join(pluginDir, vaultserver.PluginName)
	if err := vaultserver.InstallFile(opts.pluginBin, plugin); err != nil {
		return nil, fmt.Errorf("install plugin: %w", err)
	}
	if opts.floorPlugin != "" {
		if err := vaultserver.InstallFile(opts.floorPlugin, filepath.Join(pluginDir, floorPluginName)); err != nil {
			return nil, fmt.Errorf("install floor plugin: %w", err)
		}
	}
	srv, err := vaultserver.Launch(ctx, vaultserver.Options{
		VaultBin:  opts.vaultBin,
		PluginDir: pluginDir,
		Storage:   vaultserver.StorageInmem,
		DataDir:   filepath.Join(opts.dir, "vault"),
		// An operator's default; debug logging would be part of what is
		// measured.
		LogLevel: "info",
	})
	if err != nil {
		return nil, err
	}
	if err := setUp(srv, opts, fakes); err != nil {
		srv.Stop()
		return nil, err
	}
	return srv, nil
}

func setUp(srv *vaultserver.Server, opts options, fakes []*fakeProvider) error {
	if err := srv.RegisterPlugin(vaultserver.PluginName, filepath.Join(opts.dir, "plugins", vaultserver.PluginName), opts.pluginVersion); err != nil {
		return err
	}
	if err := srv.Enable(engineMount, vaultserver.PluginName, opts.pluginVersion); err != nil {
		return err
	}
	if opts.floorPlugin != "" {
		if err := srv.RegisterPlugin(floorPluginName, filepath.Join(opts.dir, "plugins", floorPluginName), ""); err != nil {
			return err
		}
		if err := srv.Enable(floorMount, floorPluginName, ""); err != nil {
			return err
		}
	}
	if _, _, err := srv.CLI("secrets", "enable", sshMount); err != nil {
		return err
	}
	c := srv.Client()
	writes := []apiWrite{
		{sshMount + "/roles/" + sshRole, map[string]any{"key_type": "otp", "default_user": "loadgen", "cidr_list": "127.0.0.0/8"}},
		{kvPath, map[string]any{"data": map[string]any{"user": "loadgen", "password": "not-a-secret"}}},
	}
	for _, f := range fakes {
		writes = append(writes,
			apiWrite{engineMount + "/config/" + f.name, f.config},
			apiWrite{engineMount + "/roles/" + f.role, f.fields})
	}
	for _, w := range writes {
		if _, err := c.Logical().Write(w.path, w.data); err != nil {
			return fmt.Errorf("write %s: %w", w.path, err)
		}
	}
	return nil
}

type apiWrite struct {
	path string
	data map[string]any
}

// loadClient is an API client for the load: root token, no retries, and
// enough idle connections that no worker ever waits for a new one (the
// default keeps three, so 32 workers would measure TCP set-up).
func loadClient(srv *vaultserver.Server, conns int) (*api.Client, error) {
	cfg := api.DefaultConfig()
	if cfg.Error != nil {
		return nil, cfg.Error
	}
	cfg.Address = srv.Addr
	cfg.MaxRetries = 0
	cfg.Timeout = 2 * time.Minute
	if t, ok := cfg.HttpClient.Transport.(*http.Transport); ok {
		t.MaxIdleConns = conns
		t.MaxIdleConnsPerHost = conns
	}
	c, err := api.NewClient(cfg)
	if err != nil {
		return nil, err
	}
	c.ClearNamespace()
	c.SetToken(srv.RootToken)
	return c, nil
}
