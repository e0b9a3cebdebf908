package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// printInstructions tells the user where everything is and what to type.
func printInstructions(w io.Writer, opts sandboxOptions, env *vaultEnv, conns []connection) error {
	var b strings.Builder
	m := env.mount
	fmt.Fprintf(&b, "\nVault (dev mode, in memory) is up with %s %s mounted at %s/.\n\n", "vault-plugin-secrets-git", opts.version, m)

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  Vault\t%s\tlog: %s\n", env.srv.Addr, env.srv.LogFile())
	for _, c := range conns {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", c.label, c.url, c.summary)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintf(&b, "\nIn another terminal:\n\n")
	fmt.Fprintf(&b, "  source %s\n", env.envFile)
	fmt.Fprintf(&b, "  # or: export VAULT_ADDR=%s VAULT_TOKEN=%s PATH=%s:$PATH\n\n", env.srv.Addr, env.srv.RootToken, env.binDir)
	fmt.Fprintf(&b, "  vault list %s/roles\n", m)
	fmt.Fprintf(&b, "  vault read %s/config/github\n", m)
	fmt.Fprintf(&b, "  vault read %s/creds/gh-read\n", m)
	fmt.Fprintf(&b, "  vault lease revoke <lease_id from that output>\n")
	fmt.Fprintf(&b, "  vault write %s/creds/gh-write repositories=api permissions=contents=read\n", m)
	fmt.Fprintf(&b, "  vault read %s/creds/gl-project\n", m)
	fmt.Fprintf(&b, "  vault read %s/creds/gl-deploy\n", m)
	fmt.Fprintf(&b, "  vault list %s/tokens\n", m)
	fmt.Fprintf(&b, "  vault lease revoke -prefix %s/creds\n", m)
	for _, c := range conns {
		if c.control != "" {
			fmt.Fprintf(&b, "  curl -s %s    # tokens the %s holds live\n", c.control, c.label)
		}
	}
	fmt.Fprintf(&b, "\nPress Ctrl-C to stop Vault and the fakes.\n")
	_, err := io.WriteString(w, b.String())
	return err
}
