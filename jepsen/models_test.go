package jepsen

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkWith reads an EDN history and checks it from initial ("": the
// model's own).
func checkWith(t *testing.T, edn string, initial Value) *Result {
	t.Helper()
	h, err := DecodeEDN(strings.NewReader(edn))
	require.NoError(t, err)
	r, err := Check(h, Options{Initial: initial})
	require.NoError(t, err)
	return r
}

func TestMultiRegister(t *testing.T) {
	edn := fixture(t, "multi-register.edn")
	h, err := DecodeEDN(strings.NewReader(edn))
	require.NoError(t, err)
	assert.Equal(t, MultiRegister, h.Model)
	assert.Equal(t, []Micro{{Read, ":x", "0"}, {Read, ":y", "0"}}, h.Ops[0].Txn, "a txn's reads are its completion's")

	r := checkWith(t, edn, "0")
	assert.Equal(t, Valid, r.Verdict, r.Reason)
	assert.Equal(t, "linearizable: 5 operations on 1 key", r.Reason)
	assert.Equal(t, Invalid, checkWith(t, edn, "").Verdict, "the registers start at nil unless --initial says 0")
	// A transaction is atomic: no read sees one of its writes without the
	// other.
	torn := strings.Replace(edn, ":value [[:read :x 0] [:read :y 0]]", ":value [[:read :x 1] [:read :y 0]]", 1)
	r = checkWith(t, torn, "0")
	assert.Equal(t, Invalid, r.Verdict)
	assert.Equal(t, "not linearizable: the registers", r.Reason)
	// The info write of y may have taken effect: the last read saw it.
	assert.Equal(t, Invalid, checkWith(t, strings.Replace(edn, ":type :info, :f :txn", ":type :fail, :f :txn", 1), "0").Verdict)

	var html bytes.Buffer
	_, err = Check(h, Options{Initial: "0", Visualize: &html})
	require.NoError(t, err)
	assert.Contains(t, html.String(), "txn [[:write :x 1] [:write :y 1]]")
}

func TestMutex(t *testing.T) {
	edn := fixture(t, "mutex.edn")
	h, err := DecodeEDN(strings.NewReader(edn))
	require.NoError(t, err)
	assert.Equal(t, Mutex, h.Model)
	r := checkWith(t, edn, "0")
	assert.Equal(t, Valid, r.Verdict, r.Reason)
	assert.Empty(t, r.Initial, "a mutex has no value: --initial is ignored")
	assert.Equal(t, 1, r.Keys[0].Indeterminate, "the release cut off by the end")

	// Two holders at once: process 1 acquires before process 0 releases.
	both := strings.Replace(edn, "{:type :invoke, :f :release, :process 0, :time 30}\n{:type :ok, :f :release, :process 0, :time 40}\n", "", 1) +
		"{:type :invoke, :f :release, :process 0, :time 80}\n{:type :ok, :f :release, :process 0, :time 90}\n"
	r = checkWith(t, both, "")
	assert.Equal(t, Invalid, r.Verdict)
	assert.Equal(t, "not linearizable: the mutex", r.Reason)
	// Released by one who does not hold it.
	assert.Equal(t, Invalid, checkWith(t, "{:type :invoke, :f :release, :process 0}\n{:type :ok, :f :release, :process 0}", "").Verdict)
}

func TestKV(t *testing.T) {
	edn := fixture(t, "kv.edn")
	h, err := DecodeEDN(strings.NewReader(edn))
	require.NoError(t, err)
	assert.Equal(t, KV, h.Model)
	r := checkWith(t, edn, "")
	assert.Equal(t, Valid, r.Verdict, r.Reason)
	assert.Equal(t, Value(`""`), r.Initial)
	assert.Equal(t, []string{`"a"`, `"b"`}, h.Keys(), "partitioned by key")
	assert.Equal(t, Invalid, checkWith(t, strings.Replace(edn, `:value "xy"`, `:value "yx"`, 1), "").Verdict, "append adds to the end")
	assert.Equal(t, Invalid, checkWith(t, edn, `"z"`).Verdict, "key b starts at z")

	_, err = Check(h, Options{Initial: "0"})
	assert.EqualError(t, err, "jepsen: initial value 0: a kv history's values are strings")
}

func TestUseModel(t *testing.T) {
	h, err := DecodeEDN(strings.NewReader(fixture(t, "mutex.edn")))
	require.NoError(t, err)
	require.NoError(t, h.Use(Mutex))
	err = h.Use(CASRegister)
	requireLineError(t, err, fixture(t, "mutex.edn"))
	assert.EqualError(t, err, `line 3: field ":f": the model is cas-register, but :acquire is an operation of a mutex`)

	h, err = DecodeEDN(strings.NewReader(fixture(t, "nemesis-only.edn")))
	require.NoError(t, err)
	require.NoError(t, h.Use(KV), "a history without client operations takes any model")
}

func TestFixturesAsKnossosJudgesThem(t *testing.T) {
	for name, want := range map[string]Verdict{
		"vacuous.edn":      Valid,   // no client operation took effect
		"nemesis-only.edn": Unknown, // no client operation at all: the one difference from Knossos
	} {
		r := checkWith(t, fixture(t, name), "0")
		assert.Equal(t, want, r.Verdict, "%s: %s", name, r.Reason)
	}
}

// kvCorpus is porcupine's own kv test data, with the verdicts its test
// suite expects (porcupine_test.go, TestKv*).
var kvCorpus = map[string]Verdict{
	"c01-ok": Valid, "c01-bad": Invalid, "c10-ok": Valid, "c10-bad": Invalid, "c50-ok": Valid, "c50-bad": Invalid,
}

// TestKVCorpus judges porcupine's kv histories, which are EDN, as porcupine
// does.
func TestKVCorpus(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/anishathalye/porcupine").Output()
	require.NoError(t, err)
	dir := filepath.Join(strings.TrimSpace(string(out)), "test_data", "kv")
	for name, want := range kvCorpus {
		h, err := ReadFile(filepath.Join(dir, name+".txt"), EDN)
		require.NoError(t, err)
		assert.Equal(t, KV, h.Model)
		r, err := Check(h, Options{})
		require.NoError(t, err)
		assert.Equal(t, want, r.Verdict, "%s: %s", name, r.Reason)
	}
}
