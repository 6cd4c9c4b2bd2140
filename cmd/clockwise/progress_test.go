package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/creack/pty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// terminal opens a pseudo-terminal cols wide (0: as it comes) and returns
// its slave end and a function that closes it and returns what the
// terminal received.
func terminal(t *testing.T, cols uint16) (*os.File, func() string) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	require.NoError(t, err)
	t.Cleanup(func() { ptmx.Close() })
	if cols > 0 {
		require.NoError(t, pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: cols}))
	}
	var got bytes.Buffer
	read := make(chan struct{})
	go func() {
		io.Copy(&got, ptmx) // ends with EIO once the slave closes
		close(read)
	}()
	return tty, func() string {
		require.NoError(t, tty.Close())
		<-read
		return got.String()
	}
}

// drive gives a pseudo-terminal to a counter of seeds, counts to total and
// returns what the terminal received.
func drive(t *testing.T, total int) (string, bool) {
	t.Helper()
	tty, screen := terminal(t, 0)
	tick, done := counter(tty, total, "seeds")
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
	tick, done := counter(f, 100, "seeds")
	assert.Nil(t, tick)
	done()
	tick, done = counter(&bytes.Buffer{}, 100, "seeds")
	assert.Nil(t, tick)
	done()
	st, err := f.Stat()
	require.NoError(t, err)
	assert.Zero(t, st.Size())
}
