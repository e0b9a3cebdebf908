package vaultserver

import (
	"errors"
	"path/filepath"
	"time"
)

// Storage selects where a server keeps its data.
type Storage string

const (
	// StorageInmem runs `vault server -dev`: in memory, unsealed at start,
	// fastest, but it cannot be restarted.
	StorageInmem Storage = "inmem"
	// StorageFile keeps data in a directory; the server survives Restart.
	StorageFile Storage = "file"
	// StorageRaft uses single-node integrated storage; survives Restart and is
	// the HA-capable backend.
	StorageRaft Storage = "raft"
)

// defaultStartTimeout bounds how long a server may take to answer, unseal and
// become active. It is generous because CI machines are small and shared.
const defaultStartTimeout = 2 * time.Minute

// Options describes one Vault server process.
type Options struct {
	// VaultBin is the path of the vault binary (see FindBinaries). Required.
	VaultBin string
	// PluginDir is the server's plugin_directory; plugins must live in it to
	// be registered. Optional.
	PluginDir string
	// Storage defaults to StorageInmem.
	Storage Storage
	// DataDir holds the config file, storage and, by default, the log.
	// Start defaults it to t.TempDir(); Launch requires it.
	DataDir string
	// LogFile receives the server's stdout and stderr, plugin logs included.
	// Defaults to DataDir/vault.log. Restarts append to it.
	LogFile string
	// LogLevel defaults to "debug", so that tests scanning the log for leaked
	// secrets see as much as an operator could turn on.
	LogLevel string
	// ExtraConfig is HCL appended to the server configuration, for settings
	// this package does not model (for example default_lease_ttl).
	ExtraConfig string
	// StartTimeout bounds each start and restart. Defaults to two minutes.
	StartTimeout time.Duration
	// RaftNodeID names the node in raft storage. Defaults to "node1";
	// StartCluster gives each node its own.
	RaftNodeID string

	// raftLeader is the API address of a cluster member a new raft node
	// joins (retry_join); set by LaunchCluster.
	raftLeader string
	// clusterNode marks every node LaunchCluster starts, the first too.
	clusterNode bool
}

// withDefaults fills the optional fields and checks the required ones.
func (o Options) withDefaults() (Options, error) {
	if o.VaultBin == "" {
		return o, errors.New("vaultserver: Options.VaultBin is required")
	}
	if o.DataDir == "" {
		return o, errors.New("vaultserver: Options.DataDir is required")
	}
	switch o.Storage {
	case "":
		o.Storage = StorageInmem
	case StorageInmem, StorageFile, StorageRaft:
	default:
		return o, errors.New("vaultserver: unknown storage " + string(o.Storage))
	}
	if o.LogFile == "" {
		o.LogFile = filepath.Join(o.DataDir, "vault.log")
	}
	if o.LogLevel == "" {
		o.LogLevel = "debug"
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = defaultStartTimeout
	}

	// Vault resolves plugin commands against plugin_directory and refuses a
	// relative one, so make every path absolute once here.
	for _, p := range []*string{&o.VaultBin, &o.PluginDir, &o.DataDir, &o.LogFile} {
		if *p == "" {
			continue
		}
		abs, err := filepath.Abs(*p)
		if err != nil {
			return o, err
		}
		*p = abs
	}
	return o, nil
}

// startTimeout is StartTimeout or its default, for options not yet
// through withDefaults.
func (o Options) startTimeout() time.Duration {
	if o.StartTimeout > 0 {
		return o.StartTimeout
	}
	return defaultStartTimeout
}
