package vaultserver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/vault/api"
)

// pollInterval is how often waitReady asks sys/health.
const pollInterval = 100 * time.Millisecond

// waitReady polls sys/health until the server is active (a cluster member:
// unsealed, active or standby), initializing it (one key share) and
// unsealing it on the way. It gives up when ctx ends or the process exits.
func (s *Server) waitReady(ctx context.Context, proc *process) error {
	client, err := s.newClient()
	if err != nil {
		return err
	}
	for {
		lastErr := s.advance(ctx, client)
		if lastErr == nil {
			return nil
		}
		select {
		case <-proc.done:
			return fmt.Errorf("vault exited before it was ready: %v", proc.err)
		case <-ctx.Done():
			return fmt.Errorf("vault not ready: %w (last: %v)", ctx.Err(), lastErr)
		case <-time.After(pollInterval):
		}
	}
}

// advance moves the server one step towards active and returns nil once it
// is there.
func (s *Server) advance(ctx context.Context, client *api.Client) error {
	health, err := client.Sys().HealthWithContext(ctx)
	switch {
	case err != nil:
		return err
	case !health.Initialized && s.clustered:
		// A new raft node: the cluster's key answers the leader's
		// challenge, and the node joins.
		return s.unseal(ctx, client)
	case !health.Initialized:
		return s.initialize(ctx, client)
	case health.Sealed:
		return s.unseal(ctx, client)
	case health.Standby && !s.clustered:
		return errors.New("unsealed but not yet active")
	default:
		return nil
	}
}

func (s *Server) initialize(ctx context.Context, client *api.Client) error {
	resp, err := client.Sys().InitWithContext(ctx, &api.InitRequest{SecretShares: 1, SecretThreshold: 1})
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if len(resp.Keys) != 1 {
		return fmt.Errorf("init returned %d unseal keys, want 1", len(resp.Keys))
	}
	s.unsealKey = resp.Keys[0]
	s.RootToken = resp.RootToken
	return errors.New("initialized, not yet unsealed")
}

func (s *Server) unseal(ctx context.Context, client *api.Client) error {
	if s.unsealKey == "" {
		return errors.New("sealed, and this server was initialized elsewhere: no unseal key")
	}
	if _, err := client.Sys().UnsealWithContext(ctx, s.unsealKey); err != nil {
		return fmt.Errorf("unseal: %w", err)
	}
	return errors.New("unsealed, not yet active")
}
