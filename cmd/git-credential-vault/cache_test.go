package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestCacheRoundTripAndPermissions(t *testing.T) {
	c := cache{dir: filepath.Join(t.TempDir(), "git-credential-vault")}
	now := time.Now().UTC().Truncate(time.Second)
	e := entry{Addr: "https://vault:8200", Mount: "git", Role: "gh", Username: "x-access-token", Password: "tok", LeaseID: "git/creds/gh/abc", IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := c.save(e); err != nil {
		t.Fatal(err)
	}
	got, ok := c.load(e.Addr, e.Mount, e.Role)
	if !ok || got != e {
		t.Fatalf("load = %+v, %v; want %+v", got, ok, e)
	}
	requireMode(t, c.dir, 0o700)
	requireMode(t, c.file(e.Addr, e.Mount, e.Role), 0o600)
	if entries, _ := os.ReadDir(c.dir); len(entries) != 1 {
		t.Fatalf("the cache holds %d files, want 1 (no temporary file left)", len(entries))
	}

	if err := c.drop(e.Addr, e.Mount, e.Role); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.load(e.Addr, e.Mount, e.Role); ok {
		t.Fatal("the entry survived drop")
	}
	if err := c.drop(e.Addr, e.Mount, e.Role); err != nil {
		t.Fatalf("dropping a missing entry: %v", err)
	}
}

func TestCacheKeysByAddressMountAndRole(t *testing.T) {
	c := cache{dir: t.TempDir()}
	e := entry{Addr: "https://a", Mount: "git", Role: "gh", Password: "tok"}
	if err := c.save(e); err != nil {
		t.Fatal(err)
	}
	for _, k := range [][3]string{{"https://b", "git", "gh"}, {"https://a", "git2", "gh"}, {"https://a", "git", "gh2"}} {
		if _, ok := c.load(k[0], k[1], k[2]); ok {
			t.Fatalf("load%v found the entry of %s %s %s", k, e.Addr, e.Mount, e.Role)
		}
	}
}

// A file under another key's name (a hand copy, or a hash collision) must
// not hand out another role's token.
func TestCacheIgnoresAnEntryOfAnotherKey(t *testing.T) {
	c := cache{dir: t.TempDir()}
	if err := c.save(entry{Addr: "https://a", Mount: "git", Role: "admin", Password: "tok"}); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(c.file("https://a", "git", "admin"), c.file("https://a", "git", "readonly")); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.load("https://a", "git", "readonly"); ok {
		t.Fatal("load handed out the admin role's entry for readonly")
	}
}

func TestCacheTightensAnOpenDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := (cache{dir: dir}).save(entry{Addr: "a", Mount: "git", Role: "r", Password: "tok"}); err != nil {
		t.Fatal(err)
	}
	requireMode(t, dir, 0o700)
}

func TestEntryFresh(t *testing.T) {
	issued := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	hour := entry{IssuedAt: issued, ExpiresAt: issued.Add(time.Hour)}
	short := entry{IssuedAt: issued, ExpiresAt: issued.Add(20 * time.Second)}
	for _, tc := range []struct {
		name string
		e    entry
		at   time.Time
		want bool
	}{
		{"hour lease, just issued", hour, issued, true},
		{"hour lease, 61s before its end", hour, hour.ExpiresAt.Add(-61 * time.Second), true},
		{"hour lease, a minute before its end", hour, hour.ExpiresAt.Add(-time.Minute), false},
		{"hour lease, past its end", hour, hour.ExpiresAt.Add(time.Second), false},
		{"20s lease, 5s before its end", short, short.ExpiresAt.Add(-5 * time.Second), true},
		{"20s lease, 4s (a fifth) before its end", short, short.ExpiresAt.Add(-4 * time.Second), false},
		{"no expiry known", entry{}, issued, false},
	} {
		if got := tc.e.fresh(tc.at); got != tc.want {
			t.Errorf("%s: fresh = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDefaultCacheDir(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	if dir, _ := defaultCacheDir(); dir != "/xdg/git-credential-vault" {
		t.Fatalf("with XDG_CACHE_HOME: %q", dir)
	}
	// The XDG spec says a relative value is invalid and to be ignored.
	t.Setenv("XDG_CACHE_HOME", "relative")
	t.Setenv("HOME", "/home/u")
	if dir, _ := defaultCacheDir(); dir != "/home/u/.cache/git-credential-vault" {
		t.Fatalf("without XDG_CACHE_HOME: %q", dir)
	}
}

func requireMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != want {
		t.Fatalf("%s has mode %o, want %o", path, got, want)
	}
}
