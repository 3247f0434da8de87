//go:build unix

package contracttest

import (
	"os/exec"
	"syscall"
)

// killGroup makes a timeout kill the hook's whole process group, so that a shell's children
// (curl) do not outlive it.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
