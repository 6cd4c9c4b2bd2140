//go:build !linux

package db

import "syscall"

// sysProcAttr puts a process in its own process group; off Linux nothing
// kills it should clockwise die before it stops the cluster.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
