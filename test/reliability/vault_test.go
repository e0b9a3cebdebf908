package reliability

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/vaultserver"
)

const (
	// pollInterval is how often a wait looks again.
	pollInterval = 250 * time.Millisecond
	// vaultRequestTimeout is Vault's default max_request_duration: no
	// request may take longer, whatever the provider does.
	vaultRequestTimeout = 90 * time.Second
	// answerMargin is what a request may take beyond Vault's timeout on a
	// loaded machine before the test calls it a hang.
	answerMargin = 20 * time.Second
	// logTailLines is how much of the Vault log a failure quotes.
	logTailLines = 30
)

// vaultEnv is one real Vault server with the engine's plugin registered.
type vaultEnv struct {
	srv     *vaultserver.Server
	version string
}

// startVault starts a dev-mode server with sys/raw on and the suite's plugin
// registered, and stops it when the test ends.
func startVault(t *testing.T) *vaultEnv {
	t.Helper()
	bins := vaultserver.FindBinaries(t)
	return launchVault(t, bins.Options(vaultserver.StorageInmem), bins.Plugin, bins.Version)
}

// launchVault starts a dev-mode server on opts with sys/raw on and plugin
// registered at version.
func launchVault(t *testing.T, opts vaultserver.Options, plugin, version string) *vaultEnv {
	t.Helper()
	// sys/raw: the tests look at and age the write-ahead log (wal_test.go).
	opts.ExtraConfig = vaultserver.RawStorageConfig
	srv := vaultserver.Start(t, opts)
	v := &vaultEnv{srv: srv, version: version}
	if err := srv.RegisterPlugin(vaultserver.PluginName, plugin, version); err != nil {
		t.Fatalf("register plugin: %v\n%s", err, v.logTail())
	}
	return v
}

// api is a client for the server, authenticated as root.
func (v *vaultEnv) api() *api.Client { return v.srv.Client() }

// logTail is the end of the server's log, plugin logs included.
func (v *vaultEnv) logTail() string { return vaultserver.FileTail(v.srv.LogFile(), logTailLines) }

// eventually polls cond until it returns nil, and fails the test with its
// last error and the end of the Vault log when timeout passes first.
func (v *vaultEnv) eventually(t testing.TB, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	if err := poll(timeout, cond); err != nil {
		t.Fatalf("%s: %v\n--- end of the Vault log ---\n%s", what, err, v.logTail())
	}
}

// poll calls cond until it returns nil or timeout passes, and returns its
// last error then.
func poll(timeout time.Duration, cond func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not within %s: %w", timeout, err)
		}
		time.Sleep(pollInterval)
	}
}

// mount enables the engine at path, pinned to the registered version, with
// the lease TTLs the tests expect.
func (v *vaultEnv) mount(t testing.TB, c *api.Client, path string) {
	t.Helper()
	err := c.Sys().Mount(path, &api.MountInput{
		Type:   vaultserver.PluginName,
		Config: api.MountConfigInput{DefaultLeaseTTL: "10m", MaxLeaseTTL: "2h", PluginVersion: v.version},
	})
	if err != nil {
		t.Fatalf("mount %s: %v\n%s", path, err, v.logTail())
	}
}

// irrevocable lists the irrevocable leases whose id starts with prefix.
func irrevocable(c *api.Client, prefix string) ([]string, error) {
	req := c.NewRequest("GET", "/v1/sys/leases")
	req.Params.Set("type", "irrevocable")
	req.Params.Set("limit", "none")
	resp, err := c.RawRequest(req)
	if resp != nil {
		defer resp.Body.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("list irrevocable leases: %w", err)
	}
	secret, err := api.ParseSecret(resp.Body)
	if err != nil || secret == nil {
		return nil, fmt.Errorf("list irrevocable leases: %v", err)
	}
	if _, ok := secret.Data["lease_count"]; !ok {
		return nil, fmt.Errorf("list irrevocable leases: no lease_count in the answer")
	}
	leases, _ := secret.Data["leases"].([]any)
	var out []string
	for _, l := range leases {
		m, _ := l.(map[string]any)
		if id, _ := m["lease_id"].(string); strings.HasPrefix(id, prefix) {
			out = append(out, id)
		}
	}
	return out, nil
}

// leaseExists reports whether Vault still holds the lease.
func leaseExists(c *api.Client, leaseID string) (bool, error) {
	_, err := c.Sys().Lookup(leaseID)
	var re *api.ResponseError
	if errors.As(err, &re) && re.StatusCode == 400 && strings.Contains(strings.Join(re.Errors, " "), "invalid lease") {
		return false, nil
	}
	return err == nil, err
}

// statusOf is the HTTP status of a Vault API error, or 0.
func statusOf(err error) int {
	var re *api.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return 0
}

// errorText is what Vault told the caller: its error messages joined.
func errorText(err error) string {
	var re *api.ResponseError
	if errors.As(err, &re) {
		return strings.Join(re.Errors, "; ")
	}
	return err.Error()
}
