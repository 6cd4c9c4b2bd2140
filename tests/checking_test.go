package tests

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/internal/runs"
)

// lockedBuffer is a buffer a process writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// checking is a clockwise check running in the background.
type checking struct {
	cmd  *exec.Cmd
	done chan error // the process's end
	out  *lockedBuffer
	dir  string // its run folder
}

// startCheck runs clockwise with args, a check writing its run folder under
// out, and waits within the given time until ready(its run folder) holds;
// it fails at once, with the output, if the check ends first. The process
// is killed when the test ends.
func startCheck(t *testing.T, out string, args []string, within time.Duration, ready func(dir string) bool) *checking {
	t.Helper()
	c := &checking{cmd: exec.Command(binary, args...), done: make(chan error, 1), out: &lockedBuffer{}}
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	require.NoError(t, c.cmd.Start())
	go func() { c.done <- c.cmd.Wait() }()
	t.Cleanup(func() { _ = c.cmd.Process.Kill(); <-c.done; c.done <- nil })
	deadline := time.Now().Add(within)
	for {
		select {
		case err := <-c.done:
			c.done <- err
			require.FailNow(t, "the check ended before it was under way", "%v\n%s", err, c.out.String())
		case <-time.After(5 * time.Millisecond):
		}
		// latest moves only once a run folder is complete: find the
		// folder being written by its history.
		if found, _ := filepath.Glob(filepath.Join(out, "*", runs.HistoryFile)); len(found) == 1 {
			if c.dir = filepath.Dir(found[0]); ready(c.dir) {
				return c
			}
		}
		if time.Now().After(deadline) {
			require.FailNow(t, "the check was not under way in time", "not within %v:\n%s", within, c.out.String())
		}
	}
}

// wait returns the check's exit code once it ends, within the given time.
func (c *checking) wait(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case err := <-c.done:
		c.done <- err
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		require.NoError(t, err)
		return 0
	case <-time.After(within):
		require.FailNow(t, "the check did not stop in time", "not within %v:\n%s", within, c.out.String())
		return -1
	}
}
