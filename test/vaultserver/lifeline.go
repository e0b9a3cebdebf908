package vaultserver

import (
	"os"
	"os/exec"
	"syscall"
)

// A lifeline is a shell script that waits for this process to die without
// running its cleanups (a -timeout panic, Ctrl-C, SIGKILL) and then cleans
// up after it. It notices the death as EOF on its stdin, whose write end
// only this process holds. It ignores terminal signals and runs in its own
// process group, so a Ctrl-C aimed at the test does not stop it first.
type lifeline struct {
	cmd *exec.Cmd
	w   *os.File
}

// startLifeline runs `sh -c 'read _; <action>' lifeline args...`.
func startLifeline(action string, args ...string) (*lifeline, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	script := "trap '' INT TERM HUP; read _; " + action
	cmd := exec.Command("/bin/sh", append([]string{"-c", script, "lifeline"}, args...)...)
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, err
	}
	return &lifeline{cmd: cmd, w: w}, nil
}

// cancel stops the script without letting it act: the cleanup it guards
// has been done, and acting late could hit a reused process group id.
func (l *lifeline) cancel() {
	_ = l.cmd.Process.Kill()
	_ = l.cmd.Wait()
	l.w.Close()
}
