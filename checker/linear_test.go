package checker

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/histories"
)

func linearOf(t *testing.T, res *Result) map[string]Verdict {
	t.Helper()
	out := map[string]Verdict{}
	for _, l := range res.Linear {
		out[l.Key] = Verdict(l.Result)
	}
	return out
}

func TestLinearizableRegisterHistoryPasses(t *testing.T) {
	h := regHistory([]regOp{
		{proc: "c1", f: histories.Write, key: "x", id: "w1", start: 0, end: 10},
		{proc: "c2", f: histories.Read, key: "x", read: []string{"w1"}, start: 20, end: 30},
		{proc: "c1", f: histories.Write, key: "x", id: "w2", start: 25, end: 40, ctx: []string{"w1"}},
		// Overlaps w2, so it may still see w1.
		{proc: "c3", f: histories.Read, key: "x", read: []string{"w1"}, start: 35, end: 50},
		{proc: "c2", f: histories.Read, key: "x", read: []string{"w2"}, start: 60, end: 70},
	}, map[string][]string{"x": {"w2"}})
	res, err := Check(h, Options{})
	require.NoError(t, err)
	assert.Equal(t, map[string]Verdict{"x": Valid}, linearOf(t, res))
	assert.Equal(t, Answer(Valid), res.Summary.Linearizable)
	assert.Equal(t, 1, res.Summary.LinearKeys)
	assert.Empty(t, res.NonLinearizable())
}

func TestStaleReadIsNotLinearizable(t *testing.T) {
	h := regHistory([]regOp{
		{proc: "c1", f: histories.Write, key: "x", id: "w1", start: 0, end: 10},
		{proc: "c1", f: histories.Write, key: "x", id: "w2", start: 20, end: 30, ctx: []string{"w1"}},
		// w2 was acknowledged before this read began: seeing w1 is stale.
		{proc: "c2", f: histories.Read, key: "x", read: []string{"w1"}, start: 40, end: 50},
		{proc: "c3", f: histories.Write, key: "y", id: "w3", start: 0, end: 10},
		{proc: "c3", f: histories.Read, key: "y", read: []string{"w3"}, start: 20, end: 30},
	}, map[string][]string{"x": {"w2"}, "y": {"w3"}})
	res, err := Check(h, Options{})
	require.NoError(t, err)
	assert.Equal(t, map[string]Verdict{"x": Invalid, "y": Valid}, linearOf(t, res))
	assert.Equal(t, Answer(Invalid), res.Summary.Linearizable)
	assert.Equal(t, 1, res.Summary.NonLinearizable)
	assert.Equal(t, []string{"x"}, res.NonLinearizable())
	assert.True(t, res.Valid, "linearizability does not gate by default")

	gated, err := Check(h, Options{Gate: []string{GateLinearizable}})
	require.NoError(t, err)
	assert.False(t, gated.Valid)
	assert.Equal(t, []string{"1 keys not linearizable (gated by --gate linearizable)"}, gated.Failures)

	var html bytes.Buffer
	require.NoError(t, Visualize(h, res.NonLinearizable(), time.Second, &html))
	assert.Contains(t, html.String(), "<html")
	assert.Contains(t, html.String(), "read x → [w1]")
	assert.NotContains(t, html.String(), "write y", "only the keys asked for are drawn")
}

func TestSiblingsAreNotARegister(t *testing.T) {
	h := regHistory([]regOp{
		{proc: "c1", f: histories.Write, key: "x", id: "w1", start: 0, end: 10},
		{proc: "c2", f: histories.Write, key: "x", id: "w2", start: 0, end: 10},
		{proc: "c3", f: histories.Read, key: "x", read: []string{"w1", "w2"}, start: 20, end: 30},
	}, map[string][]string{"x": {"w1", "w2"}})
	res, err := Check(h, Options{})
	require.NoError(t, err)
	assert.Equal(t, map[string]Verdict{"x": Invalid}, linearOf(t, res))
	assert.True(t, res.Valid, "keeping both writes loses nothing")
}

// A write whose outcome is unknown may take effect at any later time; a
// write that failed must never be seen.
func TestIndeterminateAndFailedWrites(t *testing.T) {
	h := regHistory([]regOp{
		{proc: "c1", f: histories.Write, key: "x", id: "w1", start: 0, end: 10},
		{proc: "c2", f: histories.Write, key: "x", id: "w2", start: 20, typ: "none"},
		{proc: "c3", f: histories.Read, key: "x", read: []string{"w1"}, start: 30, end: 40},
		{proc: "c3", f: histories.Read, key: "x", read: []string{"w2"}, start: 50, end: 60},
		{proc: "c4", f: histories.Write, key: "y", id: "w3", start: 0, end: 10},
		{proc: "c5", f: histories.Write, key: "y", id: "w4", start: 20, end: 30, typ: histories.Fail},
		{proc: "c4", f: histories.Read, key: "y", read: []string{"w4"}, start: 40, end: 50},
	}, map[string][]string{"x": {"w2"}, "y": {"w3"}})
	res, err := Check(h, Options{})
	require.NoError(t, err)
	assert.Equal(t, map[string]Verdict{"x": Valid, "y": Invalid}, linearOf(t, res))
}

// A check that runs out of time says unknown, never ok, and the gate treats
// unknown as a failure.
func TestLinearizabilityUnknownIsNotAPass(t *testing.T) {
	var ops []regOp
	for i := range 24 {
		ops = append(ops, regOp{proc: fmt.Sprintf("c%d", i), f: histories.Write, key: "x", id: fmt.Sprintf("w%d", i), start: 0, end: 100})
	}
	// No order of the writes explains this read, and finding that out takes
	// porcupine far longer than a millisecond.
	ops = append(ops, regOp{proc: "c0", f: histories.Read, key: "x", read: []string{"w0", "w1"}, start: 200, end: 210})
	h := regHistory(ops, nil)
	res, err := Check(h, Options{LinearTimeout: time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, map[string]Verdict{"x": Unknown}, linearOf(t, res))
	assert.Equal(t, Answer(Unknown), res.Summary.Linearizable)
	assert.Equal(t, 1, res.Summary.LinearUnknown)
	assert.Empty(t, res.NonLinearizable())

	gated, err := Check(h, Options{LinearTimeout: time.Millisecond, Gate: []string{GateLinearizable}})
	require.NoError(t, err)
	assert.False(t, gated.Valid)
	assert.Contains(t, gated.Failures, "linearizability of 1 keys unknown within the time limit (gated by --gate linearizable)")
}

func TestPercentiles(t *testing.T) {
	assert.Equal(t, Latency{}, Percentiles(nil))
	ns := make([]int64, 100)
	for i := range ns {
		ns[i] = int64(100 - i) // 100…1, unsorted
	}
	assert.Equal(t, Latency{N: 100, P50: 50, P99: 99, Max: 100}, Percentiles(ns))
	assert.Equal(t, int64(100), ns[0], "Percentiles must not reorder its input")
	assert.Equal(t, Latency{N: 1, P50: 7, P99: 7, Max: 7}, Percentiles([]int64{7}))
}
