package reliability

import (
	"fmt"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/vaultserver"
)

// The fault matrix sees the real rollback run without waiting five
// minutes per case by ageing the write-ahead log's entries (see
// vaultserver.AgeWAL) by walAgeBy once the request that wrote them has
// answered. In production a rollback completes within walRollbackMinAge
// plus one tick (six minutes) of the failure.
const (
	walAgeBy = 10 * time.Minute
	// rollbackTimeout bounds the wait for the next rollback tick (one
	// minute) and the rollback itself.
	rollbackTimeout = 3 * time.Minute
)

// rollBack ages the mount's write-ahead log and waits until Vault's
// rollback has worked through it, and returns how long that took.
func rollBack(c *api.Client, mountUUID string) (time.Duration, error) {
	start := time.Now()
	if err := vaultserver.AgeWAL(c, mountUUID, walAgeBy); err != nil {
		return 0, err
	}
	err := poll(rollbackTimeout, func() error {
		keys, err := vaultserver.WALKeys(c, mountUUID)
		if err == nil && len(keys) > 0 {
			err = fmt.Errorf("%d write-ahead log entries not rolled back", len(keys))
		}
		return err
	})
	return time.Since(start), err
}
