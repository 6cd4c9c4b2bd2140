package db

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Faketime is the path of libfaketime's library for multithreaded programs
// (or the plain one) where Debian's faketime package, or a local build, put
// it, or "" when none is found.
func Faketime() string {
	for _, pattern := range []string{
		"/usr/lib/*/faketime/libfaketimeMT.so.1",
		"/usr/lib/faketime/libfaketimeMT.so.1",
		"/usr/local/lib/faketime/libfaketimeMT.so.1",
		"/usr/lib/*/faketime/libfaketime.so.1",
		"/usr/lib/faketime/libfaketime.so.1",
		"/usr/local/lib/faketime/libfaketime.so.1",
	} {
		if m, _ := filepath.Glob(pattern); len(m) > 0 {
			return m[0]
		}
	}
	return ""
}

// SkewError says why a program cannot run under libfaketime, so that a
// caller records clock skew of its processes as skipped with that reason.
type SkewError struct {
	Path   string
	Reason string
}

func (e *SkewError) Error() string {
	return fmt.Sprintf("db: no clock skew for %s: %s", e.Path, e.Reason)
}

// ProbeSkew runs path --version under libfaketime and returns a *SkewError
// when it does not end within 3 s (how it ends does not matter: a program
// that knows no --version is fine). Debian's redis-server is such a
// program: it links jemalloc, which reads the clock while libfaketime
// initializes, and hangs (libfaketime issue #130).
func ProbeSkew(ctx context.Context, path string) error {
	lib := Faketime()
	if lib == "" {
		return &SkewError{Path: path, Reason: "libfaketime is missing: install Debian's faketime package (make dbs)"}
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "--version")
	cmd.Env = append(cmd.Environ(), "LD_PRELOAD="+lib, "FAKETIME=+0")
	cmd.SysProcAttr = sysProcAttr()
	cmd.WaitDelay = time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	_ = cmd.Run()
	switch {
	case strings.Contains(out.String(), "recursive calls to clock_gettime"):
		return &SkewError{Path: path, Reason: "libfaketime clashes with its memory allocator (jemalloc reads the clock while libfaketime initializes: libfaketime issue #130)"}
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &SkewError{Path: path, Reason: "it hangs under libfaketime (--version gave no answer in 3 s)"}
	}
	return nil
}
