package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/clockwise-kv/clockwise/internal/cli/clitest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// onTerminal runs the command line with stdout and stderr on a
// pseudo-terminal cols wide, and returns the exit code and what the
// terminal received.
func onTerminal(t *testing.T, cols uint16, args ...string) (int, string) {
	t.Helper()
	tty, screen := clitest.Terminal(t, cols)
	code := run(args, tty, tty)
	return code, screen()
}

// ansi matches the terminal's control sequences and the progress bar's
// redraws, which leave nothing on screen once cleared.
var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]|[^\n]*\r`)

// On a terminal check prints a compact summary wrapped to its width: the
// lost writes one wrapped line each, where the full reports are, the
// replay command and last the verdict.
func TestCheckOnATerminalIsCompact(t *testing.T) {
	t.Setenv("CI", "")
	out := t.TempDir()
	code, screen := onTerminal(t, 80, "check", "--strategy", "lww", "--ops", "400", "--out", out)
	require.Equal(t, exitInvalid, code, screen)
	text := ansi.ReplaceAllString(strings.ReplaceAll(screen, "\r\n", "\n"), "")
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	assert.Less(t, len(lines), 40, "a screenful, not a report:\n%s", text)
	for _, l := range lines {
		if strings.Contains(l, out) {
			continue // paths are never broken
		}
		assert.LessOrEqual(t, len([]rune(l)), 80, "wrapped to the terminal: %q", l)
	}
	replay := strings.LastIndex(text, "\nseed 1; replay: clockwise check --strategy lww --seed 1 --ops 400\n")
	require.Positive(t, replay, text)
	verdict := strings.Join(strings.Fields(text[strings.LastIndex(text, "\nINVALID: "):]), " ")
	assert.Less(t, replay, strings.LastIndex(text, "\nINVALID: "), "the verdict comes last")
	assert.Regexp(t, `^INVALID: \d+ acknowledged writes lost to clock skew; \d+ more dropped as concurrent writes \(\d+ racing, \d+ overwritten by later writes that never read them\)$`, verdict)
	assert.Contains(t, text, "report.html (open in a browser)")
	var items, more int
	for _, l := range lines {
		if strings.HasPrefix(l, "  - w") {
			items++
		}
		if strings.HasPrefix(l, "  … and ") {
			more++
		}
	}
	assert.Equal(t, 2*defaultLimit, items, "a few lost writes and external-consistency violations")
	assert.Equal(t, 2, more)
	assert.NotContains(t, text, "why:", "the stories are in report.html and report.txt")
}

// On a terminal the matrix counts its runs on stderr, then prints aligned
// tables.
func TestMatrixOnATerminalShowsProgress(t *testing.T) {
	t.Setenv("CI", "")
	code, screen := onTerminal(t, 200, "matrix", "--out", t.TempDir(), "--strategy", "lww,vv", "--nemesis", "none,skew", "--seeds", "1", "--ops", "40")
	require.Equal(t, exitValid, code, screen)
	assert.Contains(t, screen, "runs")
	assert.Contains(t, screen, "/4)")
	assert.Regexp(t, `lost of acked +none +skew`, screen)
}

// On a terminal a sweep counts its shard's seeds on stderr.
func TestSweepOnATerminalCountsTheShardsSeeds(t *testing.T) {
	t.Setenv("CI", "")
	code, screen := onTerminal(t, 200, "sweep", "--strategy", "vv", "--seeds", "1-6", "--shard", "1/3", "--ops", "40", "--out", t.TempDir())
	require.Equal(t, exitValid, code, screen)
	assert.Contains(t, screen, "seeds")
	assert.Contains(t, screen, "/2)")
	assert.NotContains(t, screen, "/6)")
	assert.NotContains(t, screen, "operations")
}
