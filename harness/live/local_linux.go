package live

import "syscall"

// sysProcAttr puts a node in its own process group, so a Ctrl-C at the
// terminal reaches only the harness, which stops the nodes itself, and has
// the kernel kill it should the harness die first.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
