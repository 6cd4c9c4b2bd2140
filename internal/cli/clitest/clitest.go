// Package clitest gives tests a pseudo-terminal, to see what a command
// draws on a user's screen.
package clitest

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/creack/pty"
	"github.com/stretchr/testify/require"
)

// Terminal opens a pseudo-terminal cols wide (0: as it comes) and returns
// its slave end and a function that closes it and returns what the
// terminal received.
func Terminal(t *testing.T, cols uint16) (*os.File, func() string) {
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
