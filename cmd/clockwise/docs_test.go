package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// README.md and the guides in docs/ quote what clockwise prints in
// generated blocks, each under a marker naming the command:
//
//	<!-- make docs: clockwise check --strategy lww -->
//	```
//	$ clockwise check --strategy lww
//	…what it prints…
//	```
//
// A marker may end in an excerpt, "(first 8 and last 3 lines)", "(first 5
// lines)" or "(last 2 lines)": the block then quotes those lines of what
// the command prints, with "[…]" in place of the lines between.
//
// The test runs each command (in a temporary folder, so run folders land in
// its runs/) and fails when a block differs from what the command prints
// now; `make docs` (go test ./cmd/clockwise -run TestREADME -docs) rewrites
// the blocks instead.

var updateDocs = flag.Bool("docs", false, "rewrite the generated blocks of README.md and docs/*.md from what the commands print")

const readme = "../../README.md"

var (
	docBlock = regexp.MustCompile("(?s)<!-- make docs: (clockwise [^\n]*?) -->\n```\n(.*?)```\n")
	// An excerpt at the end of a marker.
	excerpt = regexp.MustCompile(`^(.*?) \((?:first (\d+)(?: and last (\d+))?|last (\d+)) lines\)$`)
	// A run folder's time, which differs every run, and the -n that tells
	// apart folders of one second: the docs show a fixed time.
	folderTime = regexp.MustCompile(`\b\d{8}T\d{6}Z(-\d+)?\b`)
)

// docFiles are the files with generated blocks: README.md and every
// docs/*.md.
func docFiles(t *testing.T) []string {
	t.Helper()
	abs, err := filepath.Abs(readme)
	require.NoError(t, err)
	guides, err := filepath.Glob(filepath.Join(filepath.Dir(abs), "docs", "*.md"))
	require.NoError(t, err)
	require.NotEmpty(t, guides, "docs/ has guides")
	return append([]string{abs}, guides...)
}

// docOutput is what the docs show for the marker's command line: the
// command, what it prints on stdout (or the marker's excerpt of it), and its
// exit status when not 0.
func docOutput(marker string) string {
	line, first, last := marker, 0, 0
	if m := excerpt.FindStringSubmatch(marker); m != nil {
		line = m[1]
		first, _ = strconv.Atoi(m[2])
		last, _ = strconv.Atoi(m[3] + m[4])
	}
	args := strings.Fields(line)[1:]
	code, stdout, stderr := invoke(args...)
	stdout = folderTime.ReplaceAllString(stdout, "20260101T000000Z")
	if first > 0 || last > 0 {
		stdout = cut(stdout, first, last)
	}
	out := "$ " + line + "\n" + stdout
	if stderr != "" && code != exitValid && code != exitInvalid {
		out += stderr
	}
	if code != exitValid {
		out += fmt.Sprintf("[exit status %d]\n", code)
	}
	return out
}

// cut keeps the first and the last lines of out, with "[…]" in place of
// those between, if any.
func cut(out string, first, last int) string {
	lines := strings.SplitAfter(out, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if first+last < len(lines) {
		lines = append(append(lines[:first:first], "[…]\n"), lines[len(lines)-last:]...)
	}
	return strings.Join(lines, "")
}

func TestREADMEShowsWhatTheCommandsPrint(t *testing.T) {
	files := docFiles(t)
	t.Chdir(t.TempDir())
	found := 0
	for _, path := range files {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		text := string(b)
		blocks := docBlock.FindAllStringSubmatchIndex(text, -1)
		found += len(blocks)
		name := filepath.Base(path)
		if name != "README.md" {
			name = "docs/" + name
		}

		var out strings.Builder
		last := 0
		for _, m := range blocks {
			marker, have := text[m[2]:m[3]], text[m[4]:m[5]]
			want := docOutput(marker)
			if !*updateDocs {
				assert.Equal(t, want, have, "%s's block under %q differs from what it prints now: run make docs", name, marker)
				continue
			}
			out.WriteString(text[last:m[4]])
			out.WriteString(want)
			last = m[5]
		}
		if *updateDocs && len(blocks) > 0 {
			out.WriteString(text[last:])
			require.NoError(t, os.WriteFile(path, []byte(out.String()), 0o644))
		}
	}
	require.NotZero(t, found, "README.md and docs/*.md have generated blocks")
}

// The docs' excerpts keep the lines they name and mark the cut.
func TestREADMEExcerpt(t *testing.T) {
	out := "1\n2\n3\n4\n5\n"
	assert.Equal(t, "1\n2\n[…]\n5\n", cut(out, 2, 1))
	assert.Equal(t, "[…]\n4\n5\n", cut(out, 0, 2))
	assert.Equal(t, "1\n[…]\n", cut(out, 1, 0))
	assert.Equal(t, out, cut(out, 3, 2), "nothing between: nothing cut")
	assert.Equal(t, out, cut(out, 1000, 0), "an excerpt longer than the output is all of it")
	assert.Equal(t, "1\n[…]\n3", cut("1\n2\n3", 1, 1), "a last line without a newline stays so")

	m := excerpt.FindStringSubmatch("clockwise check --strategy vv (first 8 and last 2 lines)")
	require.NotNil(t, m)
	assert.Equal(t, []string{"clockwise check --strategy vv", "8", "2", ""}, m[1:])
	m = excerpt.FindStringSubmatch("clockwise check (last 3 lines)")
	require.NotNil(t, m)
	assert.Equal(t, []string{"clockwise check", "", "", "3"}, m[1:])
	assert.Nil(t, excerpt.FindStringSubmatch("clockwise check --strategy vv"), "a marker without an excerpt quotes it all")
}

// markdownLink is an inline link or image: [text](target) or
// ![alt](target "title").
var markdownLink = regexp.MustCompile(`!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)

// README.md is the front door: short, with a picture of report.html near
// the top, and every relative link of it and of the guides leads to a file.
func TestREADMEIsAFrontDoor(t *testing.T) {
	files := docFiles(t)
	b, err := os.ReadFile(files[0])
	require.NoError(t, err)
	lines := strings.Split(string(b), "\n")
	assert.LessOrEqual(t, strings.Count(string(b), "\n"), 350, "README.md is a front door: move detail into a guide in docs/")
	image := -1
	for i, l := range lines {
		if strings.Contains(l, "](docs/report.png)") {
			image = i + 1
			break
		}
	}
	assert.True(t, image > 0 && image <= 60, "README.md shows docs/report.png in its first 60 lines (line %d)", image)

	for _, path := range files {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		// Code blocks and spans quote text; they link nowhere.
		text := regexp.MustCompile("(?s)```.*?```|`[^`\n]*`").ReplaceAllString(string(b), "")
		for _, m := range markdownLink.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") || strings.HasPrefix(target, "#") {
				continue
			}
			target, _, _ = strings.Cut(target, "#")
			_, err := os.Stat(filepath.Join(filepath.Dir(path), filepath.FromSlash(target)))
			assert.NoError(t, err, "%s links to %s, which does not exist", path, m[1])
		}
	}
}
