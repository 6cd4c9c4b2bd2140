package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// README.md quotes what clockwise prints in generated blocks, each under a
// marker naming the command:
//
//	<!-- make docs: clockwise check --strategy lww -->
//	```
//	$ clockwise check --strategy lww
//	…what it prints…
//	```
//
// The test runs each command (in a temporary folder, so run folders land in
// its runs/) and fails when a block differs from what the command prints
// now; `make docs` (go test ./cmd/clockwise -run TestREADME -docs) rewrites
// the blocks instead.

var updateDocs = flag.Bool("docs", false, "rewrite README.md's generated blocks from what the commands print")

const readme = "../../README.md"

var (
	docBlock = regexp.MustCompile("(?s)<!-- make docs: (clockwise [^\n]*?) -->\n```\n(.*?)```\n")
	// A run folder's time, which differs every run: the README shows a
	// fixed one.
	folderTime = regexp.MustCompile(`\b(\d{8}T\d{6}Z)\b`)
)

// docOutput is what README shows for the command line: the command, what
// it prints on stdout, and its exit status when not 0.
func docOutput(line string) string {
	args := strings.Fields(line)[1:]
	code, stdout, stderr := cli(args...)
	out := "$ " + line + "\n" + folderTime.ReplaceAllString(stdout, "20260101T000000Z")
	if stderr != "" && code != exitValid && code != exitInvalid {
		out += stderr
	}
	if code != exitValid {
		out += fmt.Sprintf("[exit status %d]\n", code)
	}
	return out
}

func TestREADMEShowsWhatTheCommandsPrint(t *testing.T) {
	abs, err := filepath.Abs(readme)
	require.NoError(t, err)
	b, err := os.ReadFile(abs)
	require.NoError(t, err)
	text := string(b)
	blocks := docBlock.FindAllStringSubmatchIndex(text, -1)
	require.NotEmpty(t, blocks, "README.md has generated blocks")
	t.Chdir(t.TempDir())

	var out strings.Builder
	last := 0
	for _, m := range blocks {
		line, have := text[m[2]:m[3]], text[m[4]:m[5]]
		want := docOutput(line)
		if !*updateDocs {
			assert.Equal(t, want, have, "README.md's block under %q differs from what it prints now: run make docs", line)
			continue
		}
		out.WriteString(text[last:m[4]])
		out.WriteString(want)
		last = m[5]
	}
	if *updateDocs {
		out.WriteString(text[last:])
		require.NoError(t, os.WriteFile(abs, []byte(out.String()), 0o644))
	}
}
