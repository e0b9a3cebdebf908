package gitsecrets

import (
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/logical"
)

// A tune of the mount reaches issuing within mountTTLMaxAge.
func TestMountTTLsFollowATuneWithinASecond(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	e.b.now = func() time.Time { return now }
	sys := e.b.System().(*logical.StaticSystemView)

	check := func(step string, wantDef, wantMax time.Duration) {
		t.Helper()
		def, maxTTL := e.b.mountTTLs()
		if def != wantDef || maxTTL != wantMax {
			t.Errorf("%s: mountTTLs = %s, %s; want %s, %s", step, def, maxTTL, wantDef, wantMax)
		}
	}
	check("first read asks Vault", testDefaultTTL, testMaxTTL)

	sys.DefaultLeaseTTLVal, sys.MaxLeaseTTLVal = 10*time.Minute, 20*time.Minute
	now = now.Add(mountTTLMaxAge - time.Millisecond)
	check("within the max age the answer is reused", testDefaultTTL, testMaxTTL)

	now = now.Add(time.Millisecond)
	check("after the max age Vault is asked again", 10*time.Minute, 20*time.Minute)

	sys.MaxLeaseTTLVal = 30 * time.Minute
	now = now.Add(-time.Hour)
	check("a clock that steps back asks again", 10*time.Minute, 30*time.Minute)
}
