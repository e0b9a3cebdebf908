package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// entry is one cached creds response: the token Git gets, and the lease the
// erase action revokes.
type entry struct {
	Addr      string    `json:"addr"`
	Mount     string    `json:"mount"`
	Role      string    `json:"role"`
	Username  string    `json:"username"`
	Password  string    `json:"password"`
	LeaseID   string    `json:"lease_id"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// maxRefreshMargin is how long before expires_at a cached token stops being
// handed out at most, so that a clone or push does not start with a token
// about to die. Short leases use a fifth of their life instead.
const maxRefreshMargin = time.Minute

// fresh reports whether e may still be handed out at now.
func (e entry) fresh(now time.Time) bool {
	margin := min(maxRefreshMargin, e.ExpiresAt.Sub(e.IssuedAt)/5)
	return now.Before(e.ExpiresAt.Add(-margin))
}

// cache is a directory only the user can read, one file per Vault address,
// mount and role.
type cache struct{ dir string }

// defaultCacheDir is $XDG_CACHE_HOME/git-credential-vault, or
// ~/.cache/git-credential-vault (on macOS too, where tools of this kind
// conventionally use ~/.cache rather than ~/Library/Caches).
func defaultCacheDir() (string, error) {
	if dir := os.Getenv("XDG_CACHE_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "git-credential-vault"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the cache directory: %w", err)
	}
	return filepath.Join(home, ".cache", "git-credential-vault"), nil
}

// file is the entry's path. The Vault address is part of the key: the same
// mount and role on two servers are two tokens. Hashing keeps any character
// of a role name out of the file name.
func (c cache) file(addr, mount, role string) string {
	sum := sha256.Sum256([]byte(addr + "\x00" + mount + "\x00" + role))
	return filepath.Join(c.dir, hex.EncodeToString(sum[:16])+".json")
}

// load returns the entry for addr, mount and role, or ok false when there is
// none or it cannot be read.
func (c cache) load(addr, mount, role string) (e entry, ok bool) {
	data, err := os.ReadFile(c.file(addr, mount, role))
	if err != nil || json.Unmarshal(data, &e) != nil {
		return entry{}, false
	}
	// A hash collision or a hand-edited file must not hand out another
	// role's token.
	if e.Addr != addr || e.Mount != mount || e.Role != role {
		return entry{}, false
	}
	return e, true
}

// save writes e atomically (a concurrent reader sees the old entry or the
// new one) with mode 0600 in a 0700 directory.
func (c cache) save(e entry) error {
	if err := c.ensureDir(); err != nil {
		return err
	}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(c.dir, ".entry-*") // mode 0600
	if err != nil {
		return fmt.Errorf("write cache: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), c.file(e.Addr, e.Mount, e.Role)); err != nil {
		return fmt.Errorf("write cache: %w", err)
	}
	return nil
}

// drop removes the entry for addr, mount and role; a missing one is fine.
func (c cache) drop(addr, mount, role string) error {
	if err := os.Remove(c.file(addr, mount, role)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("drop cache entry: %w", err)
	}
	return nil
}

// ensureDir creates the directory 0700, and takes group and other access
// away from one that exists with it, since it holds tokens.
func (c cache) ensureDir() error {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return fmt.Errorf("create cache directory: %w", err)
	}
	info, err := os.Stat(c.dir)
	if err != nil {
		return fmt.Errorf("create cache directory: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(c.dir, 0o700); err != nil {
			return fmt.Errorf("restrict cache directory: %w", err)
		}
	}
	return nil
}
