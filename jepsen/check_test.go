package jepsen

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkEDN reads an EDN history and checks it.
func checkEDN(t *testing.T, edn string) *Result {
	t.Helper()
	h, err := DecodeEDN(strings.NewReader(edn))
	require.NoError(t, err)
	r, err := Check(h, Options{Timeout: 10 * time.Second})
	require.NoError(t, err)
	return r
}

func checkFile(t *testing.T, path string) *Result {
	t.Helper()
	h, err := ReadFile(path, EDN)
	require.NoError(t, err)
	r, err := Check(h, Options{})
	require.NoError(t, err)
	return r
}

// fixture is a testdata file's text.
func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return string(b)
}

func TestLinearizableRegister(t *testing.T) {
	r := checkFile(t, "testdata/register-linearizable.edn")
	assert.Equal(t, Valid, r.Verdict, r.Reason)
	assert.Equal(t, "true", r.Verdict.Jepsen())
	assert.Equal(t, 6, r.Ops)
	assert.Equal(t, 6, r.OK)
	assert.Equal(t, 4, r.Faults)
	require.Len(t, r.Keys, 1)
	assert.Equal(t, KeyResult{Key: "", Verdict: Valid, Ops: 6}, r.Keys[0])
	assert.Equal(t, DefaultTimeout, r.Timeout)
}

func TestStaleReadIsInvalid(t *testing.T) {
	r := checkFile(t, "testdata/register-stale-read.edn")
	assert.Equal(t, Invalid, r.Verdict)
	assert.Equal(t, "false", r.Verdict.Jepsen())
	assert.Equal(t, "not linearizable: the register", r.Reason)

	// The same history reading the latest write is linearizable: the
	// verdict rests on the stale value.
	fresh := strings.Replace(fixture(t, "register-stale-read.edn"),
		":ok, :f :read, :value 1", ":ok, :f :read, :value 2", 1)
	assert.Equal(t, Valid, checkEDN(t, fresh).Verdict)
}

func TestCASOkAndFail(t *testing.T) {
	edn := fixture(t, "register-cas.edn")
	r := checkEDN(t, edn)
	assert.Equal(t, Valid, r.Verdict, r.Reason)
	assert.Equal(t, 7, r.Ops)
	assert.Equal(t, 2, r.Failed)
	assert.Equal(t, 5, r.Keys[0].Ops, "the failed cas are left out")

	// Had the failed cas [0 2] taken effect, reading 2 would be fine; it
	// did not, so reading 2 is not.
	assert.Equal(t, Invalid, checkEDN(t, strings.Replace(edn,
		":f :read, :value 1}", ":f :read, :value 2}", 1)).Verdict)
	// A cas cannot succeed from a value the register does not hold.
	assert.Equal(t, Invalid, checkEDN(t, strings.ReplaceAll(edn, ":value [1 3]", ":value [5 3]")).Verdict)
	// Nor can a cas fail and then be read as if it had succeeded.
	assert.Equal(t, Invalid, checkEDN(t, strings.Replace(edn,
		":f :read, :value 3}", ":f :read, :value 4}", 1)).Verdict)
}

func TestInfoMayOrMayNotHaveHappened(t *testing.T) {
	edn := fixture(t, "register-info.edn")
	h, err := DecodeEDN(strings.NewReader(edn))
	require.NoError(t, err)
	last := h.Ops[len(h.Ops)-1]
	assert.Equal(t, Op{Process: "7", F: Write, Type: Info, Value: "9", From: Nil, To: Nil, Call: 16, Return: -1, Line: 19},
		last, "an invocation the history ends before completing is indeterminate")

	r := checkEDN(t, edn)
	assert.Equal(t, Valid, r.Verdict, r.Reason)
	assert.Equal(t, 9, r.Ops)
	assert.Equal(t, 5, r.Indeterminate, "writes 1, 2 and 9, the cas and one read")
	assert.Equal(t, 8, r.Keys[0].Ops, "the unanswered read is left out")
	assert.Equal(t, 4, r.Keys[0].Indeterminate)

	// The :info write of 1 was read, so it happened: had it failed, the
	// read of 1 would be impossible.
	assert.Equal(t, Invalid, checkEDN(t, strings.Replace(edn,
		":type :info, :f :write, :value 1", ":type :fail, :f :write, :value 1", 1)).Verdict)
	// The :info write of 2 was never seen, so it may not have happened: had
	// it been acknowledged, the later read of 1 would be stale.
	assert.Equal(t, Invalid, checkEDN(t, strings.Replace(edn,
		":type :info, :f :write, :value 2", ":type :ok, :f :write, :value 2", 1)).Verdict)
}

func TestMalformedEDNNamesTheLine(t *testing.T) {
	_, err := ReadFile("testdata/register-malformed.edn", EDN)
	require.Error(t, err)
	assert.Equal(t, `testdata/register-malformed.edn: line 3: field ":value": a cas needs [from to], got 3`, err.Error())
}

func TestIndependentKeys(t *testing.T) {
	r := checkFile(t, "testdata/register-independent.edn")
	assert.Equal(t, Invalid, r.Verdict)
	assert.Equal(t, "not linearizable: key 2 (1 of 2 keys judged)", r.Reason)
	assert.Equal(t, []KeyResult{
		{Key: "1", Verdict: Valid, Ops: 2},
		{Key: "2", Verdict: Invalid, Ops: 2},
		{Key: "3", Verdict: Valid, Why: vacuous},
	}, r.Keys)

	// Without key 2's stale read, the keys judged are linearizable; key 3,
	// whose only operation failed, is linearizable as Knossos judges it.
	r = checkEDN(t, strings.Replace(fixture(t, "register-independent.edn"), ":value [2 5], :process 1, :time 80", ":value [2 7], :process 1, :time 80", 1))
	assert.Equal(t, Valid, r.Verdict)
	assert.Equal(t, "linearizable: 4 operations on 2 keys; nothing took effect on 1 other key", r.Reason)
}

func TestNilReadMatchesAnyValue(t *testing.T) {
	// As in Knossos's models: a read that completes with nil, or with no
	// value, says nothing of what the register held.
	const edn = `{:type :invoke, :f :write, :value 0, :process 1}
{:type :ok, :f :write, :value 0, :process 1}
{:type :invoke, :f :read, :process 0}
{:type :ok, :f :read, :process 0}
{:type :invoke, :f :read, :value nil, :process 0}
{:type :ok, :f :read, :value nil, :process 0}`
	assert.Equal(t, Valid, checkEDN(t, edn).Verdict)
	assert.Contains(t, checkEDN(t, edn).Checks[0].Why, "a read that returned nil matches any value")
	// A read of a value still has to fit.
	assert.Equal(t, Invalid, checkEDN(t, edn+"\n{:type :invoke, :f :read, :process 0}\n{:type :ok, :f :read, :value 1, :process 0}").Verdict)

	// porcupine's etcd logs keep porcupine's rule: nil is a register
	// nothing was written to.
	log := "INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\t1\n" +
		"INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:ok\t:read\tnil\n"
	h, err := DecodeLog(strings.NewReader(log))
	require.NoError(t, err)
	r, err := Check(h, Options{})
	require.NoError(t, err)
	assert.Equal(t, Invalid, r.Verdict)
}

func TestInitialValue(t *testing.T) {
	// Knossos's test-examples start the cas-register at 0: a read of 0
	// before any write is then linearizable, and not otherwise.
	const edn = `{:type :invoke, :f :read, :value 3, :process 0}
{:type :ok, :f :read, :value 0, :process 0}
{:type :invoke, :f :cas, :value [0 1], :process 1}
{:type :ok, :f :cas, :value [0 1], :process 1}`
	h, err := DecodeEDN(strings.NewReader(edn))
	require.NoError(t, err, "a read may be invoked with a value")
	assert.Equal(t, Value("0"), h.Ops[0].Value, "the read's value is its completion's")
	r, err := Check(h, Options{})
	require.NoError(t, err)
	assert.Equal(t, Invalid, r.Verdict, "the register starts at nil")
	v, err := ParseValue("0")
	require.NoError(t, err)
	r, err = Check(h, Options{Initial: v})
	require.NoError(t, err)
	assert.Equal(t, Valid, r.Verdict, r.Reason)
	assert.Equal(t, Value("0"), r.Initial)

	for in, want := range map[string]string{"0N": "0", `"a b"`: `"a b"`, ":x": ":x", "[1 2]": "[1 2]"} {
		v, err := ParseValue(in)
		require.NoError(t, err)
		assert.Equal(t, Value(want), v)
	}
	_, err = ParseValue("1 2")
	assert.EqualError(t, err, `"1 2" is not one EDN value (it holds 2)`)
	_, err = ParseValue("[1")
	assert.ErrorContains(t, err, `"[1" is not an EDN value`)
}

func TestNothingTookEffectIsValid(t *testing.T) {
	// Knossos judges client operations none of which took effect
	// linearizable; clockwise says why.
	for name, edn := range map[string]string{
		"only failed":           "{:type :invoke, :f :write, :value 1, :process 0}\n{:type :fail, :f :write, :value 1, :process 0}",
		"only unanswered reads": "{:type :invoke, :f :read, :process 0}\n{:type :info, :f :read, :process 0}",
		"a read cut off":        "{:type :info, :f :start, :process :nemesis}\n{:type :invoke, :f :read, :value nil, :process 0}",
	} {
		t.Run(name, func(t *testing.T) {
			r := checkEDN(t, edn)
			assert.Equal(t, Valid, r.Verdict)
			assert.Equal(t, "linearizable: no client operation took effect or returned a value (each failed, or was a read that went unanswered), as Knossos judges it", r.Reason)
		})
	}
}

func TestNoClientOperationIsUnknown(t *testing.T) {
	// The one place clockwise and Knossos differ: with no client operation
	// at all, there is nothing to judge, and that is never a pass.
	for name, edn := range map[string]string{
		"empty":        "",
		"empty vector": "[]",
		"only faults":  "{:type :info, :f :start, :process :nemesis}\n{:type :info, :f :stop, :process :nemesis}",
	} {
		t.Run(name, func(t *testing.T) {
			r := checkEDN(t, edn)
			assert.Equal(t, Unknown, r.Verdict)
			assert.Equal(t, ":unknown", r.Verdict.Jepsen())
			assert.Equal(t, "nothing to judge: the history has no client operations", r.Reason)
		})
	}
}

func TestTimeLimitIsUnknownNotAPass(t *testing.T) {
	// 24 writes of distinct values that never complete, and a read of a
	// value none of them wrote: to prove the read impossible, porcupine
	// must try every subset of the writes before it, in every order that
	// leaves a different value last, which takes far longer than 100ms.
	var b strings.Builder
	const n = 24
	for p := range n {
		fmt.Fprintf(&b, "{:type :invoke, :f :write, :value %d, :process %d}\n", 100+p, p)
	}
	fmt.Fprintf(&b, "{:type :invoke, :f :read, :process %d}\n{:type :ok, :f :read, :value 999, :process %d}\n", n, n)
	h, err := DecodeEDN(strings.NewReader(b.String()))
	require.NoError(t, err)
	r, err := Check(h, Options{Timeout: 100 * time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, Unknown, r.Verdict)
	assert.Equal(t, "linearizability not decided within 100ms for the register", r.Reason)
	assert.Equal(t, "not decided within 100ms", r.Keys[0].Why)
}

func TestChecksThatCouldNotApplySaySo(t *testing.T) {
	r := checkFile(t, "testdata/register-linearizable.edn")
	var applied, not []string
	for _, c := range r.Checks {
		assert.NotEmpty(t, c.Why, c.Check)
		if c.Applied {
			applied = append(applied, c.Check)
		} else {
			not = append(not, c.Check)
		}
	}
	assert.Equal(t, []string{"linearizability"}, applied)
	assert.Subset(t, not, []string{"lost writes", "siblings", "divergence"})

	var out bytes.Buffer
	require.NoError(t, WriteText(&out, r))
	text := out.String()
	assert.True(t, strings.HasPrefix(text, "VALID (Jepsen :valid? true): linearizable: 6 operations on 1 key\n"), text)
	assert.Contains(t, text, "history (edn; model cas-register, starting at nil): 6 operations: 6 ok, 0 failed (never happened), 0 indeterminate (may have happened); 4 nemesis events\n")
	assert.Contains(t, text, "  the register: valid, 6 operations judged (0 indeterminate)\n")
	assert.Contains(t, text, "checks that could not apply to this format:\n  lost writes: needs a unique id for every write")
}

func TestVisualization(t *testing.T) {
	h, err := ReadFile("testdata/register-independent.edn", EDN)
	require.NoError(t, err)
	var html bytes.Buffer
	r, err := Check(h, Options{Visualize: &html})
	require.NoError(t, err)
	assert.Equal(t, Invalid, r.Verdict)
	assert.Contains(t, html.String(), "<html")
	assert.Contains(t, html.String(), "write(7)")
	assert.Contains(t, html.String(), "read() → 5")
	assert.Regexp(t, `process \d+, lines \d+–\d+`, html.String(), "each operation is described by its process and lines")

	h, err = ReadFile("testdata/register-linearizable.edn", EDN)
	require.NoError(t, err)
	html.Reset()
	_, err = Check(h, Options{Visualize: &html})
	require.NoError(t, err)
	assert.Contains(t, html.String(), "nemesis", "faults are annotations")

	_, err = Check(h, Options{Visualize: failWriter{}})
	assert.ErrorContains(t, err, "visualization")
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, assert.AnError }
