package vaultserver

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestClusterSurvivesLosingTheActiveNode starts three raft nodes, writes
// through a standby (which forwards to the active node), kills the active
// node and reads the value back from the node that takes over.
func TestClusterSurvivesLosingTheActiveNode(t *testing.T) {
	t.Parallel()
	c := StartCluster(t, Options{VaultBin: FindVault(t)}, 3)
	ctx := context.Background()
	active, err := c.Active(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var standby *Server
	for _, s := range c.Nodes {
		if s != active {
			standby = s
			break
		}
	}
	if err := standby.Enable("kv", "kv", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := standby.Client().Logical().Write("kv/greeting", map[string]any{"msg": "hello"}); err != nil {
		t.Fatal(err)
	}

	active.Kill()
	next, err := c.WaitActive(ctx, 2*time.Minute, active)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := next.Client().Logical().Read("kv/greeting")
	if err != nil {
		t.Fatal(err)
	}
	if secret == nil || secret.Data["msg"] != "hello" {
		t.Fatalf("after failover kv/greeting = %#v, want msg=hello", secret)
	}

	// The killed node comes back as a standby of the new active node.
	if err := active.Restart(); err != nil {
		t.Fatal(err)
	}
	// A standby forwards requests once it knows the active node, which it
	// may learn a moment after it is unsealed; the deadline is for a node
	// that never does.
	deadline := time.Now().Add(time.Minute)
	for {
		out, _, err := active.CLI("kv", "get", "-field=msg", "kv/greeting")
		if err == nil && strings.TrimSpace(out) == "hello" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the restarted node read %q (%v), want hello", out, err)
		}
		time.Sleep(pollInterval)
	}
}
