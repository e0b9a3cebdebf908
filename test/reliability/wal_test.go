package reliability

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/vault/api"
)

// The engine writes a write-ahead log entry before every provider-side
// creation and deletes it when the request completes; an entry left behind
// is rolled back by Vault's rollback manager, which calls the engine once a
// minute but only for entries older than the engine's walRollbackMinAge (5
// minutes, wal.go), so that a request still in flight is never rolled back
// under its feet. Vault offers no way to run a rollback on demand.
//
// So that the fault matrix sees the real rollback run without waiting five
// minutes per case, the tests age the entries instead: through sys/raw
// (raw_storage_endpoint, an operator API), they move each entry's
// created_at back by walAgeBy once the request that wrote it has answered.
// Nothing in the engine changes; in production a rollback completes within
// walRollbackMinAge plus one tick (six minutes) of the failure.
const (
	walAgeBy = 10 * time.Minute
	// rollbackTimeout bounds the wait for the next rollback tick (one
	// minute) and the rollback itself.
	rollbackTimeout = 3 * time.Minute
)

// walPath is where sys/raw shows a mount's write-ahead log.
func walPath(mountUUID string) string { return "sys/raw/logical/" + mountUUID + "/wal/" }

// walKeys lists the mount's write-ahead log entries.
func walKeys(c *api.Client, mountUUID string) ([]string, error) {
	s, err := c.Logical().List(walPath(mountUUID))
	if err != nil {
		return nil, fmt.Errorf("list the write-ahead log: %w", err)
	}
	if s == nil {
		return nil, nil
	}
	raw, _ := s.Data["keys"].([]any)
	keys := make([]string, 0, len(raw))
	for _, k := range raw {
		keys = append(keys, fmt.Sprint(k))
	}
	return keys, nil
}

// ageWAL moves the created_at of every entry of the mount's write-ahead
// log back by walAgeBy. Only call it while no request of the mount is in
// flight: an entry its request is about to delete would be written again.
func ageWAL(c *api.Client, mountUUID string) error {
	keys, err := walKeys(c, mountUUID)
	if err != nil {
		return err
	}
	for _, k := range keys {
		path := walPath(mountUUID) + k
		s, err := c.Logical().Read(path)
		if err != nil {
			return fmt.Errorf("read a write-ahead log entry: %w", err)
		}
		if s == nil {
			continue // rolled back meanwhile
		}
		value, _ := s.Data["value"].(string)
		var entry map[string]any
		if err := json.Unmarshal([]byte(value), &entry); err != nil {
			return fmt.Errorf("a write-ahead log entry is not JSON: %w", err)
		}
		created, ok := entry["created_at"].(float64)
		if !ok {
			return errors.New("a write-ahead log entry has no created_at")
		}
		entry["created_at"] = int64(created) - int64(walAgeBy.Seconds())
		aged, err := json.Marshal(entry)
		if err != nil {
			return err
		}
		if _, err := c.Logical().Write(path, map[string]any{"value": string(aged)}); err != nil {
			return fmt.Errorf("age a write-ahead log entry: %w", err)
		}
	}
	return nil
}

// rollBack ages the mount's write-ahead log and waits until Vault's
// rollback has worked through it, and returns how long that took.
func rollBack(c *api.Client, mountUUID string) (time.Duration, error) {
	start := time.Now()
	if err := ageWAL(c, mountUUID); err != nil {
		return 0, err
	}
	err := poll(rollbackTimeout, func() error {
		keys, err := walKeys(c, mountUUID)
		if err == nil && len(keys) > 0 {
			err = fmt.Errorf("%d write-ahead log entries not rolled back", len(keys))
		}
		return err
	})
	return time.Since(start), err
}
