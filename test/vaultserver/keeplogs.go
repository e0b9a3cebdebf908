package vaultserver

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// LogDirEnv names the directory under which the logs of failed tests are
// kept: <dir>/<test name>/<log>. Logs otherwise live in the test's temporary
// directory and go with it; `make e2e` sets it, so that CI can show the end
// of each failed test's Vault log (plugin logs included).
const LogDirEnv = "E2E_LOG_DIR"

// KeepLogOnFailure copies the file at path (a server's or an agent's log)
// to $E2E_LOG_DIR/<t.Name()>/name when t has failed by the time its
// cleanups run. Register it before the cleanup that stops the process, so
// that it runs after it and copies the whole log. Without E2E_LOG_DIR it
// does nothing.
func KeepLogOnFailure(t testing.TB, path, name string) {
	dir := os.Getenv(LogDirEnv)
	if dir == "" {
		return
	}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		dst, err := keepLog(filepath.Join(dir, filepath.FromSlash(t.Name())), path, name)
		if err != nil {
			t.Logf("keep log %s: %v", path, err)
			return
		}
		t.Logf("log kept in %s", dst)
	})
}

// keepLog copies src into dir as name, or name.2, name.3... when a log of
// that name is kept already (a test that started several servers).
func keepLog(dir, src, name string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	for n := 1; ; n++ {
		dst := filepath.Join(dir, name)
		if n > 1 {
			ext := filepath.Ext(name)
			dst = filepath.Join(dir, strings.TrimSuffix(name, ext)+"."+strconv.Itoa(n)+ext)
		}
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if os.IsExist(err) {
			continue
		}
		if err != nil {
			return "", err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return "", fmt.Errorf("copy to %s: %w", dst, err)
		}
		return dst, out.Close()
	}
}
