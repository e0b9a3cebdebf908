package vaultserver

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

// Cluster is several Vault servers on integrated (raft) storage forming one
// high-availability cluster: one active node, the others standbys that
// forward requests to it and take over when it is lost.
type Cluster struct {
	// Nodes are the servers, Nodes[0] the one that initialized the cluster.
	Nodes []*Server
}

// StartCluster starts an n-node cluster for a test and stops it in
// t.Cleanup. DataDir defaults to t.TempDir().
func StartCluster(t testing.TB, opts Options, n int) *Cluster {
	t.Helper()
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	// Registered before Stop, so that they run after it.
	for i := 1; i <= n; i++ {
		KeepLogOnFailure(t, filepath.Join(nodeDataDir(opts.DataDir, i), "vault.log"), nodeID(i)+".log")
	}
	c, err := LaunchCluster(context.Background(), opts, n)
	if err != nil {
		t.Fatalf("start vault cluster: %v", err)
	}
	t.Cleanup(c.Stop)
	return c
}

// LaunchCluster starts n raft nodes: the first initializes and unseals the
// cluster, the others join it (retry_join) and are unsealed with the same
// key. Each node keeps its data and log under DataDir/nodeN; opts.LogFile
// and opts.RaftNodeID are ignored and opts.Storage must be raft or unset. It
// returns once every node is unsealed and a raft voter, so the cluster
// survives the loss of any one node (of three or more). The caller must
// call Stop.
func LaunchCluster(ctx context.Context, opts Options, n int) (*Cluster, error) {
	if n < 1 {
		return nil, errors.New("vaultserver: a cluster needs at least one node")
	}
	if opts.Storage != "" && opts.Storage != StorageRaft {
		return nil, fmt.Errorf("vaultserver: a cluster needs raft storage, not %s", opts.Storage)
	}
	if opts.DataDir == "" {
		return nil, errors.New("vaultserver: Options.DataDir is required")
	}
	c := &Cluster{}
	for i := 1; i <= n; i++ {
		node := opts
		node.Storage = StorageRaft
		node.DataDir = nodeDataDir(opts.DataDir, i)
		node.LogFile = ""
		node.RaftNodeID = nodeID(i)
		node.clusterNode = true
		var leader *Server
		if i > 1 {
			leader = c.Nodes[0]
		}
		s, err := launch(ctx, node, leader)
		if err != nil {
			c.Stop()
			return nil, fmt.Errorf("node %d: %w", i, err)
		}
		// From now on a standby counts as ready, also for the first
		// node when it restarts while another is active.
		s.clustered = true
		c.Nodes = append(c.Nodes, s)
	}
	if err := c.waitVoters(ctx, opts.startTimeout()); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// nodeID names the cluster's node i (from 1) in raft and in file names.
func nodeID(i int) string { return "node" + strconv.Itoa(i) }

// nodeDataDir is where node i keeps its data and log.
func nodeDataDir(dataDir string, i int) string { return filepath.Join(dataDir, nodeID(i)) }

// Stop stops every node.
func (c *Cluster) Stop() {
	for _, s := range c.Nodes {
		s.Stop()
	}
}

// Active returns the node that is active now.
func (c *Cluster) Active(ctx context.Context) (*Server, error) {
	for _, s := range c.running() {
		h, err := s.Client().Sys().HealthWithContext(ctx)
		if err == nil && h.Initialized && !h.Sealed && !h.Standby {
			return s, nil
		}
	}
	return nil, errors.New("no node is active")
}

// WaitActive waits until a node other than those in not is active, as after
// the active node was killed, and returns it.
func (c *Cluster) WaitActive(ctx context.Context, timeout time.Duration, not ...*Server) (*Server, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		s, err := c.Active(ctx)
		if err == nil && !slices.Contains(not, s) {
			return s, nil
		}
		if err == nil {
			err = errors.New("the excluded node is still active")
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("no new active node within %s: %w", timeout, err)
		case <-time.After(pollInterval):
		}
	}
}

// running are the nodes whose process runs.
func (c *Cluster) running() []*Server {
	var out []*Server
	for _, s := range c.Nodes {
		s.mu.Lock()
		up := s.proc != nil
		s.mu.Unlock()
		if up {
			out = append(out, s)
		}
	}
	return out
}

// waitVoters waits until raft counts every node as a voter. Raft adds a
// joining node as a non-voter and promotes it once it has been stable for
// a while (autopilot's server_stabilization_time); before that, losing the
// leader leaves no quorum to elect another.
func (c *Cluster) waitVoters(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		voters, err := c.voters(ctx)
		if err == nil && voters == len(c.Nodes) {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("%d of %d nodes are voters", voters, len(c.Nodes))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("raft voters: %w (last: %v)", ctx.Err(), err)
		case <-time.After(pollInterval):
		}
	}
}

// voters counts the voters in the raft configuration, asked of the first
// node (standbys forward the request to the active node).
func (c *Cluster) voters(ctx context.Context) (int, error) {
	secret, err := c.Nodes[0].Client().Logical().ReadWithContext(ctx, "sys/storage/raft/configuration")
	if err != nil {
		return 0, err
	}
	if secret == nil {
		return 0, errors.New("no raft configuration")
	}
	config, _ := secret.Data["config"].(map[string]any)
	servers, _ := config["servers"].([]any)
	n := 0
	for _, raw := range servers {
		if server, _ := raw.(map[string]any); server["voter"] == true {
			n++
		}
	}
	return n, nil
}
