package vaultserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/vault/api"
)

// RawStorageConfig turns on sys/raw (raw_storage_endpoint, an operator
// API), through which WALKeys and AgeWAL reach a mount's write-ahead log:
// pass it as Options.ExtraConfig.
const RawStorageConfig = "raw_storage_endpoint = true"

// The engine's write-ahead log entries are rolled back by Vault's rollback
// manager, once a minute, but only once older than the engine's minimum
// age (5 minutes), so that a request still in flight is never rolled back
// under its feet; Vault offers no way to run a rollback on demand. Tests
// that must see the rollback run age the entries instead: AgeWAL moves
// each entry's created_at back through sys/raw. Nothing in the engine
// changes.

// walPath is where sys/raw shows a mount's write-ahead log.
func walPath(mountUUID string) string { return "sys/raw/logical/" + mountUUID + "/wal/" }

// WALKeys lists the write-ahead log entries of the mount whose storage is
// kept under mountUUID (api.MountOutput's UUID).
func WALKeys(c *api.Client, mountUUID string) ([]string, error) {
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

// AgeWAL moves the created_at of every entry of the mount's write-ahead
// log back by by. Only call it while no request of the mount is in
// flight: an entry its request is about to delete would be written again.
func AgeWAL(c *api.Client, mountUUID string, by time.Duration) error {
	keys, err := WALKeys(c, mountUUID)
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
		entry["created_at"] = int64(created) - int64(by.Seconds())
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
