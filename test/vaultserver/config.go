package vaultserver

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// endpoints are the loopback ports one server listens on. They are chosen
// once and kept across restarts, so clients and raft's own address stay valid.
type endpoints struct {
	apiPort     int
	clusterPort int // 0 unless the storage needs a cluster listener (raft)
}

func (e endpoints) listenAddr() string { return "127.0.0.1:" + strconv.Itoa(e.apiPort) }
func (e endpoints) apiAddr() string    { return "http://" + e.listenAddr() }

// serverArgs returns the `vault server` arguments for opts, writing the
// config file they name into opts.DataDir.
func serverArgs(opts Options, ep endpoints, devRootToken string) ([]string, error) {
	configPath := filepath.Join(opts.DataDir, "vault.hcl")
	args := []string{"server", "-log-level=" + opts.LogLevel}

	if opts.Storage == StorageInmem {
		args = append(args,
			"-dev",
			"-dev-root-token-id="+devRootToken,
			"-dev-listen-address="+ep.listenAddr(),
			// Keep the root token out of ~/.vault-token: parallel servers
			// would race on it and it would outlive the test.
			"-dev-no-store-token",
		)
		if opts.PluginDir != "" {
			// Without -dev-plugin-init=false, dev mode registers every file in
			// the directory unversioned; tests register versioned entries
			// themselves, as an operator would.
			args = append(args, "-dev-plugin-dir="+opts.PluginDir, "-dev-plugin-init=false")
		}
		if opts.ExtraConfig == "" {
			return args, nil
		}
		if err := os.WriteFile(configPath, []byte(opts.ExtraConfig+"\n"), 0o600); err != nil {
			return nil, err
		}
		return append(args, "-config="+configPath), nil
	}

	if err := os.MkdirAll(filepath.Join(opts.DataDir, "storage"), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(configPath, []byte(configHCL(opts, ep)), 0o600); err != nil {
		return nil, err
	}
	return append(args, "-config="+configPath), nil
}

// configHCL renders the configuration of a non-dev server.
func configHCL(opts Options, ep endpoints) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }

	line("disable_mlock = true")
	line("ui = false")
	line("api_addr = %s", strconv.Quote(ep.apiAddr()))
	if ep.clusterPort != 0 {
		line("cluster_addr = %s", strconv.Quote("https://127.0.0.1:"+strconv.Itoa(ep.clusterPort)))
	}
	if opts.PluginDir != "" {
		line("plugin_directory = %s", strconv.Quote(opts.PluginDir))
	}

	line(`listener "tcp" {`)
	line("  address = %s", strconv.Quote(ep.listenAddr()))
	if ep.clusterPort != 0 {
		line("  cluster_address = %s", strconv.Quote("127.0.0.1:"+strconv.Itoa(ep.clusterPort)))
	}
	line("  tls_disable = true")
	line("}")

	storageDir := filepath.Join(opts.DataDir, "storage")
	line("storage %s {", strconv.Quote(string(opts.Storage)))
	line("  path = %s", strconv.Quote(storageDir))
	if opts.Storage == StorageRaft {
		nodeID := opts.RaftNodeID
		if nodeID == "" {
			nodeID = "node1"
		}
		line("  node_id = %s", strconv.Quote(nodeID))
		if !opts.clusterNode {
			// The default multiplier (5) is tuned for production networks
			// and makes a lone node wait 5s for an election; loopback needs
			// none of it. A cluster's nodes keep it: with the tightest
			// timings (a 500ms leader lease) the scheduling stalls of a
			// loaded machine hand leadership on again after a failover,
			// and Vault can leave the node that lost it acting as active.
			line("  performance_multiplier = 1")
		}
		if opts.raftLeader != "" {
			// Join the cluster once unsealed with its key.
			line("  retry_join {")
			line("    leader_api_addr = %s", strconv.Quote(opts.raftLeader))
			line("  }")
		}
	}
	line("}")

	if opts.ExtraConfig != "" {
		line("%s", opts.ExtraConfig)
	}
	return b.String()
}
