//go:build !linux

package live

import "syscall"

// sysProcAttr is the default: off Linux nothing kills the nodes should the
// harness die before it stops them.
func sysProcAttr() *syscall.SysProcAttr { return nil }
