package vaultserver

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// stopGrace is how long Vault gets to shut down (and stop its plugins) after
// SIGTERM before the whole process group is killed.
const stopGrace = 15 * time.Second

// killGroupAction kills Vault's process group when the test process dies
// without stopping it; the kernel's parent-death signal would reach only
// Vault, not the plugins it started. (dash's kill takes no "--".)
const killGroupAction = `kill -KILL "-$1" 2>/dev/null`

// process is one run of `vault server`.
type process struct {
	cmd      *exec.Cmd
	lifeline *lifeline     // kills the group if the test process dies
	done     chan struct{} // closed once Vault has exited and been reaped
	err      error         // Vault's exit status; read only after done is closed
}

// startProcess runs bin with args, appending its output to logPath. Vault
// leads a new process group, which the plugins it starts join, so stop (or
// its lifeline) can kill every one of them.
func startProcess(bin string, args []string, logPath string) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = cleanEnv()
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	if p.lifeline, err = startLifeline(killGroupAction, strconv.Itoa(p.pid())); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// stop asks Vault to shut down, which also stops its plugins, then kills
// whatever is left of the process group: Vault itself if it hung, or plugins
// it left behind. It returns once Vault has exited.
func (p *process) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopGrace):
	}
	_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
	<-p.done
	if p.lifeline != nil {
		p.lifeline.cancel()
	}
}

// kill SIGKILLs the whole process group at once and waits for Vault to be
// reaped.
func (p *process) kill() {
	_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
	<-p.done
	if p.lifeline != nil {
		p.lifeline.cancel()
	}
}

// cleanEnv is the environment for Vault processes: the caller's, minus every
// VAULT_* variable, so a developer's own VAULT_ADDR or VAULT_TOKEN never
// reaches the server or the CLI under test.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VAULT_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}
