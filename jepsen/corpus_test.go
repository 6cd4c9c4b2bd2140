package jepsen

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// etcdLogs is the number of Jepsen etcd logs in porcupine's module,
// test_data/jepsen/etcd_000.log to etcd_102.log.
const etcdLogs = 103

// linearizableEtcd lists the etcd logs that porcupine's own test suite
// expects to be linearizable: porcupine_test.go of
// github.com/anishathalye/porcupine v1.3.1, TestEtcdJepsenNNN calling
// checkJepsen(t, NNN, true). It expects every other log to be not
// linearizable, except etcd_095.log, which is empty (the etcd cluster failed
// to start up in that test) and which it does not check.
var linearizableEtcd = []int{2, 5, 7, 18, 25, 31, 38, 45, 48, 49, 51, 53, 56, 67, 75, 76, 80, 87, 92, 98, 100, 101, 102}

// emptyEtcd is the log without operations.
const emptyEtcd = 95

// etcdDir is where the porcupine module keeps the etcd logs.
func etcdDir(tb testing.TB) string {
	tb.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/anishathalye/porcupine").Output()
	require.NoError(tb, err, "go list -m github.com/anishathalye/porcupine")
	dir := filepath.Join(strings.TrimSpace(string(out)), "test_data", "jepsen")
	require.DirExists(tb, dir)
	return dir
}

func etcdLog(dir string, n int) string { return filepath.Join(dir, fmt.Sprintf("etcd_%03d.log", n)) }

// TestEtcdCorpus judges all 103 logs and requires porcupine's verdict on
// every one, twice over: the verdict porcupine's test suite records, and
// porcupine run here, on the same operations, with the etcd model's
// semantics. A log the time limit leaves unknown is listed and fails the
// test: unknown is never a pass.
func TestEtcdCorpus(t *testing.T) {
	dir := etcdDir(t)
	var unknown []string
	agree := 0
	start := time.Now()
	for n := range etcdLogs {
		path := etcdLog(dir, n)
		h, err := ReadFile(path, Porcupine)
		require.NoError(t, err)
		requireEveryLineRead(t, path, h)

		r, err := Check(h, Options{Timeout: DefaultTimeout})
		require.NoError(t, err)
		want := Invalid
		switch {
		case n == emptyEtcd:
			want = Unknown // nothing to judge: not a pass
		case slices.Contains(linearizableEtcd, n):
			want = Valid
		}
		if r.Verdict == Unknown && n != emptyEtcd {
			unknown = append(unknown, fmt.Sprintf("etcd_%03d.log (%s)", n, r.Reason))
		}

		// porcupine itself, on the etcd model's semantics, finds the empty
		// log linearizable: there is nothing in it to contradict.
		direct := etcdVerdict(h)
		if n == emptyEtcd {
			assert.Equal(t, porcupine.Ok, direct)
		} else {
			assert.Equal(t, want == Valid, direct == porcupine.Ok, "etcd_%03d.log: porcupine on the etcd model", n)
		}
		if assert.Equal(t, want, r.Verdict, "etcd_%03d.log: %s", n, r.Reason) && n != emptyEtcd {
			agree++
		}
	}
	t.Logf("%d of %d judged etcd logs agree with porcupine's verdict (%d linearizable); etcd_%03d.log is empty: unknown; "+
		"%d unknown within %s each; %s in all",
		agree, etcdLogs-1, len(linearizableEtcd), emptyEtcd, len(unknown), DefaultTimeout, time.Since(start).Round(time.Millisecond))
	assert.Empty(t, unknown, "logs the time limit left unknown")
}

// requireEveryLineRead checks that every line of the log became an
// invocation or a completion.
func requireEveryLineRead(t *testing.T, path string, h *History) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	lines := 0
	for sc := bufio.NewScanner(f); sc.Scan(); {
		lines++
	}
	events := len(h.Faults)
	for _, op := range h.Ops {
		events++
		if op.EndLine > 0 {
			events++
		}
	}
	require.Equal(t, lines, events, "%s: lines and events", path)
}

// etcdIn and etcdOut are the etcd model's operations, as porcupine's test
// suite defines its semantics: a register of integers that starts absent;
// a failed cas observed a value other than its from; an operation with no
// answer (a read that failed, a write or cas with no completion) may have
// taken effect.
type etcdIn struct {
	op      F
	arg, to int
}

type etcdOut struct {
	ok, unknown bool // cas succeeded; no answer
	value       int  // read
	absent      bool // read found nothing
}

const etcdAbsent = -1 << 40

var etcdModel = porcupine.Model{
	Init: func() any { return etcdAbsent },
	Step: func(state, input, output any) (bool, any) {
		st, in, out := state.(int), input.(etcdIn), output.(etcdOut)
		switch in.op {
		case Write:
			return true, in.arg
		case CAS:
			next := st
			if in.arg == st {
				next = in.to
			}
			return out.unknown || out.ok == (in.arg == st), next
		}
		return out.unknown || (out.absent && st == etcdAbsent) || (!out.absent && out.value == st), st
	},
}

// etcdVerdict runs porcupine directly on h's operations as events in
// history order, with no time limit.
func etcdVerdict(h *History) porcupine.CheckResult {
	type point struct {
		pos int
		ev  porcupine.Event
	}
	var points []point
	end := 0
	for _, op := range h.Ops {
		end = max(end, op.Call, op.Return)
	}
	num := func(v Value) int {
		if v == Nil {
			return etcdAbsent
		}
		n, err := strconv.Atoi(string(v))
		if err != nil {
			panic(err)
		}
		return n
	}
	for id, op := range h.Ops {
		p, _ := strconv.Atoi(op.Process)
		in := etcdIn{op: op.F}
		switch op.F {
		case Write:
			in.arg = num(op.Value)
		case CAS:
			in.arg, in.to = num(op.From), num(op.To)
		}
		var out etcdOut
		ret := op.Return
		switch {
		case op.Type == Info:
			out.unknown, ret = true, end+1+id
		case op.Type == Fail && op.F == Read:
			out.unknown = true
		case op.Type == Fail:
			out.ok = false
		case op.F == Read:
			out.value, out.absent = num(op.Value), op.Value == Nil
		default:
			out.ok = true
		}
		points = append(points,
			point{op.Call, porcupine.Event{ClientId: p, Kind: porcupine.CallEvent, Value: in, Id: id}},
			point{ret, porcupine.Event{ClientId: p, Kind: porcupine.ReturnEvent, Value: out, Id: id}})
	}
	slices.SortFunc(points, func(a, b point) int { return a.pos - b.pos })
	events := make([]porcupine.Event, len(points))
	for i, p := range points {
		events[i] = p.ev
	}
	if porcupine.CheckEvents(etcdModel, events) {
		return porcupine.Ok
	}
	return porcupine.Illegal
}

// BenchmarkEtcdCorpus checks all 103 logs, read beforehand.
func BenchmarkEtcdCorpus(b *testing.B) {
	dir := etcdDir(b)
	hs := make([]*History, etcdLogs)
	for n := range hs {
		var err error
		hs[n], err = ReadFile(etcdLog(dir, n), Porcupine)
		require.NoError(b, err)
	}
	for b.Loop() {
		for _, h := range hs {
			if _, err := Check(h, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkDecodeEtcdCorpus reads all 103 logs.
func BenchmarkDecodeEtcdCorpus(b *testing.B) {
	dir := etcdDir(b)
	var data [][]byte
	for n := range etcdLogs {
		d, err := os.ReadFile(etcdLog(dir, n))
		require.NoError(b, err)
		data = append(data, d)
	}
	for b.Loop() {
		for _, d := range data {
			if _, err := DecodeLog(strings.NewReader(string(d))); err != nil {
				b.Fatal(err)
			}
		}
	}
}
