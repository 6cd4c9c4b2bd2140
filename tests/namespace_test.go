package tests

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/runs"
)

// One cluster of node processes someone else started serves node-check,
// then two checks one after the other, then two at once: every one VALID.
// Each check has a namespace of its own (in run.json), so it reads neither
// node-check's keys nor an earlier check's, whose write ids are its own
// too (w1…).
func TestRemoteClusterServesManyRuns(t *testing.T) {
	urls := startNodes(t, 3, "vv")
	code, stdout, stderr := clockwise(t, append([]string{"node-check"}, urls...)...)
	require.Equal(t, 0, code, "%s\n%s", stdout, stderr)
	require.Contains(t, stdout, "conformant")

	out := t.TempDir()
	cluster := strings.Join(urls, ",")
	seen := map[string]bool{}
	for i := range 2 {
		code, stdout, stderr := clockwise(t, realCheck(out, "--cluster", cluster, "--strategy", "vv")...)
		require.Equal(t, 0, code, "check %d after node-check:\n%s\n%s", i+1, stdout, stderr)
		assert.Contains(t, stdout, "VALID")
		dir, err := filepath.EvalSymlinks(filepath.Join(out, runs.Latest))
		require.NoError(t, err)
		info, err := runs.ReadInfo(dir)
		require.NoError(t, err)
		assert.Regexp(t, `^clockwise-[0-9a-f]{12}$`, info.Namespace)
		assert.False(t, seen[info.Namespace], "each run has a namespace of its own")
		seen[info.Namespace] = true
		assert.Contains(t, stdout, "(namespace "+info.Namespace+")")
	}

	var wg sync.WaitGroup
	type outcome struct {
		code int
		out  string
	}
	at := make([]outcome, 2)
	for i := range at {
		wg.Go(func() {
			var b bytes.Buffer
			cmd := exec.Command(binary, realCheck(out, "--cluster", cluster, "--strategy", "vv")...)
			cmd.Stdout, cmd.Stderr = &b, &b
			err := cmd.Run()
			var ee *exec.ExitError
			switch {
			case errors.As(err, &ee):
				at[i] = outcome{ee.ExitCode(), b.String()}
			case err != nil:
				at[i] = outcome{-1, err.Error()}
			default:
				at[i] = outcome{0, b.String()}
			}
		})
	}
	wg.Wait()
	for i, o := range at {
		assert.Equal(t, 0, o.code, "check %d of two at once:\n%s", i+1, o.out)
	}
}

// A check whose history cannot be written (here: the file-size limit, as a
// full disk would) stops at once with exit 2 and says why; its nodes are
// stopped and the history keeps what was written.
func TestCheckStopsWhenTheHistoryCannotBeWritten(t *testing.T) {
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a run that did not stop would take hours
	defer cancel()
	// ulimit -f counts 512-byte blocks: 32 KiB.
	args := append([]string{"-c", `ulimit -f 64 && exec "$0" "$@"`, binary},
		realCheck(out, "--cluster", "local", "--strategy", "vv", "--nemesis", "skew,partition,kill", "--ops", "2000000")...)
	var b bytes.Buffer
	cmd := exec.CommandContext(ctx, "sh", args...)
	cmd.Stdout, cmd.Stderr = &b, &b
	err := cmd.Run()
	require.NoError(t, ctx.Err(), "the run went on after its history failed:\n%s", b.String())
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "%s", b.String())
	assert.Equal(t, 2, ee.ExitCode(), "%s", b.String())
	assert.Contains(t, b.String(), "history cannot be written")
	assert.Contains(t, b.String(), "file too large")
	dirs, err := filepath.Glob(filepath.Join(out, "vv-*"))
	require.NoError(t, err)
	require.Len(t, dirs, 1)
	assert.NoFileExists(t, filepath.Join(out, runs.Latest), "an unfinished run is not the latest")
	f, err := histories.Load(filepath.Join(dirs[0], runs.HistoryFile))
	require.NoError(t, err, "what was written reads back (a last line the limit cut is left out)")
	assert.Greater(t, len(f.Events), 100)
	pids := nodePIDs(t, dirs[0])
	require.GreaterOrEqual(t, len(pids), 3)
	for _, pid := range pids {
		requireGone(t, pid)
	}
}
