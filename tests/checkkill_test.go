package tests

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

// startCheck starts a long clockwise check writing under dir and waits
// until its history holds at least size bytes. It returns the process, its
// stdout and the history's path.
func startCheck(t *testing.T, dir string, size int64) (*exec.Cmd, *lockedBuffer, string) {
	t.Helper()
	cmd := exec.Command(binary, "check", "--strategy", "lww", "--ops", "400000", "--out", dir, "--linear-timeout", "1s")
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	// latest moves only once a run folder is complete: find the history
	// being written in the one folder under dir.
	deadline := time.Now().Add(60 * time.Second)
	for {
		if found, _ := filepath.Glob(filepath.Join(dir, "*", "history.jsonl")); len(found) == 1 {
			if st, err := os.Stat(found[0]); err == nil && st.Size() >= size {
				return cmd, out, found[0]
			}
		}
		if time.Now().After(deadline) {
			require.FailNow(t, "the history did not grow", "not %d bytes within 60s:\n%s", size, out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// requireWholeLines requires every line of the history to be a complete
// JSON object, the last one ended by its newline.
func requireWholeLines(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NotEmpty(t, b)
	require.Equal(t, byte('\n'), b[len(b)-1], "the history ends in a whole line (size %d)", len(b))
	lines := bytes.Split(b[:len(b)-1], []byte("\n"))
	for i, l := range lines {
		require.True(t, json.Valid(l), "line %d of %d is not complete JSON: %.80q", i+1, len(lines), l)
	}
	return len(lines)
}

// A clockwise check killed outright (SIGKILL) mid-run leaves a history of
// whole lines, at several points of the run, however large the file; its
// analysis is unknown, since the final reads never came.
func TestKilledCheckLeavesWholeLines(t *testing.T) {
	for _, size := range []int64{10 << 10, 100 << 10, 300 << 10} {
		dir := t.TempDir()
		cmd, _, history := startCheck(t, dir, size)
		require.NoError(t, cmd.Process.Kill())
		_ = cmd.Wait()
		n := requireWholeLines(t, history)
		t.Logf("killed at %d bytes or more: %d whole lines", size, n)
		code, stdout, stderr := clockwise(t, "analyze", "--linear-timeout", "1s", history)
		assert.Equal(t, 3, code, "stdout:\n%.2000s\nstderr:\n%s", stdout, stderr)
		assert.Contains(t, stdout, "UNKNOWN: no final reads at all")
	}
}

// Ctrl-C (SIGINT) or SIGTERM stops a check: the history ends in a whole
// line, run.json records interrupted, and the verdict is unknown (exit 3).
func TestInterruptedCheckIsUnknown(t *testing.T) {
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		dir := t.TempDir()
		cmd, out, history := startCheck(t, dir, 50<<10)
		require.NoError(t, cmd.Process.Signal(sig))
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var err error
		select {
		case err = <-done:
		case <-time.After(60 * time.Second):
			t.Fatalf("%v: check did not stop within 60s", sig)
		}
		var ee *exec.ExitError
		require.True(t, errors.As(err, &ee), "%v: %v\n%s", sig, err, out.String())
		assert.Equal(t, 3, ee.ExitCode(), "%v:\n%.3000s", sig, out.String())
		assert.Contains(t, out.String(), "INTERRUPTED before its final reads")
		assert.Contains(t, out.String(), "UNKNOWN:")
		assert.Contains(t, out.String(), "the run was interrupted after")
		requireWholeLines(t, history)

		var info struct {
			Interrupted bool   `json:"interrupted"`
			Verdict     string `json:"verdict"`
		}
		b, err := os.ReadFile(filepath.Join(filepath.Dir(history), "run.json"))
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, &info))
		assert.True(t, info.Interrupted, "%v", sig)
		assert.Equal(t, "unknown", info.Verdict)
	}
}
