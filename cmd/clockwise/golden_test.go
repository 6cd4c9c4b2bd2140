package main

import (
	"bufio"
	"crypto/sha256"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/internal/runs"
)

// The golden test pins what clockwise writes for a set of seeded runs: the
// history, results.json, report.txt, report.html, run.json, porcupine's page
// and the terminal output of check, analyze, demo, matrix and metadata. The
// same seed and flags must give the same bytes, so a change that is not
// about output (a refactoring, a speed-up) must leave every hash alone. A
// change that means to alter an output regenerates the file with
//
//	go test ./cmd/clockwise -run TestGolden -update
//
// and the diff of testdata/golden.txt names every output it changed.

var update = flag.Bool("update", false, "rewrite testdata/golden.txt from the current outputs")

const goldenFile = "testdata/golden.txt"

// goldenChecks are the check runs the golden test pins.
var goldenChecks = [][]string{
	{"--strategy", "lww"},
	{"--strategy", "lamport"},
	{"--strategy", "truetime"},
	{"--strategy", "vv"},
	{"--strategy", "vv-pruned", "--nodes", "5", "--prune", "2"},
	{"--strategy", "dvv", "--nodes", "5"},
	{"--strategy", "lww", "--seed", "2", "--nemesis", "tombstone,skew,partition,strobe"},
	{"--strategy", "vv", "--seed", "3", "--nemesis", "tombstone,skew,partition", "--mix", "read=3,rw=4,blind=2,delete=1"},
	{"--strategy", "truetime", "--seed", "2", "--nemesis", "skew", "--max-skew", "7ms", "--ops", "400"},
	{"--strategy", "dvv", "--seed", "4", "--drop", "0.2", "--timeout", "20ms", "--ops", "400"},
}

var (
	// A run folder's name: <name>-<UTC time>[-n].
	runName = regexp.MustCompile(`[a-z-]+-\d{8}T\d{6}Z(-\d+)?`)
	// A wall-clock start time, as run.json, metadata.json and report.html
	// write it.
	wallTime = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(Z| UTC|[+-]\d{2}:\d{2})?`)
	// The build, as run.json records it: a revision changes with every
	// commit.
	buildVersion = regexp.MustCompile(`"version": "[^"]*"`)
)

// normalize removes what legitimately differs between two runs of the same
// seed: the temporary folder, run folder names, wall-clock start times and
// the build's version.
func normalize(b []byte, out string) []byte {
	s := strings.ReplaceAll(string(b), out, "OUT")
	s = runName.ReplaceAllString(s, "RUN")
	s = wallTime.ReplaceAllString(s, "TIME")
	s = buildVersion.ReplaceAllString(s, `"version": "VERSION"`)
	return []byte(s)
}

func hash(b []byte) string { return fmt.Sprintf("%x", sha256.Sum256(b)) }

func TestGolden(t *testing.T) {
	got := map[string]string{}
	record := func(name string, b []byte, out string) { got[name] = hash(normalize(b, out)) }

	for i, args := range goldenChecks {
		out := t.TempDir()
		name := fmt.Sprintf("check%02d", i)
		code, stdout, stderr := invoke(append([]string{"check", "--out", out}, args...)...)
		require.Contains(t, []int{exitValid, exitInvalid}, code, "%s %v: %s", name, args, stderr)
		record(name+" stdout", []byte(fmt.Sprintf("exit %d\n%s", code, stdout)), out)
		dir, err := filepath.EvalSymlinks(filepath.Join(out, "latest"))
		require.NoError(t, err)
		files, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, f := range files {
			b, err := os.ReadFile(filepath.Join(dir, f.Name()))
			require.NoError(t, err)
			record(name+" "+f.Name(), b, out)
		}
		code, stdout, _ = invoke("analyze", "--json", dir)
		record(name+" analyze", []byte(fmt.Sprintf("exit %d\n%s", code, stdout)), out)
	}

	code, stdout, _ := invoke("demo", "--strategy", "lww,lamport,truetime,vv,vv-pruned,dvv", "--scenario", "skew,tombstone,siblings,prune")
	record("demo stdout", []byte(fmt.Sprintf("exit %d\n%s", code, stdout)), "")

	out := t.TempDir()
	code, stdout, _ = invoke("matrix", "--seeds", "2", "--ops", "200", "--out", out)
	record("matrix stdout", []byte(fmt.Sprintf("exit %d\n%s", code, stdout)), out)
	for _, f := range []string{"matrix.md", "matrix.json", "run.json"} {
		b, err := os.ReadFile(filepath.Join(kindFolder(t, out, runs.KindMatrix), f))
		require.NoError(t, err)
		record("matrix "+f, b, out)
	}

	out = t.TempDir()
	code, stdout, _ = invoke("metadata", "--nodes", "3,5", "--ops", "200", "--out", out)
	record("metadata stdout", []byte(fmt.Sprintf("exit %d\n%s", code, stdout)), out)
	require.NoError(t, filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Type()&os.ModeSymlink != 0 {
			return err
		}
		rel, _ := filepath.Rel(out, path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		record("metadata "+filepath.ToSlash(runName.ReplaceAllString(rel, "RUN")), b, out)
		return nil
	}))

	if *update {
		var b strings.Builder
		for _, k := range slices.Sorted(maps.Keys(got)) {
			fmt.Fprintf(&b, "%s %s\n", got[k], k)
		}
		require.NoError(t, os.MkdirAll(filepath.Dir(goldenFile), 0o755))
		require.NoError(t, os.WriteFile(goldenFile, []byte(b.String()), 0o644))
		return
	}
	f, err := os.Open(goldenFile)
	require.NoError(t, err, "no golden file: run go test ./cmd/clockwise -run TestGolden -update")
	defer f.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), " ")
		require.True(t, ok, "malformed golden line %q", sc.Text())
		want[name] = sum
	}
	require.NoError(t, sc.Err())
	for name, sum := range want {
		assert.Equal(t, sum, got[name], "%s changed", name)
	}
	for name := range got {
		_, ok := want[name]
		assert.True(t, ok, "%s is new: regenerate %s with -update", name, goldenFile)
	}
}
