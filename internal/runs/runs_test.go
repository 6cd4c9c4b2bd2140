package runs

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/histories"
)

var started = time.Date(2026, 3, 1, 10, 4, 5, 0, time.UTC)

func TestNewNamesFoldersAndPointPointsLatest(t *testing.T) {
	root := filepath.Join(t.TempDir(), "runs")
	first, err := New(root, "lww", started)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(root, "lww-20260301T100405Z"), first)
	second, err := New(root, "lww", started.In(time.FixedZone("east", 3600)))
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(root, "lww-20260301T100405Z-2"), second, "the same second: a suffix, and the name is in UTC")
	third, err := New(root, "lww", started)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(root, "lww-20260301T100405Z-3"), third)

	_, err = os.Lstat(filepath.Join(root, Latest))
	require.ErrorIs(t, err, os.ErrNotExist, "New leaves latest to Point")
	require.NoError(t, Point(second))
	require.NoError(t, Point(third))
	link, err := os.Readlink(filepath.Join(root, Latest))
	require.NoError(t, err)
	assert.Equal(t, "lww-20260301T100405Z-3", link, "latest is relative, so the runs folder can move")
	st, err := os.Stat(filepath.Join(root, Latest))
	require.NoError(t, err)
	assert.True(t, st.IsDir())

	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	assert.Len(t, entries, 4, "three folders and latest: no temporary link is left")

	require.NoError(t, os.WriteFile(filepath.Join(root, "file"), nil, 0o644))
	_, err = New(filepath.Join(root, "file"), "lww", started)
	assert.ErrorContains(t, err, "runs: ")
}

func TestCreateFileReportsTheFirstError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	require.NoError(t, CreateFile(path, func(w io.Writer) error {
		_, err := io.WriteString(w, "hello\n")
		return err
	}))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "hello\n", string(b))

	boom := errors.New("boom")
	assert.ErrorIs(t, CreateFile(path, func(io.Writer) error { return boom }), boom)
	assert.Error(t, CreateFile(filepath.Join(dir, "no", "such", "folder"), func(io.Writer) error { return nil }))
}

func TestWriteAndReadARun(t *testing.T) {
	dir := t.TempDir()
	info := Info{Strategy: "vv", Nemesis: "skew", Seed: 7, Nodes: 3, Command: "clockwise check --strategy vv --seed 7",
		Started: started, Virtual: time.Second, Converged: true, Valid: true,
		Summary: checker.Summary{Acknowledged: 4, Linearizable: checker.Answer(checker.Valid), LostByKind: map[checker.LostKind]int{}}}
	require.NoError(t, WriteJSON(filepath.Join(dir, InfoFile), info))
	got, err := ReadInfo(dir)
	require.NoError(t, err)
	assert.Equal(t, info, got)
	assert.True(t, Has(dir, InfoFile))
	assert.False(t, Has(dir, ResultsFile))

	h := []histories.Event{{Index: 0, Process: "c1", Type: histories.Invoke, F: histories.Read, Key: "x"}}
	require.NoError(t, Record(filepath.Join(dir, HistoryFile), func(w *histories.Writer) error {
		for i := range h {
			if err := w.Write(&h[i]); err != nil {
				return err
			}
		}
		return w.Flush()
	}))
	path, err := ResolveHistory(dir)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, HistoryFile), path)
	back, err := histories.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, h, back)
	same, err := ResolveHistory(path)
	require.NoError(t, err)
	assert.Equal(t, path, same, "a history file is its own path")
}

func TestReadingSaysWhatIsWrongWithTheFolder(t *testing.T) {
	dir := t.TempDir()
	_, err := ResolveHistory(dir)
	assert.ErrorContains(t, err, "is a folder without a history.jsonl")
	_, err = ResolveHistory(filepath.Join(dir, "missing.jsonl"))
	assert.ErrorContains(t, err, "missing.jsonl")

	_, err = ReadFile(dir, ReportFile)
	assert.ErrorContains(t, err, "is not a complete run folder: it has no report.txt")
	_, err = ReadFile(filepath.Join(dir, "nope"), ReportFile)
	assert.ErrorContains(t, err, "no such file")
	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	_, err = ReadFile(file, ReportFile)
	assert.ErrorContains(t, err, "is not a run folder")

	require.NoError(t, os.WriteFile(filepath.Join(dir, InfoFile), []byte("{"), 0o644))
	_, err = ReadInfo(dir)
	assert.ErrorContains(t, err, filepath.Join(dir, InfoFile))
}

// Runs finishing at once each replace latest; none fails, and latest
// always names one of them, whole.
func TestPointIsAtomicUnderConcurrentRuns(t *testing.T) {
	root := t.TempDir()
	const n = 16
	dirs := make([]string, n)
	for i := range dirs {
		var err error
		dirs[i], err = New(root, "lww", started)
		require.NoError(t, err)
	}
	stop := make(chan struct{})
	seen := make(chan error, 1)
	go func() { // a reader: latest is never missing once it exists
		defer close(seen)
		existed := false
		for {
			select {
			case <-stop:
				return
			default:
			}
			_, err := os.Readlink(filepath.Join(root, Latest))
			if err != nil && (existed || !errors.Is(err, os.ErrNotExist)) {
				seen <- err
				return
			}
			existed = existed || err == nil
		}
	}()
	errs := make(chan error, n*20)
	for round := range 20 {
		done := make(chan struct{})
		for _, d := range dirs {
			go func() { errs <- Point(d); done <- struct{}{} }()
		}
		for range dirs {
			<-done
		}
		// after the first round, the link must exist between rounds
		_, err := os.Readlink(filepath.Join(root, Latest))
		require.NoError(t, err, "round %d", round)
	}
	close(stop)
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, <-seen)
	link, err := os.Readlink(filepath.Join(root, Latest))
	require.NoError(t, err)
	assert.Contains(t, dirs, filepath.Join(root, link))
}

// Histories takes files as they are, a run folder as itself, and any other
// folder as its files of the extension, in order; an empty folder is an
// error that says what it lacks.
func TestHistoriesListsFilesAndFolders(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	corpus := filepath.Join(dir, "corpus")
	for _, p := range []string{filepath.Join(run, HistoryFile), filepath.Join(corpus, "b.edn"), filepath.Join(corpus, "sub", "a.edn"), filepath.Join(corpus, "notes.txt")} {
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, nil, 0o644))
	}
	paths, many, err := Histories([]string{run}, "clockwise", ".jsonl", true)
	require.NoError(t, err)
	assert.Equal(t, []string{run}, paths)
	assert.False(t, many)
	paths, many, err = Histories([]string{corpus}, "edn", ".edn", false)
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(corpus, "b.edn"), filepath.Join(corpus, "sub", "a.edn")}, paths)
	assert.True(t, many)
	_, _, err = Histories([]string{corpus}, "clockwise", ".jsonl", true)
	assert.ErrorContains(t, err, corpus+" holds no clockwise history (no *.jsonl file under it, and it is not a run folder: it has no history.jsonl)")
}
