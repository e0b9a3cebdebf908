package main

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
)

// printInstructions tells the user where everything is and what to type.
func printInstructions(w io.Writer, opts sandboxOptions, env *vaultEnv, conns []connection) error {
	var b strings.Builder
	m := env.mount
	fmt.Fprintf(&b, "\nVault (dev mode, in memory) is up with %s %s mounted at %s/.\n\n", "vault-plugin-secrets-git", opts.version, m)

	logPath, err := filepath.Abs(filepath.Join(opts.dir, serversLog))
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  Vault\t%s\tlog: %s\n", env.srv.Addr, env.srv.LogFile())
	for _, c := range conns {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", c.label, c.url, c.summary)
		if c.local != nil && c.local.gitURL != "" {
			fmt.Fprintf(tw, "    its Git\t%s\t%s.git, log: %s\n", c.local.gitURL, sampleRepo, logPath)
		}
		if c.local != nil {
			fmt.Fprintf(tw, "    its registry\t%s\t%s:latest\n", c.local.registryHost, sampleRepo)
		}
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
	for _, c := range conns {
		if slices.ContainsFunc(c.roles, func(r role) bool { return r.name == "gl-sa" }) {
			fmt.Fprintf(&b, "  vault read %s/creds/gl-sa    # a token of service account %s, a Reporter of %s\n", m, fakeServiceAccount, fakeProject)
		}
	}
	fmt.Fprintf(&b, "  vault read %s/creds/gt-read\n", m)
	fmt.Fprintf(&b, "  vault read %s/creds/gt-packages\n", m)
	fmt.Fprintf(&b, "  vault list %s/tokens\n", m)
	for _, c := range conns {
		if c.control != "" {
			fmt.Fprintf(&b, "  curl -s %s    # tokens the %s holds live\n", c.control, c.label)
		}
	}
	for _, c := range conns {
		if c.name == "gitea" && c.local != nil {
			fmt.Fprintf(&b, "  vault write -f %s/rotate-root/gitea    # a new password for the bot; the one in %s stops working\n",
				m, filepath.Join(opts.dir, giteaPasswordFile))
		}
	}
	b.WriteString(tourEnd(m, conns))
	b.WriteString(env.ciTour)
	fmt.Fprintf(&b, "\nPress Ctrl-C to stop Vault and the fakes.\n")
	_, err = io.WriteString(w, b.String())
	return err
}

// useHeading introduces the commands that use a token.
const useHeading = "Use a token: clone with git, read the image with curl (no Docker engine needed):"

// tourEnd is the end of the tour: a token at work against the fakes'
// backends (a clone from the fake GitHub's Git server with a gh-read token
// and from the fake Forgejo's with a gt-read token, a pull from the fake
// GitLab's registry with gl-deploy's docker_config_json), then refused once
// revoked. A real provider gets no local backends.
func tourEnd(m string, conns []connection) string {
	var b strings.Builder
	var cloneURL, giteaClone, manifest string // set when the fake has the backend
	for _, c := range conns {
		switch {
		case c.local == nil:
			fmt.Fprintf(&b, "  # %s: real credentials, so no local Git server or registry; its tokens are for %s\n", c.label, c.url)
		case c.name == "github" && c.local.gitURL != "":
			cloneURL = strings.Replace(c.local.cloneURL(), "http://",
				"http://x-access-token:$(vault read -field=token "+m+"/creds/gh-read)@", 1)
		case c.name == "gitea" && c.local.gitURL != "":
			giteaClone = strings.Replace(c.local.cloneURL(), "http://",
				"http://"+fakeGiteaBot+":$(vault read -field=token "+m+"/creds/gt-read)@", 1)
		case c.name == "gitlab":
			manifest = `curl -s -w '\n' -H "Authorization: Basic $auth" ` + c.local.registryURL() + "/manifests/latest"
		}
	}
	if cloneURL == "" && giteaClone == "" && manifest == "" {
		fmt.Fprintf(&b, "  vault lease revoke -prefix %s/creds\n", m)
		return b.String()
	}

	fmt.Fprintf(&b, "\n%s\n\n", useHeading)
	for _, u := range []string{cloneURL, giteaClone} {
		if u != "" {
			fmt.Fprintf(&b, "  git clone %s \"$(mktemp -d)/app\"\n", u)
		}
	}
	if manifest != "" {
		// grep and cut, not jq: nothing beyond a shell's usual tools.
		fmt.Fprintf(&b, "  auth=$(vault read -field=docker_config_json %s/creds/gl-deploy | grep -o '\"auth\":\"[^\"]*' | cut -d'\"' -f4)\n", m)
		fmt.Fprintf(&b, "  %s\n", manifest)
	}
	fmt.Fprintf(&b, "  vault lease revoke -prefix %s/creds\n", m)
	if manifest != "" {
		fmt.Fprintf(&b, "  %s    # refused now\n", manifest)
	}
	return b.String()
}
