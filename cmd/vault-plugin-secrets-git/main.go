// Command vault-plugin-secrets-git serves the secrets engine to Vault.
package main

import (
	"os"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/vault/api"
	"github.com/hashicorp/vault/sdk/plugin"

	gitsecrets "github.com/vault-plugin-secrets-git/vault-plugin-secrets-git"
)

func main() {
	meta := &api.PluginAPIClientMeta{}
	flags := meta.FlagSet()
	if err := flags.Parse(os.Args[1:]); err != nil {
		fatal(err)
	}
	// One process serves every mount of this plugin version; the factory runs
	// once per mount, so the backend keeps no package-level state.
	err := plugin.ServeMultiplex(&plugin.ServeOpts{
		BackendFactoryFunc: gitsecrets.Factory,
		TLSProviderFunc:    api.VaultPluginTLSProvider(meta.GetTLSConfig()),
	})
	if err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	hclog.New(&hclog.LoggerOptions{}).Error("plugin shutting down", "error", err)
	os.Exit(1)
}
