package checker

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/historytest"
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
	h := registerHistory([]historytest.Op{
		{Process: "c1", F: histories.Write, Key: "x", ID: "w1", Start: 0, End: 10},
		{Process: "c1", F: histories.Read, Key: "x", Read: historytest.Versions("w1"), Start: 12, End: 18},
		{Process: "c2", F: histories.Read, Key: "x", Read: historytest.Versions("w1"), Start: 20, End: 30},
		{Process: "c1", F: histories.Write, Key: "x", ID: "w2", Start: 25, End: 40, Context: []string{"w1"}},
		// Overlaps w2, so it may still see w1.
		{Process: "c3", F: histories.Read, Key: "x", Read: historytest.Versions("w1"), Start: 35, End: 50},
		{Process: "c2", F: histories.Read, Key: "x", Read: historytest.Versions("w2"), Start: 60, End: 70},
	}, map[string][]string{"x": {"w2"}})
	res, err := Check(h, Options{})
	require.NoError(t, err)
	assert.Equal(t, map[string]Verdict{"x": Valid}, linearOf(t, res))
	assert.Equal(t, Answer(Valid), res.Summary.Linearizable)
	assert.Equal(t, 1, res.Summary.LinearKeys)
	assert.Empty(t, res.NonLinearizable())
}

func TestStaleReadIsNotLinearizable(t *testing.T) {
	h := registerHistory([]historytest.Op{
		{Process: "c1", F: histories.Write, Key: "x", ID: "w1", Start: 0, End: 10},
		{Process: "c1", F: histories.Read, Key: "x", Read: historytest.Versions("w1"), Start: 12, End: 18},
		{Process: "c1", F: histories.Write, Key: "x", ID: "w2", Start: 20, End: 30, Context: []string{"w1"}},
		// w2 was acknowledged before this read began: seeing w1 is stale.
		{Process: "c2", F: histories.Read, Key: "x", Read: historytest.Versions("w1"), Start: 40, End: 50},
		{Process: "c3", F: histories.Write, Key: "y", ID: "w3", Start: 0, End: 10},
		{Process: "c3", F: histories.Read, Key: "y", Read: historytest.Versions("w3"), Start: 20, End: 30},
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
	a, err := Analyze(h)
	require.NoError(t, err)
	require.NoError(t, a.Visualize(res.NonLinearizable(), time.Second, &html))
	assert.Contains(t, html.String(), "<html")
	assert.Contains(t, html.String(), "read x → [w1]")
	assert.NotContains(t, html.String(), "write y", "only the keys asked for are drawn")
}

func TestSiblingsAreNotARegister(t *testing.T) {
	h := registerHistory([]historytest.Op{
		{Process: "c1", F: histories.Write, Key: "x", ID: "w1", Start: 0, End: 10},
		{Process: "c2", F: histories.Write, Key: "x", ID: "w2", Start: 0, End: 10},
		{Process: "c3", F: histories.Read, Key: "x", Read: historytest.Versions("w1", "w2"), Start: 20, End: 30},
	}, map[string][]string{"x": {"w1", "w2"}})
	res, err := Check(h, Options{})
	require.NoError(t, err)
	assert.Equal(t, map[string]Verdict{"x": Invalid}, linearOf(t, res))
	assert.True(t, res.Valid, "keeping both writes loses nothing")
}

// A write whose outcome is unknown may take effect at any later time; a
// write that failed must never be seen.
func TestIndeterminateAndFailedWrites(t *testing.T) {
	h := registerHistory([]historytest.Op{
		{Process: "c1", F: histories.Write, Key: "x", ID: "w1", Start: 0, End: 10},
		{Process: "c2", F: histories.Write, Key: "x", ID: "w2", Start: 20, Type: historytest.Never},
		{Process: "c3", F: histories.Read, Key: "x", Read: historytest.Versions("w1"), Start: 30, End: 40},
		{Process: "c3", F: histories.Read, Key: "x", Read: historytest.Versions("w2"), Start: 50, End: 60},
		{Process: "c4", F: histories.Write, Key: "y", ID: "w3", Start: 0, End: 10},
		{Process: "c5", F: histories.Write, Key: "y", ID: "w4", Start: 20, End: 30, Type: histories.Fail},
		{Process: "c4", F: histories.Read, Key: "y", Read: historytest.Versions("w4"), Start: 40, End: 50},
	}, map[string][]string{"x": {"w2"}, "y": {"w3"}})
	res, err := Check(h, Options{})
	require.NoError(t, err)
	assert.Equal(t, map[string]Verdict{"x": Valid, "y": Invalid}, linearOf(t, res))
}

// A check that runs out of time says unknown, never ok, and the gate treats
// unknown as a failure.
func TestLinearizabilityUnknownIsNotAPass(t *testing.T) {
	var ops []historytest.Op
	for i := range 24 {
		ops = append(ops, historytest.Op{Process: fmt.Sprintf("c%d", i), F: histories.Write, Key: "x", ID: fmt.Sprintf("w%d", i), Start: 0, End: 100})
	}
	// No order of the writes explains these two reads, one after the
	// other after every write, of two different writes, and finding that
	// out takes porcupine far longer than a millisecond. (A read of
	// siblings, or of nothing after a write, would be decided without a
	// search.)
	ops = append(ops,
		historytest.Op{Process: "c0", F: histories.Read, Key: "x", Read: historytest.Versions("w1"), Start: 200, End: 210},
		historytest.Op{Process: "c0", F: histories.Read, Key: "x", Read: historytest.Versions("w2"), Start: 220, End: 230})
	h := registerHistory(ops, nil)
	res, err := Check(h, Options{LinearTimeout: time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, map[string]Verdict{"x": Unknown}, linearOf(t, res))
	assert.Equal(t, Answer(Unknown), res.Summary.Linearizable)
	assert.Equal(t, 1, res.Summary.LinearUnknown)
	assert.Empty(t, res.NonLinearizable())

	gated, err := Check(h, Options{LinearTimeout: time.Millisecond, Gate: []string{GateLinearizable}})
	require.NoError(t, err)
	assert.False(t, gated.Valid)
	assert.Equal(t, Unknown, gated.Verdict, "undecided is unknown, neither a pass nor a failure")
	assert.Contains(t, gated.Unknown, "linearizability of 1 keys unknown within the time limit (gated by --gate linearizable)")
}

// porcupine finds the partial linearizations of a key in no fixed order;
// the page lists them sorted, so the same history draws the same page.
func TestVisualizationIsDeterministic(t *testing.T) {
	// Two concurrent writes, then two concurrent reads that each saw a
	// different one last: each read has its own longest partial
	// linearization.
	var ops []historytest.Op
	for i := range 4 {
		ops = append(ops,
			historytest.Op{Process: fmt.Sprintf("c%d", i), F: histories.Write, Key: "x", ID: fmt.Sprintf("w%d", i), Start: 1, End: 10},
			historytest.Op{Process: fmt.Sprintf("c%d", i), F: histories.Read, Key: "x", Read: historytest.Versions(fmt.Sprintf("w%d", i)), Start: 20, End: 30})
	}
	a, err := Analyze(registerHistory(ops, nil))
	require.NoError(t, err)
	var first bytes.Buffer
	require.NoError(t, a.Visualize([]string{"x"}, time.Second, &first))
	for range 20 {
		var again bytes.Buffer
		require.NoError(t, a.Visualize([]string{"x"}, time.Second, &again))
		require.Equal(t, first.String(), again.String())
	}
}

// A read that returned siblings is no register's: the key is not
// linearizable, decided without porcupine's search, which the same history
// keeps busy past any time limit.
func TestSiblingReadIsNotLinearizable(t *testing.T) {
	var ops []historytest.Op
	for i := range 24 {
		ops = append(ops, historytest.Op{Process: fmt.Sprintf("c%d", i), F: histories.Write, Key: "x", ID: fmt.Sprintf("w%d", i), Start: 0, End: 100})
	}
	ops = append(ops, historytest.Op{Process: "c0", F: histories.Read, Key: "x", Read: historytest.Versions("w0", "w1"), Start: 200, End: 210})
	h := registerHistory(ops, nil)
	res, err := Check(h, Options{LinearTimeout: time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, map[string]Verdict{"x": Invalid}, linearOf(t, res))
	a, err := Analyze(h)
	require.NoError(t, err)
	assert.Empty(t, a.Drawable(res.NonLinearizable()), "porcupine's page leaves the key out")
}

// porcupine's page leaves out a key with more operations than it can draw
// readably.
func TestDrawableLeavesOutLongKeys(t *testing.T) {
	var ops []historytest.Op
	for i := range MaxVisualOps {
		ops = append(ops, historytest.Op{Process: "c1", F: histories.Write, Key: "x", ID: fmt.Sprintf("w%d", i), Start: int64(10 * i), End: int64(10*i + 5)})
	}
	bad := historytest.Op{Process: "c1", F: histories.Read, Key: "x", Read: historytest.Versions("w0"), Start: int64(10 * MaxVisualOps), End: int64(10*MaxVisualOps + 5)}
	h := registerHistory(append(ops, bad), nil)
	a, err := Analyze(h)
	require.NoError(t, err)
	res, err := a.Check(Options{})
	require.NoError(t, err)
	require.Equal(t, []string{"x"}, res.NonLinearizable())
	assert.Empty(t, a.Drawable(res.NonLinearizable()), "%d operations", MaxVisualOps+1)

	h = registerHistory(append(ops[1:], bad), nil)
	a, err = Analyze(h)
	require.NoError(t, err)
	res, err = a.Check(Options{})
	require.NoError(t, err)
	require.Equal(t, []string{"x"}, res.NonLinearizable())
	assert.Equal(t, []string{"x"}, a.Drawable(res.NonLinearizable()), "%d operations", MaxVisualOps)
}

// Porcupine's page draws client cN in row N and the final reads in row 0,
// so its rows read as the rest of the report names clients.
func TestClientNumber(t *testing.T) {
	assert.Equal(t, 3, clientNumber("c3", 0))
	assert.Equal(t, 12, clientNumber("c12", 5))
	assert.Equal(t, 0, clientNumber(histories.Final, 2))
	assert.Equal(t, 1_000_002, clientNumber("reader", 2))
	assert.Equal(t, 1_000_000, clientNumber("c0", 0))
	assert.Equal(t, 1_000_001, clientNumber("cx", 1))
}
