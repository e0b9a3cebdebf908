package gitserver

import (
	"os"
	"os/exec"
	"strings"
)

// gitEnv is this process's environment without any GIT_* variable, plus
// settings that isolate git from the machine, plus extra. git then reads no
// system or global configuration, so the developer's own settings (credential
// helpers, URL rewrites, signing) cannot change the outcome, and it never
// prompts on a terminal, which would hang a test.
func gitEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_TERMINAL_PROMPT=0",
	)
	return append(env, extra...)
}

// findGit is the git binary on PATH.
func findGit() (string, error) {
	return exec.LookPath("git")
}
