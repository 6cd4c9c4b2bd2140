package experiment

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/checker/stats"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/runs"
)

// A cell adds up its trials' counts and pools their write times.
func TestCellSumsItsTrials(t *testing.T) {
	c := &Cell{Strategy: "lww", Nemesis: "skew", Runs: []Trial{
		{Summary: checker.Summary{Acknowledged: 10, Lost: 3, SkewLost: 1, Racing: 1, Overwritten: 1, Stale: 1, Stamped: 10, External: 2, LinearKeys: 3,
			NonLinearizable: 1, SiblingReads: 4, LostByKind: map[checker.LostKind]int{checker.ConcurrentDropped: 2, checker.OverwrittenByOlder: 1},
			MetaBytes: stats.Bytes{Writes: 2, Total: 20, Mean: 10, Max: 12}},
			waits: []int64{1e6, 2e6}, latencies: []int64{10e6, 20e6}},
		{Summary: checker.Summary{Acknowledged: 5, Lost: 1, Overwritten: 1, LinearKeys: 3, LinearUnknown: 1,
			LostByKind: map[checker.LostKind]int{checker.ConcurrentDropped: 1},
			MetaBytes:  stats.Bytes{Writes: 2, Total: 40, Mean: 20, Max: 30}},
			waits: []int64{3e6}, latencies: []int64{30e6, 40e6, 50e6}},
	}}
	c.sum()
	trials := c.Runs
	c.Runs = nil
	assert.Equal(t, &Cell{
		Strategy: "lww", Nemesis: "skew", Acknowledged: 15, Lost: 4, SkewLost: 1, Racing: 1, Overwritten: 2, Stale: 1, Stamped: 10, External: 2,
		LostByKind:   map[checker.LostKind]int{checker.ConcurrentDropped: 3, checker.OverwrittenByOlder: 1},
		Linearizable: checker.Answer(checker.Invalid), Keys: 6, NonLinearizable: 1, LinearUnknown: 1,
		CommitWait:   stats.Latency{N: 3, P50: 2e6, P99: 3e6, Max: 3e6},
		WriteLatency: stats.Latency{N: 5, P50: 30e6, P99: 50e6, Max: 50e6},
		MetaBytes:    stats.Bytes{Writes: 4, Total: 60, Mean: 15, Max: 30},
		SiblingReads: 4,
	}, c)
	c.Runs = trials
	assert.Equal(t, []string{"lww", "skew", "15", "4", "1", "1", "2", "0", "1", "3", "0", "0", "1", "2 of 10", "no (1 of 6 keys)",
		"2ms / 3ms", "30ms / 50ms", "15.0 (30)", "4"}, c.Figures())
	assert.Equal(t, "4 of 15 (skew 1; racing 1, later 2)", c.Grid())
}

func TestColumnsNamed(t *testing.T) {
	cols, err := ColumnsNamed([]string{"skew", "none"})
	require.NoError(t, err)
	assert.Equal(t, []string{"skew", "none"}, []string{cols[0].Name, cols[1].Name})
	_, err = ColumnsNamed([]string{"fire"})
	assert.ErrorContains(t, err, `"fire" is not a matrix column (known: none, skew,`)
}

// Each trial's configuration is the plan's, with its strategy, seed and
// column, and its replay command says so.
func TestTrialsReplayTheirConfiguration(t *testing.T) {
	small, err := ColumnsNamed([]string{"small-skew"})
	require.NoError(t, err)
	p := MatrixPlan{Config: harness.DefaultConfig(), Flags: []string{"--ops", "200"}}
	tr, err := newTrial(p, "truetime", small[0], 4)
	require.NoError(t, err)
	assert.Equal(t, "clockwise check --strategy truetime --seed 4 --nemesis skew --ops 200 --max-skew 7ms", tr.Command)
	assert.Equal(t, 7*time.Millisecond, tr.cfg.Nemesis.MaxSkew)
	assert.Equal(t, []string{"skew"}, tr.cfg.Nemesis.Kinds)
	assert.Equal(t, uint64(4), tr.cfg.Seed)

	p.Config.Nemesis.Skew = map[string]int64{"n1": int64(time.Second)}
	tr, err = newTrial(p, "lww", small[0], 1)
	require.NoError(t, err)
	assert.Equal(t, []string{"--skew", "", "--max-skew", "7ms"}, tr.Args[len(tr.Args)-4:])
	assert.Contains(t, tr.Command, "--skew '' --max-skew 7ms", "fixed offsets would ignore the bound")
	assert.Empty(t, tr.cfg.Nemesis.Skew)

	p.Config.Options.Epsilon = 0
	tr, err = newTrial(p, "lww", small[0], 1)
	require.NoError(t, err)
	assert.Equal(t, []string{"--nemesis", "none"}, tr.Args[len(tr.Args)-2:])
	assert.Empty(t, tr.cfg.Nemesis.Kinds, "skew bounded by 0 is no skew")
}

func TestShellQuote(t *testing.T) {
	assert.Equal(t, "n1=+5s,n2=-1s", ShellQuote("n1=+5s,n2=-1s"))
	assert.Equal(t, "''", ShellQuote(""))
	assert.Equal(t, `'a b'`, ShellQuote("a b"))
	assert.Equal(t, `'it'\''s'`, ShellQuote("it's"))
}

// A check writes its whole run folder, without any command line.
func TestCheckWritesTheRunFolder(t *testing.T) {
	cfg := harness.DefaultConfig()
	cfg.Ops, cfg.Nodes, cfg.Nemesis.Kinds = 60, 1, nil
	cfg.Strategy = "vv"
	r, err := CheckStages(t.TempDir(), cfg, "clockwise check --strategy vv", checker.Options{}, Hooks{})
	require.NoError(t, err)
	for _, f := range []string{runs.HistoryFile, runs.ResultsFile, runs.ReportFile, runs.InfoFile, runs.HTMLFile} {
		assert.FileExists(t, filepath.Join(r.Dir, f))
	}
	assert.Equal(t, filepath.Join(r.Dir, runs.HTMLFile), r.HTML)
	assert.NotEmpty(t, r.Result.NonLinearizable(), "one node keeps vv's siblings: no register")
	assert.NoFileExists(t, filepath.Join(r.Dir, runs.LinearFile), "porcupine's page leaves out keys whose reads returned siblings")
	assert.Empty(t, r.Result.Visualization)
	info, err := runs.ReadInfo(r.Dir)
	require.NoError(t, err)
	assert.Equal(t, r.Info, info)
	assert.Equal(t, "none", info.Nemesis)
	text, err := os.ReadFile(filepath.Join(r.Dir, runs.ReportFile))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(text), "clockwise: strategy vv, nemesis none, seed 1\n"))

	j, err := Judge(r.Dir, checker.Options{})
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(r.Dir, runs.HistoryFile), j.Path)
	assert.Equal(t, "clockwise check --strategy vv", j.Command)
	assert.Empty(t, j.Result.Visualization, "no page was written")
	assert.Equal(t, r.Result, j.Result, "judged again, the stored history gives the same result")
	_, err = Judge(t.TempDir(), checker.Options{})
	assert.ErrorContains(t, err, "without a history.jsonl")
}

func TestDemoTellsEachPlayAndTabulates(t *testing.T) {
	plays, err := ScenariosNamed([]string{"skew"})
	require.NoError(t, err)
	_, err = ScenariosNamed([]string{"skew", "fire"})
	assert.ErrorContains(t, err, `no scenario "fire" (known: skew, tombstone,`)
	var b bytes.Buffer
	require.NoError(t, Demo(&b, plays, []string{"lww", "vv"}))
	out := b.String()
	assert.Equal(t, 2, strings.Count(out, "━━ scenario skew · strategy"))
	assert.Contains(t, out, "━━ scenario skew · side by side")
	b.Reset()
	require.NoError(t, Demo(&b, []harness.Scenario{harness.SkewScenario()}, []string{"vv"}))
	assert.NotContains(t, b.String(), "side by side", "one strategy, no table")
}

// --cluster names the local cluster or node URLs, and nothing else.
func TestClusterURLs(t *testing.T) {
	urls, err := Cluster{Spec: Local}.URLs()
	require.NoError(t, err)
	assert.Nil(t, urls)
	urls, err = Cluster{Spec: "http://a:1/, https://b:2"}.URLs()
	require.NoError(t, err)
	assert.Equal(t, []string{"http://a:1", "https://b:2"}, urls)
	for _, bad := range []string{"", "a:1", "http://a:1,", "locale"} {
		_, err := Cluster{Spec: bad}.URLs()
		assert.Error(t, err, "%q", bad)
	}
}

// Judge reads a history as it goes, yet reports errors as if it had read
// it whole first: a malformed line anywhere before a malformed sequence of
// operations, and an operation's error at the line of its event.
func TestJudgeNamesTheLine(t *testing.T) {
	dir := t.TempDir()
	write := func(lines ...string) string {
		path := filepath.Join(dir, "h.jsonl")
		require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
		return path
	}
	orphan := `{"index":0,"time":1,"process":"c1","type":"ok","f":"read","key":"x","node":"n1","versions":[]}`
	good := `{"index":1,"time":2,"process":"c2","type":"invoke","f":"read","key":"x","node":"n1"}`
	_, err := Judge(write(orphan, good, `{"index":2,"time":"late"}`), checker.Options{})
	var le *histories.LineError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, 3, le.Line, "the malformed line, though the sequence broke first: %v", err)
	assert.Equal(t, "time", le.Field)

	invoke := `{"index":0,"time":1,"process":"c2","type":"invoke","f":"read","key":"x","node":"n1"}`
	stray := `{"index":1,"time":2,"process":"c1","type":"ok","f":"read","key":"x","node":"n1","versions":[]}`
	_, err = Judge(write(invoke, "", stray), checker.Options{})
	require.ErrorAs(t, err, &le)
	assert.Equal(t, 3, le.Line, "the blank line counts: %v", err)
	assert.Contains(t, err.Error(), "event 1")
}

func TestSplitShell(t *testing.T) {
	for _, words := range [][]string{
		{"clockwise", "check", "--skew", "n1=+5s", "--mix", "read=1, rw=2"},
		{"a'b", "", "x y'z"},
	} {
		var quoted []string
		for _, w := range words {
			quoted = append(quoted, ShellQuote(w))
		}
		got, err := SplitShell(strings.Join(quoted, " "))
		require.NoError(t, err)
		assert.Equal(t, words, got)
	}
	_, err := SplitShell("clockwise 'check")
	assert.Error(t, err)
}

func TestEventLinesNameTheLineOfEachEvent(t *testing.T) {
	// Events on lines 1, 2, 4, 5, 8 (lines 3, 6 and 7 blank).
	var l eventLines
	want := []int{1, 2, 4, 5, 8}
	for _, line := range want {
		l.add(line)
	}
	require.Equal(t, len(want), l.events)
	for i, line := range want {
		assert.Equal(t, line, l.line(i), "event %d", i)
	}
	assert.Len(t, l.from, 2, "kept only where a skipped line shifts the count")
}
