package main

import (
	"io"
	"os"
	"path/filepath"

	"golang.org/x/term"

	"github.com/clockwise-kv/clockwise/internal/cli"
	"github.com/clockwise-kv/clockwise/internal/runs"
)

// defaultLimit is how many findings of each kind check, analyze and report
// list on the terminal; report.txt and report.html have them all.
const defaultLimit = 3

// pipeWidth is the width compact output wraps to when it goes to a file or
// a pipe rather than a terminal.
const pipeWidth = 100

// width is the number of columns to wrap output on w to: the terminal's,
// or pipeWidth.
func width(w io.Writer) int {
	if f, ok := w.(*os.File); ok && cli.IsTerminal(f) {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 20 {
			return cols
		}
	}
	return pipeWidth
}

// reportFiles are the pointers to the full reports of the run folder dir
// that exist, for a compact report's end.
func reportFiles(dir string) []string {
	var out []string
	for _, f := range []struct{ name, note string }{
		{runs.HTMLFile, "open in a browser"},
		{runs.ReportFile, "every finding as text"},
		{runs.LinearFile, "porcupine's view of the keys not linearizable"},
	} {
		if runs.Has(dir, f.name) {
			out = append(out, filepath.Join(dir, f.name)+" ("+f.note+")")
		}
	}
	return out
}
