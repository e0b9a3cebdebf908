package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/vaultserver"
)

// agentTTL is the lease TTL the agent's template reads with. Agent fetches a
// non-renewable secret again at 85 to 95% of its lease, so the scenario takes
// about this long and the new token comes 1.5 to 4.5s before the old lease
// ends: a margin a loaded machine can eat, so the test does not assert it.
const agentTTL = 30 * time.Second

// agentStopGrace is how long the agent gets to exit after SIGTERM.
const agentStopGrace = 10 * time.Second

// testAgentTemplate runs `vault agent` with a template that reads
// creds/gh and creds/gl-project: it renders live tokens, and renders new
// ones as the first leases end, after which the first tokens are revoked by
// expiry. Revoking the agent's token then revokes whatever it still holds.
//
// What makes the agent fetch a new token before the old lease ends is the
// lease the engine hands out: not renewable, with the role's TTL. The test
// asserts that; how early the agent acts on it is the agent's schedule and
// the machine's load, so the test only logs it.
func testAgentTemplate(t *testing.T, e *engine) {
	ttl := "ttl=" + agentTTL.String()
	e.writeRole(t, "gh", role("gh", ttl)...)
	e.writeRole(t, "gl-project", role("gl-project", ttl)...)
	token := e.v.childToken(t, "agent", e.v.credsPolicy(t, e.path))

	dir := t.TempDir()
	out := filepath.Join(dir, "creds.txt")
	roles := []string{"gh", "gl-project"}
	a := startAgent(t, e.v, dir, token, agentTemplate(e.path, roles...), out)

	var first map[string]*creds
	e.v.eventually(t, time.Minute, "vault agent renders the template", func() error {
		var err error
		first, err = a.rendered(out, roles)
		return err
	})
	e.requireLive(t, first["gh"], first["gl-project"])

	var second map[string]*creds
	e.v.eventually(t, agentTTL+time.Minute, "vault agent renders new tokens", func() error {
		got, err := a.rendered(out, roles)
		if err != nil {
			return err
		}
		for role, c := range got {
			if c.ref() == first[role].ref() {
				return fmt.Errorf("%s still renders the first token", role)
			}
		}
		second = got
		return nil
	})
	for role, c := range second {
		for _, lease := range []*creds{first[role], c} {
			if lease.Renewable || lease.LeaseDuration != int(agentTTL.Seconds()) {
				t.Errorf("%s: vault agent got a lease of %ds, renewable %v; want %s, not renewable, which agent replaces before it ends",
					role, lease.LeaseDuration, lease.Renewable, agentTTL)
			}
		}
		// The engine's own clock says when each lease began and ended.
		issued := expiresAt(t, c).Add(-time.Duration(c.LeaseDuration) * time.Second)
		t.Logf("%s: new token issued %s before the first lease ended", role, expiresAt(t, first[role]).Sub(issued))
	}
	e.requireLive(t, second["gh"], second["gl-project"])
	e.waitRevoked(t, "expiry of the agent's first leases", first["gh"], first["gl-project"])

	a.stop(t)
	e.v.vault(t, "token", "revoke", token)
	e.waitRevoked(t, "revoking the agent's token", second["gh"], second["gl-project"])
}

// agentTemplate renders one line per role: the role, token_ref, expires_at,
// the lease duration in seconds, whether the lease is renewable and the
// token, separated by spaces.
func agentTemplate(mount string, roles ...string) string {
	var b strings.Builder
	for _, r := range roles {
		fmt.Fprintf(&b, "{{ with secret %q }}%s {{ .Data.token_ref }} {{ .Data.expires_at }} {{ .LeaseDuration }} {{ .Renewable }} {{ .Data.token }}{{ end }}\n",
			mount+"/creds/"+r, r)
	}
	return b.String()
}

func expiresAt(t *testing.T, c *creds) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, fmt.Sprint(c.Data["expires_at"]))
	if err != nil {
		t.Fatalf("%v: expires_at: %v", c, err)
	}
	return at
}

// agent is a running `vault agent`.
type agent struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{} // closed when the process has exited and been reaped
}

// startAgent writes token to a file and runs `vault agent` with token_file
// auto-auth and one template rendering contents to dest. The agent is
// stopped when the test ends.
func startAgent(t *testing.T, v *vaultEnv, dir, token, contents, dest string) *agent {
	t.Helper()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf(`vault {
  address = %q
}
auto_auth {
  method {
    type   = "token_file"
    config = {
      token_file_path = %q
    }
  }
}
template_config {
  exit_on_retry_failure = true
}
template {
  destination = %q
  contents    = <<EOT
%sEOT
}
`, v.srv.Addr, tokenFile, dest, contents)
	configFile := filepath.Join(dir, "agent.hcl")
	if err := os.WriteFile(configFile, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	a := &agent{log: filepath.Join(dir, "agent.log"), done: make(chan struct{})}
	logFile, err := os.Create(a.log)
	if err != nil {
		t.Fatal(err)
	}
	a.cmd = exec.Command(v.vaultBin, "agent", "-config="+configFile)
	a.cmd.Env = withoutVaultVars()
	a.cmd.Stdout = logFile
	a.cmd.Stderr = logFile
	if err := a.cmd.Start(); err != nil {
		logFile.Close()
		t.Fatal(err)
	}
	go func() {
		_ = a.cmd.Wait()
		logFile.Close()
		close(a.done)
	}()
	// Registered before stop, so that it runs after it.
	vaultserver.KeepLogOnFailure(t, a.log, "agent.log")
	t.Cleanup(func() { a.stop(t) })
	return a
}

// output reads a file the agent renders, failing until it exists and
// giving up once the agent has exited.
func (a *agent) output(path string) ([]byte, error) {
	select {
	case <-a.done:
		return nil, giveUp(fmt.Errorf("vault agent exited: %v\n--- end of the agent log ---\n%s", a.cmd.ProcessState, vaultserver.FileTail(a.log, logTailLines)))
	default:
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errors.New("nothing rendered yet")
	}
	return b, err
}

// rendered parses the agent's output file into creds by role, and fails
// until every role is there. It gives up once the agent has exited.
func (a *agent) rendered(path string, roles []string) (map[string]*creds, error) {
	b, err := a.output(path)
	if err != nil {
		return nil, err
	}
	out := map[string]*creds{}
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) != 6 {
			return nil, fmt.Errorf("line %d of the rendered file has %d fields, want 6", i+1, len(f))
		}
		secs, err := strconv.Atoi(f[3])
		if err != nil {
			return nil, fmt.Errorf("line %d: lease duration %q", i+1, f[3])
		}
		renewable, err := strconv.ParseBool(f[4])
		if err != nil {
			return nil, fmt.Errorf("line %d: renewable %q", i+1, f[4])
		}
		config := "gl"
		if f[0] == "gh" {
			config = "gh"
		}
		out[f[0]] = &creds{
			LeaseID:       "(held by vault agent)",
			LeaseDuration: secs,
			Renewable:     renewable,
			Data:          map[string]any{"config": config, "token_ref": f[1], "expires_at": f[2], "token": f[5]},
		}
	}
	for _, r := range roles {
		if out[r] == nil {
			return nil, fmt.Errorf("the rendered file has no line for %s", r)
		}
	}
	return out, nil
}

// stop ends the agent: SIGTERM, then SIGKILL after agentStopGrace. It is
// safe to call more than once.
func (a *agent) stop(t *testing.T) {
	select {
	case <-a.done:
		return
	default:
	}
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-a.done:
	case <-time.After(agentStopGrace):
		t.Logf("vault agent did not exit within %s of SIGTERM; killing it", agentStopGrace)
		_ = a.cmd.Process.Kill()
		<-a.done
	}
}
