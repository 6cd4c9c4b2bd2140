package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Each history in testdata/verdicts is a case the checker once passed
// although it could not know, or although a read contradicted a write.
// Each must get its verdict and exit code, and say why.
func TestBlindSpotHistories(t *testing.T) {
	for _, tc := range []struct {
		file string
		args []string // more flags for analyze
		code int
		want []string // in the output
	}{
		{"no-final-reads", nil, exitUnknown, []string{"UNKNOWN: no final reads at all", "the writes of x cannot be judged on n1, n2"}},
		{"lww-cut-before-final-reads", nil, exitUnknown, []string{"UNKNOWN: no final reads at all", "the writes of k1, k2, k3 cannot be judged on n1, n2, n3"}},
		{"final-reads-timed-out", nil, exitUnknown, []string{"UNKNOWN: no final read of x from n1 (timed out or its outcome is unknown: timeout), n2 (timed out or its outcome is unknown: timeout): its lost writes cannot be judged"}},
		{"final-reads-other-key", nil, exitUnknown, []string{"UNKNOWN: no final read of x from n1, n2"}},
		{"final-read-failed-on-one-node", nil, exitUnknown, []string{"UNKNOWN: no final read of x from n2 (failed: unavailable)", "whether that node agrees"}},
		{"final-read-missing-on-one-node", nil, exitUnknown, []string{"UNKNOWN: no final read of x from n3:"}},
		{"phantom-without-final-reads", nil, exitInvalid, []string{"INVALID: 1 phantom versions read", "also undecided: no final reads"}},
		{"corrupted-value", nil, exitInvalid, []string{"INVALID: 1 corrupted versions read", `returned w1 as the value "pear", but w1 wrote the value "apple"`}},
		{"corrupted-write-as-tombstone", nil, exitInvalid, []string{"corrupted versions read", "returned w1 as a tombstone (deleted), but w1 wrote the value \"1\""}},
		{"corrupted-tombstone-as-value", nil, exitInvalid, []string{"corrupted versions read", `returned d2 as the value "1", but d2 wrote a tombstone`}},
		{"read-lists-a-version-twice", nil, exitInvalid, []string{"INVALID: 1 versions listed more than once by a read",
			"Versions a read listed twice:", "- w1 on x read at event 2 (1 reads): c2's read of x at event 3 returned w1 2 times: [w1, w1]"}},
		{"future-read", nil, exitInvalid, []string{"INVALID: 1 reads returned a write invoked after they completed", "w2 was only invoked at event 6"}},
		{"info-write-seen-then-lost", nil, exitInvalid, []string{"INVALID: 0 acknowledged writes lost to clock skew; 1 dropped as a concurrent write (0 racing, 1 overwritten by a later write that never read it)",
			"1 of 2 writes (1 acknowledged, 1 indeterminate but read) lost",
			"w1's outcome was unknown (info), but a read returned it, so it happened."}},
		{"unconverged-agreeing", nil, exitUnknown, []string{"UNKNOWN: the replicas did not converge within 1m0s after every fault healed"}},
		{"unconverged-divergent", nil, exitInvalid, []string{"1 keys divergent after convergence", "also undecided: the replicas did not converge"}},
		{"lamport-tie", []string{"--gate", "external"}, exitValid, []string{"VALID: 2 acknowledged writes, none lost", "external consistency: 0 violations among 2"}},
		{"cut-last-line", nil, exitUnknown, []string{"the last line (line 6) is cut short: judged the 5 whole events before it",
			"UNKNOWN: no final read of x from n1 (never completed), n2:", "the last line (line 6) is cut short"}},
		{"cut-last-line-phantom", nil, exitInvalid, []string{"INVALID: 1 phantom versions read", "also undecided: the last line (line 6) is cut short"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			// --full: every finding explained, on unwrapped lines.
			args := append([]string{"analyze", "--full", filepath.Join("testdata", "verdicts", tc.file+".jsonl")}, tc.args...)
			code, stdout, stderr := invoke(args...)
			assert.Equal(t, tc.code, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			assert.Empty(t, stderr)
			for _, w := range tc.want {
				assert.Contains(t, stdout, w)
			}
		})
	}
}

// A write whose context names a version its process never read makes a
// malformed history: exit 2, naming the line and the field.
func TestContextNeverReadIsMalformed(t *testing.T) {
	code, stdout, stderr := invoke("analyze", filepath.Join("testdata", "verdicts", "context-never-read.jsonl"))
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, `line 3: field "context": event 2: c2's write w2 names w1, which no earlier read of x by c2 returned`)
}

// --gate skew fails a run on skew losses alone; lww without faults loses
// none to skew, so it passes under --gate skew although it drops concurrent
// writes, and fails without it.
func TestGateSkew(t *testing.T) {
	dir := t.TempDir()
	code, stdout, _ := invoke("check", "--strategy", "lww", "--nemesis", "none", "--ops", "200", "--out", dir, "--gate", "skew")
	assert.Equal(t, exitValid, code, stdout)
	assert.Contains(t, stdout, "VALID: 0 acknowledged writes lost to clock skew; ")
	assert.Contains(t, strings.Join(strings.Fields(stdout), " "), "(only losses to clock skew fail the run: --gate skew)")
	code, stdout, _ = invoke("check", "--strategy", "lww", "--nemesis", "none", "--ops", "200", "--out", dir)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, stdout, "INVALID: 0 acknowledged writes lost to clock skew; ")
	code, stdout, _ = invoke("check", "--strategy", "lww", "--nemesis", "skew", "--interval", "50ms", "--ops", "200", "--out", dir, "--gate", "skew")
	assert.Equal(t, exitInvalid, code, stdout)
	assert.Contains(t, strings.Join(strings.Fields(stdout), " "), "(gated by --gate skew: the other")
}

func TestBadHistoryLinesExit2(t *testing.T) {
	good := `{"index":0,"time":0,"process":"c1","type":"invoke","f":"read","key":"x","node":"n1"}` + "\n"
	for _, tc := range []struct {
		name, body, want string
	}{
		{"unknown f", good + `{"index":1,"time":1,"process":"c1","type":"ok","f":"raed","key":"x","node":"n1"}` + "\n",
			`line 2: field "f": is "raed", expected read, write or delete`},
		{"read ok without versions", good + `{"index":1,"time":1,"process":"c1","type":"ok","f":"read","key":"x","node":"n1"}` + "\n",
			`line 2: field "versions": missing (or null) on a read ok`},
		{"read ok with null versions", good + `{"index":1,"time":1,"process":"c1","type":"ok","f":"read","key":"x","node":"n1","versions":null}` + "\n",
			`line 2: field "versions": missing (or null) on a read ok`},
		{"a JSON array", `[{"index":0}]` + "\n", "line 1: expected an event, a JSON object, got JSON array"},
		{"missing key", good + `{"index":1,"time":1,"process":"c1","type":"ok","f":"read","node":"n1"}` + "\n",
			`line 2: field "key": missing on a read`},
		{"overlong line", good + `{"index":1,"time":1,"process":"c1","type":"ok","f":"read","key":"x","error":"` +
			strings.Repeat("x", 70<<20) + `"}` + "\n", "line 2: longer than 64 MiB"},
		{"pairing", good + `{"index":1,"time":1,"process":"c2","type":"ok","f":"read","key":"x","node":"n1","versions":[]}` + "\n",
			"line 2: event 1: c2 completes a read it never invoked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "history.jsonl")
			require.NoError(t, os.WriteFile(path, []byte(tc.body), 0o644))
			code, stdout, stderr := invoke("analyze", path)
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tc.want)
			assert.NotContains(t, stderr, "token too long")
		})
	}
}

// A history saved with a UTF-8 byte order mark reads as without one.
func TestByteOrderMarkAccepted(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "verdicts", "lamport-tie.jsonl"))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "history.jsonl")
	require.NoError(t, os.WriteFile(path, append([]byte("\xef\xbb\xbf"), b...), 0o644))
	code, stdout, stderr := invoke("analyze", path)
	assert.Equal(t, exitValid, code, stderr)
	assert.Contains(t, stdout, "VALID")
}

// analyze --format judges histories other tools wrote, with the same exit
// codes, and says which checks could not apply.
func TestAnalyzeImportedFormats(t *testing.T) {
	edn := func(name string) string { return filepath.Join("..", "..", "jepsen", "testdata", name) }
	code, stdout, stderr := invoke("analyze", "--format", "edn", edn("register-linearizable.edn"))
	assert.Equal(t, exitValid, code, stderr)
	assert.Contains(t, stdout, "VALID (Jepsen :valid? true)")
	assert.Contains(t, stdout, "checks that could not apply to this format:")
	assert.Contains(t, stdout, "lost writes: needs a unique id")

	code, stdout, _ = invoke("analyze", "--format", "edn", edn("register-stale-read.edn"))
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, stdout, "INVALID (Jepsen :valid? false)")

	code, stdout, stderr = invoke("analyze", "--format", "edn", edn("register-malformed.edn"))
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "line ")

	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/anishathalye/porcupine").Output()
	require.NoError(t, err)
	logs := filepath.Join(strings.TrimSpace(string(out)), "test_data", "jepsen")
	code, stdout, _ = invoke("analyze", "--format", "porcupine", "--json", filepath.Join(logs, "etcd_095.log"))
	assert.Equal(t, exitUnknown, code, "an empty log decides nothing: %s", stdout)
	assert.Contains(t, stdout, `"verdict": "unknown"`)
	code, stdout, _ = invoke("analyze", "--format", "porcupine", filepath.Join(logs, "etcd_000.log"))
	assert.Equal(t, exitInvalid, code, "porcupine's own test finds etcd_000 not linearizable")
	assert.Contains(t, stdout, "INVALID (Jepsen :valid? false): not linearizable")
}

// Nothing to judge is never a pass: a run of no operation, an empty
// history and one with no client operation are unknown, with the reason.
func TestNothingToJudgeIsUnknown(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := invoke("check", "--ops", "0", "--out", dir)
	assert.Equal(t, exitUnknown, code, stderr)
	assert.Contains(t, stdout, "UNKNOWN: the history has no client operation: there is nothing to judge")

	empty := filepath.Join(dir, "empty.jsonl")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	code, stdout, stderr = invoke("analyze", empty)
	assert.Equal(t, exitUnknown, code, stderr)
	assert.Contains(t, stdout, "UNKNOWN: the history is empty: there is nothing to judge")

	faults := filepath.Join(dir, "faults.jsonl")
	require.NoError(t, os.WriteFile(faults, []byte(`{"index":0,"time":0,"process":"nemesis","type":"info","f":"skew","value":{"n1":"+5s"}}`+"\n"), 0o644))
	code, stdout, stderr = invoke("analyze", faults)
	assert.Equal(t, exitUnknown, code, stderr)
	assert.Contains(t, stdout, "UNKNOWN: the history has no client operation")
}

// analyze --initial and --model judge Knossos's models; several histories,
// or a folder, are judged in one process, a line each, and exit on the
// worst verdict.
func TestAnalyzeKnossosModelsAndMany(t *testing.T) {
	edn := func(name string) string { return filepath.Join("..", "..", "jepsen", "testdata", name) }
	code, stdout, stderr := invoke("analyze", "--format", "edn", "--initial", "0", edn("multi-register.edn"))
	assert.Equal(t, exitValid, code, stderr)
	assert.Contains(t, stdout, "history (edn; model multi-register, starting at 0)")
	code, _, _ = invoke("analyze", "--format", "edn", edn("multi-register.edn"))
	assert.Equal(t, exitInvalid, code, "the registers start at nil without --initial")

	code, _, stderr = invoke("analyze", "--format", "edn", "--model", "cas-register", edn("mutex.edn"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `line 3: field ":f": the model is cas-register, but :acquire is an operation of a mutex`)
	for _, args := range [][]string{
		{"--format", "edn", "--model", "queue"},
		{"--format", "edn", "--initial", "[1"},
		{"--initial", "0"},
	} {
		code, _, stderr = invoke(append(append([]string{"analyze"}, args...), edn("mutex.edn"))...)
		assert.Equal(t, exitUsage, code, "%v", args)
		assert.Contains(t, stderr, "usage:", "%v", args)
	}

	// Several files: a line each, a summary, the worst verdict.
	code, stdout, _ = invoke("analyze", "--format", "edn", "--initial", "0", edn("mutex.edn"), edn("nemesis-only.edn"), edn("vacuous.edn"))
	assert.Equal(t, exitUnknown, code, stdout)
	assert.Contains(t, stdout, "VALID    "+edn("mutex.edn")+": linearizable: 4 operations on 1 key\n")
	assert.Contains(t, stdout, "UNKNOWN  "+edn("nemesis-only.edn")+": nothing to judge: the history has no client operations\n")
	assert.Contains(t, stdout, "VALID    "+edn("vacuous.edn")+": linearizable: no client operation took effect")
	assert.True(t, strings.HasSuffix(stdout, "clockwise analyze: 3 histories: 2 valid, 0 invalid, 1 unknown, 0 not read (malformed or unreadable)\n"), stdout)
	code, _, _ = invoke("analyze", "--format", "edn", edn("mutex.edn"), edn("register-stale-read.edn"), edn("nemesis-only.edn"))
	assert.Equal(t, exitInvalid, code, "invalid over unknown over valid")

	// A folder: every *.edn under it; one that cannot be read is listed and
	// makes the exit 2.
	dir := t.TempDir()
	for _, name := range []string{"mutex.edn", "register-malformed.edn"} {
		b, err := os.ReadFile(edn(name))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a history"), 0o644))
	code, stdout, stderr = invoke("analyze", "--format", "edn", "--json", dir)
	assert.Equal(t, exitUsage, code)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 2, stdout)
	assert.Contains(t, lines[0], `"path":"`+filepath.Join(dir, "mutex.edn")+`","verdict":"valid"`)
	assert.Contains(t, lines[1], `line 3: field \":value\": a cas needs [from to], got 3`)
	assert.Contains(t, stderr, "1 of 2 histories could not be read")

	code, _, stderr = invoke("analyze", "--format", "edn", t.TempDir())
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "holds no edn history")
}
