package tests

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/runs"
)

// startLongCheck starts a long clockwise check writing under dir and waits
// until its history holds at least size bytes. It returns the check and
// the history's path.
func startLongCheck(t *testing.T, dir string, size int64) (*checking, string) {
	t.Helper()
	args := []string{"check", "--strategy", "lww", "--ops", "400000", "--out", dir, "--linear-timeout", "1s"}
	c := startCheck(t, dir, args, 60*time.Second, func(d string) bool {
		st, err := os.Stat(filepath.Join(d, runs.HistoryFile))
		return err == nil && st.Size() >= size
	})
	return c, filepath.Join(c.dir, runs.HistoryFile)
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

// requireKilledLines requires what a SIGKILL leaves: whole lines of
// complete JSON, but for a last line cut short where the kernel stopped the
// write at a page boundary (the Writer keeps every write within a page
// except a line that crosses one, which goes out by itself). It returns
// the number of whole lines.
func requireKilledLines(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NotEmpty(t, b)
	if b[len(b)-1] != '\n' {
		require.Zero(t, len(b)%histories.Page, "a history cut short (size %d) ends at a page boundary", len(b))
		b = b[:bytes.LastIndexByte(b, '\n')+1]
	}
	lines := bytes.Split(b[:len(b)-1], []byte("\n"))
	for i, l := range lines {
		require.True(t, json.Valid(l), "line %d of %d is not complete JSON: %.80q", i+1, len(lines), l)
	}
	return len(lines)
}

// A clockwise check killed outright (SIGKILL) mid-run leaves a history of
// whole lines, at several points of the run, however large the file (but
// for a line cut at a page boundary, which analyze leaves out and names);
// its analysis is unknown, since the final reads never came.
func TestKilledCheckLeavesWholeLines(t *testing.T) {
	for _, size := range []int64{10 << 10, 100 << 10, 300 << 10} {
		dir := t.TempDir()
		c, history := startLongCheck(t, dir, size)
		require.NoError(t, c.cmd.Process.Kill())
		c.wait(t, 30*time.Second)
		n := requireKilledLines(t, history)
		t.Logf("killed at %d bytes or more: %d whole lines", size, n)
		code, stdout, stderr := clockwise(t, "analyze", "--linear-timeout", "1s", history)
		assert.Equal(t, 3, code, "stdout:\n%.2000s\nstderr:\n%s", stdout, stderr)
		assert.Contains(t, stdout, "UNKNOWN: no final reads at all")
	}
}

// Ctrl-C (SIGINT) or SIGTERM stops a check: the history ends in a whole
// line, run.json records interrupted, and the verdict is unknown (exit 3).
func TestInterruptedCheckIsUnknown(t *testing.T) {
	t.Setenv("CLOCKWISE_INTERRUPT_GRACE", "1m") // judged however long it takes
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		dir := t.TempDir()
		c, history := startLongCheck(t, dir, 50<<10)
		out := c.out
		require.NoError(t, c.cmd.Process.Signal(sig))
		assert.Equal(t, 3, c.wait(t, 60*time.Second), "%v:\n%.3000s", sig, out.String())
		assert.Contains(t, out.String(), "INTERRUPTED before its final reads")
		assert.Contains(t, out.String(), "UNKNOWN:")
		assert.Contains(t, out.String(), "the run was interrupted after")
		requireWholeLines(t, history)

		info, err := runs.ReadInfo(filepath.Dir(history))
		require.NoError(t, err)
		assert.True(t, info.Interrupted, "%v", sig)
		require.NotNil(t, info.Verdict)
		assert.Equal(t, checker.Unknown, *info.Verdict)
	}
}
