package tests

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// repoRoot makes a folder that looks like clockwise's repository root to
// the binary: bin/clockwise built, the Makefile, cmd/clockwise.
func repoRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "bin"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "cmd", "clockwise"), 0o755))
	b, err := os.ReadFile(binary)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(root, "bin", "clockwise"), b, 0o755))
	mk, err := os.ReadFile(filepath.Join("..", "Makefile"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(root, "Makefile"), mk, 0o644))
	return root
}

// shell runs line through sh in dir, as a user pastes it at a prompt, and
// returns its exit code and standard output. The environment is the test's
// without make's own variables: run under make (make test in CI), a make the
// line starts would count itself a sub-make and add "Leaving directory" after
// the lines a user sees last.
func shell(t *testing.T, dir, line string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command("sh", "-c", line)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &out, &out
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name != "MAKELEVEL" && name != "MAKEFLAGS" && name != "MFLAGS" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out.String()
	}
	require.NoError(t, err, out.String())
	return 0, out.String()
}

// lastLines are the last n lines of out.
func lastLines(out string, n int) []string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return lines[max(0, len(lines)-n):]
}

// The replay line a check prints, pasted as is in the repository's root,
// runs the check again: bin/clockwise, run as bin/clockwise; and its make
// form too. Both end on the verdict.
func TestReplayLineRunsAsPrinted(t *testing.T) {
	root := repoRoot(t)
	code, out := shell(t, root, "bin/clockwise check --strategy lww --seed 1 --ops 300")
	require.Equal(t, 1, code, out)
	last := lastLines(out, 4)
	assert.True(t, strings.HasPrefix(last[len(last)-1], "INVALID") || strings.HasPrefix(last[len(last)-2], "INVALID"), "ends on the verdict:\n%s", out)
	var replay, mk string
	for _, l := range strings.Split(out, "\n") {
		if _, cmd, ok := strings.Cut(l, "; replay: "); ok {
			replay = cmd
		}
		if cmd, ok := strings.CutPrefix(l, "  or: "); ok {
			mk = cmd
		}
	}
	require.Equal(t, "bin/clockwise check --strategy lww --seed 1 --ops 300", replay, out)
	require.Equal(t, `make check STRATEGY=lww SEED=1 ARGS="--ops 300"`, mk, out)

	code, again := shell(t, root, replay)
	require.Equal(t, 1, code, again)
	assert.Contains(t, again, "replay: "+replay)

	// make exits 2 when clockwise exits 1; -o build: use the binary there.
	code, viaMake := shell(t, root, strings.Replace(mk, "make ", "make -o build ", 1))
	require.Equal(t, 2, code, viaMake)
	last = lastLines(viaMake, 3)
	assert.Contains(t, last[len(last)-1], "Error 1")
	assert.Contains(t, strings.Join(last, "\n"), "INVALID", "the verdict is the last line before make's")
}

// A SIGTERM stops a long check: it exits 3 (unknown) with a history of
// whole lines that analyze judges, whether or not it finished judging
// what it recorded before its grace ran out.
func TestSIGTERMStopsALongCheck(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(binary, "check", "--ops", "2000000", "--out", out)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	var history string
	for history == "" || size(history) < 1<<20 { // the run is well under way
		matches, _ := filepath.Glob(filepath.Join(out, "lww-*", "history.jsonl"))
		if len(matches) == 1 {
			history = matches[0]
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second): // a hung check fails, never hangs the suite
		_ = cmd.Process.Kill()
		t.Fatalf("the check did not stop on SIGTERM:\n%s", stderr.String())
	}
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, stderr.String())
	assert.Equal(t, 3, ee.ExitCode(), "unknown\n%s%s", stdout.String(), stderr.String())
	code, outA, errA := clockwise(t, "analyze", filepath.Dir(history))
	assert.Equal(t, 3, code, "%s%s", outA, errA)
	assert.Contains(t, outA, "UNKNOWN")
}

func size(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}
