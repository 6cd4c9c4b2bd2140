package db

import "syscall"

// sysProcAttr puts a process in its own process group, so a Ctrl-C at the
// terminal reaches only clockwise, which stops the cluster itself, and has
// the kernel kill it should clockwise die first.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
