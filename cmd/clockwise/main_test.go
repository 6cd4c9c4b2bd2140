package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/internal/runs"
)

// invoke runs the command line in-process.
func invoke(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestBadFlagsExit2WithUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "--seed", "abc"}, `"--seed"`},
		{[]string{"check", "--nodes", "0"}, "--nodes"},
		{[]string{"check", "--strategy", "nope"}, "--strategy"},
		{[]string{"check", "--nemesis", "skew,fire"}, "--nemesis"},
		{[]string{"check", "--skew", "n7=+5s"}, "--skew"},
		{[]string{"check", "--skew", "n1=soon"}, "--skew"},
		{[]string{"check", "--drop", "1.5"}, "--drop"},
		{[]string{"check", "--mix", "read=1,write=2"}, "--mix"},
		{[]string{"check", "--gate", "everything"}, "--gate"},
		{[]string{"check", "--bogus"}, "--bogus"},
		{[]string{"check", "--nemesis", "skew,kill"}, "--nemesis: the kill fault needs real processes (--cluster local)"},
		{[]string{"sweep", "--nemesis", "kill", "--out", os.DevNull}, "--nemesis: the kill fault needs real processes, which only 'clockwise check --cluster' runs"},
		{[]string{"metadata", "--nemesis", "skew,kill", "--out", os.DevNull}, "--nemesis: the kill fault needs real processes"},
		{[]string{"check", "--cluster", "local", "--drop", "0.1"}, "--drop"},
		{[]string{"check", "--cluster", "n1:7001"}, "--cluster"},
		{[]string{"check", "--w", "0"}, "--w"},
		{[]string{"check", "--w", "4"}, "w is 4"},
		{[]string{"analyze"}, "arg"},
		{[]string{"demo", "--strategy", "nope"}, "--strategy"},
		{[]string{"frobnicate"}, "unknown command"},
		{[]string{"check", "--think", "2562047h"}, "invalid --think: 2562047h0m0s: must be at most 10s"},
		{[]string{"check", "--epsilon", "2562047h"}, "invalid --epsilon"},
		{[]string{"check", "--drop", "NaN"}, "invalid --drop: NaN"},
		{[]string{"check", "--skew", "n1=+1s,n1=-1s"}, "invalid --skew: clock: n1 is given two offsets"},
		{[]string{"check", "--nemesis", ""}, "invalid --nemesis: empty"},
		{[]string{"check", "--limit", "-1"}, "invalid --limit: -1"},
		{[]string{"analyze", "--limit", "-1", "x"}, "invalid --limit: -1"},
		{[]string{"check", "--seed", "-1"}, `"-1" is not a seed: a seed is a whole number from 0 to 18446744073709551615`},
		{[]string{"matrix", "--seed", "-1"}, `"-1" is not a seed`},
		{[]string{"analyze", "--format", "csv", "x"}, "invalid --format"},
		{[]string{"analyze", "--format", "edn", "--gate", "stale", "x"}, "invalid --gate"},
		{[]string{"node", "--id", "n1", "--listen", "0.0.0.0:0", "--token", ""}, "refusing to listen on 0.0.0.0:0 without a token: 0.0.0.0 listens on every interface"},
		{[]string{"node", "--id", "n1", "--listen", ":0", "--token", ""}, "refusing to listen on :0 without a token: an empty host listens on every interface"},
		{[]string{"node", "--id", "n1", "--listen", "[::]:0", "--token", ""}, "pass --token (or set CLOCKWISE_TOKEN) on every node, or listen on 127.0.0.1"},
		{[]string{"node", "--id", "n1", "--max-conns", "0"}, "--max-conns"},
		{[]string{"check", "--token", "x"}, "invalid --token"},
		{[]string{"check", "--db", "redis", "--strategy", "lww"}, "invalid --strategy: --db tests a database's own way"},
		{[]string{"check", "--db", "redis", "--db-addrs", "127.0.0.1:26379"}, "invalid --db-addrs: Redis is tested only as clockwise starts it"},
		{[]string{"check", "--db", "mongo"}, "invalid --db"},
		{[]string{"check", "--workload", "set"}, "add --db"},
		{[]string{"check", "--net", "filter"}, "invalid --net: it chooses how a local cluster's partitions cut its links; add --cluster local"},
		{[]string{"check", "--cluster", "http://127.0.0.1:1", "--net", "filter"}, "invalid --net: it chooses how a local cluster's partitions cut its links; a remote cluster"},
		{[]string{"check", "--cluster", "local", "--net", "kernel"}, `invalid --net: "kernel": want proxy or filter`},
		{[]string{"check", "--db", "etcd", "--net", "filter"}, "invalid --net: it chooses how --cluster local cuts its links"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := invoke(tc.args...)
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tc.want)
			assert.Contains(t, stderr, "usage: ")
			assert.NotContains(t, stderr, "strconv", "a flag's error says what it wants, in words")
		})
	}
}

func TestMalformedHistoryExit2NamingLineAndField(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "history.jsonl")
	body := `{"index":0,"time":0,"process":"c1","type":"invoke","f":"read","key":"x","node":"n1"}
{"index":1,"time":"late","process":"c1","type":"ok","f":"read","key":"x","node":"n1"}
`
	require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
	code, stdout, stderr := invoke("analyze", path)
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, `line 2: field "time"`)
	assert.NotContains(t, stderr, "usage:", "bad input is not bad usage")

	code, _, stderr = invoke("analyze", filepath.Join(dir, "missing.jsonl"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "missing.jsonl")

	code, _, stderr = invoke("analyze", t.TempDir())
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "holds no clockwise history (no *.jsonl file under it, and it is not a run folder: it has no history.jsonl)")
}

func TestCheckWritesARunFolderAndAnalyzeAgrees(t *testing.T) {
	out := t.TempDir()
	for strategy, want := range map[string]int{"lww": exitInvalid, "vv": exitValid} {
		code, stdout, stderr := invoke("check", "--strategy", strategy, "--ops", "300", "--out", out)
		require.Equal(t, want, code, "stderr: %s", stderr)
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		require.Greater(t, len(lines), 2)
		replay := slices.Index(lines, "seed 1; replay: clockwise check --strategy "+strategy+" --seed 1 --ops 300")
		require.Positive(t, replay, "the replay command, above the verdict:\n%s", stdout)
		verdict := strings.Join(strings.Fields(strings.Join(lines[replay+1:], " ")), " ")
		if want == exitInvalid {
			assert.Regexp(t, `^INVALID: \d+ acknowledged writes? lost to clock skew; \d+ more dropped as concurrent writes? \(\d+ racing, \d+ overwritten by later writes? that never read (it|them)\)$`, verdict, "the verdict comes last")
			assert.Contains(t, stdout, "Lost writes (3 of ")
			assert.Contains(t, stdout, "report.txt (every finding as text)")
		} else {
			assert.Regexp(t, `^VALID: `, verdict, "the verdict comes last")
		}

		dir, err := filepath.EvalSymlinks(filepath.Join(out, runs.Latest))
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(filepath.Base(dir), strategy+"-"))
		for _, f := range []string{runs.HistoryFile, runs.ResultsFile, runs.ReportFile, runs.InfoFile} {
			assert.FileExists(t, filepath.Join(dir, f))
		}
		var stored checker.Result
		b, err := os.ReadFile(filepath.Join(dir, runs.ResultsFile))
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, &stored))
		report, err := os.ReadFile(filepath.Join(dir, runs.ReportFile))
		require.NoError(t, err)
		assert.Contains(t, string(report), "replay: clockwise check")

		code, stdout, _ = invoke("analyze", "--json", dir)
		assert.Equal(t, want, code)
		var again checker.Result
		require.NoError(t, json.Unmarshal([]byte(stdout), &again))
		// check names porcupine's page relative to the run folder; analyze
		// gives its path from where it was called.
		if stored.Visualization != "" {
			assert.Equal(t, filepath.Join(dir, stored.Visualization), filepath.Join(filepath.Dir(again.Visualization), stored.Visualization))
		} else {
			assert.Empty(t, again.Visualization)
		}
		stored.Visualization, again.Visualization = "", ""
		assert.Equal(t, stored, again, "analyze re-derives the stored verdict")
	}
}

func TestReplayIsByteForByte(t *testing.T) {
	out := t.TempDir()
	read := func() []byte {
		b, err := os.ReadFile(filepath.Join(out, runs.Latest, runs.HistoryFile))
		require.NoError(t, err)
		return b
	}
	invoke("check", "--strategy", "lww", "--seed", "9", "--ops", "200", "--nemesis", "skew,strobe,partition", "--out", out)
	first := read()
	invoke("check", "--strategy", "lww", "--seed", "9", "--ops", "200", "--nemesis", "skew,strobe,partition", "--out", out)
	assert.Equal(t, first, read())
}

func TestDemo(t *testing.T) {
	code, a, stderr := invoke("demo")
	require.Equal(t, exitValid, code, stderr)
	_, b, _ := invoke("demo")
	assert.Equal(t, a, b, "the demo is scripted: the same output every run")
	skew, _, ok := strings.Cut(a, "━━ scenario skew · side by side")
	require.True(t, ok)
	lww, vv, ok := strings.Cut(skew, "strategy vv")
	require.True(t, ok)
	assert.Contains(t, lww, "(w2) via n2, read [w1]")
	assert.Regexp(t, `write x=b \(w2\).*ok ts \d+  ← acknowledged, then LOST to clock skew \(stamped below w1; overwritten-by-older\)`, lww)
	assert.Regexp(t, `write y=d \(w4\).*ok ts \d+  ← acknowledged, then LOST \(concurrent-dropped\)`, lww)
	assert.Contains(t, lww, "x → [w1=a] on n1 n2 n3")
	assert.Contains(t, vv, "w3 ∥ w4  concurrent")
	assert.Contains(t, vv, "y → [w3=c w4=d] on n1 n2 n3")
	assert.Contains(t, vv, "x → [w2=b] on n1 n2 n3")
	assert.Contains(t, vv, "VALID")
	assert.NotContains(t, vv, "LOST")
}

func TestVersion(t *testing.T) {
	code, stdout, _ := invoke("--version")
	assert.Equal(t, exitValid, code)
	assert.Regexp(t, `^clockwise \S.*\n$`, stdout)

	out := t.TempDir()
	invoke("check", "--strategy", "vv", "--ops", "50", "--out", out)
	info, err := runs.ReadInfo(filepath.Join(out, runs.Latest))
	require.NoError(t, err)
	assert.Equal(t, strings.TrimSpace(strings.TrimPrefix(stdout, "clockwise ")), info.Version, "run.json names the build")
}

// A folder that cannot be written is no usage error: the message says
// what failed, and no usage line follows.
func TestIOErrorsAreNotUsageErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	code, stdout, stderr := invoke("check", "--ops", "20", "--out", filepath.Join(file, "runs"))
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "clockwise: runs: mkdir "+file)
	assert.NotContains(t, stderr, "usage:")

	// So in a subcommand: sweep merge into a folder that cannot be made.
	sweep := filepath.Join(t.TempDir(), "sweep")
	code, _, stderr = invoke("sweep", "--strategy", "vv", "--seeds", "1", "--ops", "20", "--dir", sweep)
	require.Equal(t, exitValid, code, stderr)
	code, _, stderr = invoke("sweep", "merge", sweep, "--dir", filepath.Join(file, "merged"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "clockwise: runs: mkdir "+file)
	assert.NotContains(t, stderr, "usage:")

	// A run whose recorded command has a bad flag is bad input, not bad
	// usage of shrink.
	run := filepath.Join(t.TempDir(), "run")
	require.NoError(t, os.MkdirAll(run, 0o755))
	require.NoError(t, runs.WriteJSON(filepath.Join(run, runs.InfoFile), runs.Info{Strategy: "lww", Command: "clockwise check --nodes 0"}))
	code, _, stderr = invoke("shrink", run)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "run.json's command: invalid --nodes")
	assert.NotContains(t, stderr, "usage:")
}

// check --json prints the result analyze --json prints for the same run.
func TestCheckJSONIsAnalyzeJSON(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := invoke("check", "--strategy", "lww", "--ops", "200", "--json", "--out", out)
	require.Equal(t, exitInvalid, code, stderr)
	var fromCheck, fromAnalyze checker.Result
	require.NoError(t, json.Unmarshal([]byte(stdout), &fromCheck), "stdout is one JSON object: %s", stdout)
	code, stdout, _ = invoke("analyze", "--json", filepath.Join(out, runs.Latest))
	require.Equal(t, exitInvalid, code)
	require.NoError(t, json.Unmarshal([]byte(stdout), &fromAnalyze))
	fromCheck.Visualization, fromAnalyze.Visualization = "", ""
	assert.Equal(t, fromCheck, fromAnalyze)
	info, err := runs.ReadInfo(filepath.Join(out, runs.Latest))
	require.NoError(t, err)
	assert.NotContains(t, info.Command, "--json", "the replay command leaves output flags out")
}

// Checks running at once into one runs folder each write a complete folder
// of their own, and latest ends up naming one of them.
func TestParallelChecksShareARunsFolder(t *testing.T) {
	out := t.TempDir()
	const n = 6
	codes := make(chan int, n)
	for i := range n {
		go func() {
			code, _, _ := invoke("check", "--strategy", "vv", "--ops", "60", "--seed", itoa(i+1), "--out", out)
			codes <- code
		}()
	}
	for range n {
		assert.Equal(t, exitValid, <-codes)
	}
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	var folders []string
	for _, e := range entries {
		if e.IsDir() {
			folders = append(folders, e.Name())
			for _, f := range []string{runs.HistoryFile, runs.ResultsFile, runs.ReportFile, runs.InfoFile, runs.HTMLFile} {
				assert.FileExists(t, filepath.Join(out, e.Name(), f))
			}
		} else {
			assert.Equal(t, runs.Latest, e.Name(), "no temporary link is left behind")
		}
	}
	assert.Len(t, folders, n)
	link, err := os.Readlink(filepath.Join(out, runs.Latest))
	require.NoError(t, err)
	assert.Contains(t, folders, link)
}

// --net filter is an explicit request: where packet filter rules cannot be
// made (here: no nft command on the PATH) the check fails at once with the
// reason, before it starts a node or writes a run folder.
func TestCheckNetFilterWithoutNftExit2(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	out := t.TempDir()
	code, stdout, stderr := invoke("check", "--cluster", "local", "--net", "filter", "--out", out)
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, stdout)
	if os.Geteuid() == 0 {
		assert.Contains(t, stderr, "invalid --net filter: the nft command is missing")
	} else {
		assert.Contains(t, stderr, "invalid --net filter: packet filter rules need root")
	}
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Empty(t, entries, "no run folder")
}
