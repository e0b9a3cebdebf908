package vaultserver

import (
	"strings"
	"testing"
)

// A release commit the clone lacks (a shallow CI checkout) fails with a
// message that names the commit and what to do, before any build.
func TestReleasePluginUnknownCommit(t *testing.T) {
	t.Parallel()
	const missing = "0123456789abcdef0123456789abcdef01234567"
	_, err := releasePlugin(missing, PluginVersion)
	if err == nil {
		t.Fatal("releasePlugin of a commit outside the history succeeded")
	}
	for _, want := range []string{missing, "not in the history", "full clone"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
