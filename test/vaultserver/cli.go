package vaultserver

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// cliTimeout bounds one CLI invocation, so a hung command fails the test
// instead of hanging it.
const cliTimeout = 3 * time.Minute

// CLI runs the real vault binary against the server as root, with
// VAULT_ADDR and VAULT_TOKEN set and no other VAULT_* variable, and returns
// its output. err is non-nil when the command fails; it quotes the command
// name and stderr but never the arguments, which may hold secrets.
func (s *Server) CLI(args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.opts.VaultBin, args...)
	cmd.Env = cleanEnv("VAULT_ADDR="+s.Addr, "VAULT_TOKEN="+s.RootToken)
	var out, errOut bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errOut
	if runErr := cmd.Run(); runErr != nil {
		err = fmt.Errorf("vault %s: %w: %s", commandName(args), runErr, strings.TrimSpace(errOut.String()))
	}
	return out.String(), errOut.String(), err
}

// commandGroups are the CLI commands whose second word is a subcommand
// ("secrets enable") rather than an argument ("login <token>").
var commandGroups = map[string]bool{
	"audit": true, "auth": true, "kv": true, "lease": true, "namespace": true,
	"operator": true, "plugin": true, "policy": true, "secrets": true, "token": true,
}

// commandName is the subcommand of a CLI call ("secrets enable", "write"),
// the part that can never be a secret.
func commandName(args []string) string {
	switch {
	case len(args) == 0:
		return ""
	case len(args) > 1 && commandGroups[args[0]] && !strings.HasPrefix(args[1], "-"):
		return args[0] + " " + args[1]
	default:
		return args[0]
	}
}
