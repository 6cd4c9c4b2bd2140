package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/clockwise-kv/clockwise/internal/cli/clitest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// drive gives a pseudo-terminal to a counter of seeds, counts to total and
// returns what the terminal received.
func drive(t *testing.T, total int) (string, bool) {
	t.Helper()
	tty, screen := clitest.Terminal(t, 0)
	tick, done := Counter(tty, total, "seeds")
	drawn := tick != nil
	if drawn {
		for i := 1; i <= total; i++ {
			tick(i, total)
		}
	}
	done()
	return screen(), drawn
}

func TestProgressDrawsOnATerminal(t *testing.T) {
	t.Setenv("CI", "")
	out, drawn := drive(t, 500)
	require.True(t, drawn)
	assert.Contains(t, out, "seeds")
	assert.Contains(t, out, "/500)")
	// Finished, the bar clears its line so the report starts clean.
	assert.Regexp(t, `\r +\r$`, out)
}

func TestProgressIsQuietInCI(t *testing.T) {
	t.Setenv("CI", "true")
	out, drawn := drive(t, 500)
	assert.False(t, drawn)
	assert.Empty(t, out)
}

func TestProgressIsQuietWhenNotATerminal(t *testing.T) {
	t.Setenv("CI", "")
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	require.NoError(t, err)
	defer f.Close()
	tick, done := Counter(f, 100, "seeds")
	assert.Nil(t, tick)
	done()
	tick, done = Counter(&bytes.Buffer{}, 100, "seeds")
	assert.Nil(t, tick)
	done()
	st, err := f.Stat()
	require.NoError(t, err)
	assert.Zero(t, st.Size())
}

// After the operations, the progress display names each stage until the
// command is done, then clears its line.
func TestProgressFollowsTheStages(t *testing.T) {
	t.Setenv("CI", "")
	tty, screen := clitest.Terminal(t, 0)
	tick, stage, done := Staged(tty, 10)
	require.NotNil(t, tick)
	for i := 1; i <= 10; i++ {
		tick(i, 10)
	}
	stage("checking the history")
	time.Sleep(400 * time.Millisecond)
	stage("writing the reports")
	time.Sleep(400 * time.Millisecond)
	done()
	out := screen()
	assert.Contains(t, out, "operations")
	assert.Contains(t, out, "checking the history")
	assert.Contains(t, out, "writing the reports")
	assert.Regexp(t, `\r +\r$`, out, "cleared at the end")
}

// A stage display on a pipe draws nothing.
func TestStagesAreQuietOffATerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "log")
	require.NoError(t, err)
	defer f.Close()
	tick, stage, done := Staged(f, 10)
	assert.Nil(t, tick)
	stage("checking the history")
	done()
	st, err := f.Stat()
	require.NoError(t, err)
	assert.Zero(t, st.Size())
}
