package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/vault/api"
)

// kvRead reads one kv-v2 secret: Vault's floor for a request that reaches a
// secrets engine and storage.
func kvRead(c *api.Client) op {
	return func(ctx context.Context) (string, error) {
		s, err := c.Logical().ReadWithContext(ctx, kvPath)
		if err == nil && s == nil {
			err = errors.New("kv secret missing")
		}
		return "", err
	}
}

// sshOTP issues an SSH one-time password: Vault's floor for a leased secret
// whose engine makes no external call.
func sshOTP(c *api.Client) op {
	path := sshMount + "/creds/" + sshRole
	data := map[string]any{"ip": sshCredsIP}
	return func(ctx context.Context) (string, error) {
		return leaseOf(c.Logical().WriteWithContext(ctx, path, data))
	}
}

// pluginFloorRole is the role the plugin floor reads.
const pluginFloorRole = githubRole

// pluginRead reads a role from the engine: the cost of Vault's plugin
// protocol itself (one request to the plugin, one storage read back), with
// no lease and no provider.
func pluginRead(c *api.Client) op {
	path := engineMount + "/roles/" + pluginFloorRole
	return func(ctx context.Context) (string, error) {
		s, err := c.Logical().ReadWithContext(ctx, path)
		if err == nil && s == nil {
			err = errors.New("role missing")
		}
		return "", err
	}
}

// floorLease reads a leased secret from the floor plugin: Vault's plugin
// protocol with a lease, no storage and no provider.
func floorLease(c *api.Client) op { return readLease(c, floorMount+"/lease") }

// floorLeaseWAL is floorLease after the engine's three storage writes
// around a creation (WAL entry, inventory entry, WAL delete).
func floorLeaseWAL(c *api.Client) op { return readLease(c, floorMount+"/lease-wal") }

func readLease(c *api.Client, path string) op {
	return func(ctx context.Context) (string, error) {
		return leaseOf(c.Logical().ReadWithContext(ctx, path))
	}
}

// engineCreds reads creds/<role>: one token issued at the provider, one
// lease.
func engineCreds(c *api.Client, role string) op {
	return readLease(c, engineMount+"/creds/"+role)
}

func leaseOf(s *api.Secret, err error) (string, error) {
	if err != nil {
		return "", err
	}
	if s == nil || s.LeaseID == "" {
		return "", errors.New("the answer holds no lease")
	}
	return s.LeaseID, nil
}

// revokeTimeout bounds revoking one cell's leases.
const revokeTimeout = 5 * time.Minute

// revokeAll revokes leases through sys/leases/revoke, which waits for the
// engine's revocation, with conc requests in flight.
func revokeAll(ctx context.Context, c *api.Client, leases []string, conc int) (loadResult, error) {
	next := make(chan string, len(leases))
	for _, l := range leases {
		next <- l
	}
	close(next)
	res, err := runLoad(ctx, conc, revokeTimeout, len(leases), func(ctx context.Context) (string, error) {
		if err := c.Sys().RevokeWithContext(ctx, <-next); err != nil {
			return "", fmt.Errorf("revoke lease: %w", err)
		}
		return "", nil
	})
	if err == nil && res.ops < len(leases) {
		err = fmt.Errorf("revoked %d of %d leases in %s", res.ops, len(leases), revokeTimeout)
	}
	return res, err
}
