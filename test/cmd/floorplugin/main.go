// Command floorplugin is the least a Vault secrets plugin can do to hand out
// a lease. Loadgen mounts it beside the engine to measure what Vault's plugin
// protocol costs by itself, so the engine's figures can be read against
// what any external plugin can reach on the same server:
//
//   - floor/lease returns a leased secret: one request to the plugin, no
//     storage, no provider;
//   - floor/lease-wal does first what the engine does around every token
//     it creates (SPEC: a write-ahead log entry before the provider call,
//     an entry that revocation reads, the log entry deleted) and then
//     returns the lease; its revocation deletes the entry.
//
// It is test infrastructure, never shipped.
package main

import (
	"os"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/vault/api"
	"github.com/hashicorp/vault/sdk/plugin"
)

func main() {
	meta := &api.PluginAPIClientMeta{}
	if err := meta.FlagSet().Parse(os.Args[1:]); err != nil {
		fatal(err)
	}
	err := plugin.ServeMultiplex(&plugin.ServeOpts{
		BackendFactoryFunc: factory,
		TLSProviderFunc:    api.VaultPluginTLSProvider(meta.GetTLSConfig()),
	})
	if err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	hclog.New(&hclog.LoggerOptions{}).Error("floor plugin shutting down", "error", err)
	os.Exit(1)
}
