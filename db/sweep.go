package db

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/clockwise-kv/clockwise/internal/owner"
	"github.com/clockwise-kv/clockwise/netfault"
)

// Strays lists the ids of the database processes whose owner is no longer
// running: they carry OwnerEnv with a dead owner's tag.
func Strays() ([]int, error) {
	dirs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	var pids []int
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil || pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile(filepath.Join(d, "environ"))
		if err != nil {
			continue // gone, or not ours to read
		}
		for _, kv := range strings.Split(string(env), "\x00") {
			if tag, ok := strings.CutPrefix(kv, OwnerEnv+"="); ok && !owner.Alive(tag) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids, nil
}

// Sweep kills the database processes whose owner is no longer running and
// removes the packet filter tables of owners no longer running: what a
// killed earlier run left. It returns the processes it killed. The filter
// is swept only where it can be (root and nft).
func Sweep() ([]int, error) {
	pids, err := Strays()
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, pid := range pids {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			errs = append(errs, fmt.Errorf("db: kill %d: %w", pid, err))
		}
	}
	if _, err := netfault.Sweep(); err != nil {
		var ue *netfault.UnavailableError
		if !errors.As(err, &ue) {
			errs = append(errs, err)
		}
	}
	return pids, errors.Join(errs...)
}
