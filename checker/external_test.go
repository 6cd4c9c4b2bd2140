package checker

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/clockwise-kv/clockwise/histories"
)

func TestExternalConsistencyViolation(t *testing.T) {
	h := regHistory([]regOp{
		{proc: "c1", f: histories.Write, key: "x", id: "w1", ts: 100, start: 0, end: 10},
		// Began after w1 was acknowledged, stamped lower: a violation.
		{proc: "c2", f: histories.Write, key: "x", id: "w2", ts: 50, start: 20, end: 30},
		// Overlaps w1 and w2: no real-time order, no violation.
		{proc: "c3", f: histories.Write, key: "x", id: "w3", ts: 10, start: 5, end: 25},
		// Began after w1, stamped exactly as w1: equal is a violation too.
		{proc: "c3", f: histories.Write, key: "x", id: "w4", ts: 100, start: 40, end: 50, ctx: []string{"w1", "w2", "w3"}},
		// Higher than everything before it.
		{proc: "c1", f: histories.Write, key: "x", id: "w5", ts: 200, start: 60, end: 70, ctx: []string{"w4"}},
	}, map[string][]string{"x": {"w5"}})
	res, err := Check(h, Options{})
	require.NoError(t, err)

	require.Len(t, res.External, 2)
	x := res.External[0]
	assert.Equal(t, "x", x.Key)
	assert.Equal(t, "w1", x.Earlier.Write)
	assert.Equal(t, "w2", x.Later.Write)
	assert.Equal(t, int64(10), x.Earlier.End)
	assert.Equal(t, int64(20), x.Later.Start)
	assert.Equal(t, int64(100), x.Earlier.TS)
	assert.Equal(t, int64(50), x.Later.TS)
	assert.Contains(t, x.Why, "lower than")
	assert.Equal(t, "w4", res.External[1].Later.Write)
	assert.Contains(t, res.External[1].Why, "equal to")

	assert.Equal(t, 5, res.Summary.Stamped)
	assert.Equal(t, 2, res.Summary.External)
	assert.True(t, res.Valid, "external consistency does not gate by default")

	gated, err := Check(h, Options{Gate: []string{GateExternal}})
	require.NoError(t, err)
	assert.False(t, gated.Valid)
	assert.Contains(t, gated.Failures[0], "2 external-consistency violations")
}

func TestExternalConsistencyNeedsTimestamps(t *testing.T) {
	h := regHistory([]regOp{
		{proc: "c1", f: histories.Write, key: "x", id: "w1", start: 0, end: 10},
		{proc: "c2", f: histories.Write, key: "x", id: "w2", start: 20, end: 30, ctx: []string{"w1"}},
	}, map[string][]string{"x": {"w2"}})
	res, err := Check(h, Options{})
	require.NoError(t, err)
	assert.Zero(t, res.Summary.Stamped)
	assert.Empty(t, res.External)
}

// The sweep reports exactly the later writes that some earlier-acknowledged
// write of the same key out-stamps, each against the highest such write.
func TestExternalConsistencyMatchesDefinition(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 12).Draw(t, "writes")
		var ops []regOp
		for i := range n {
			start := rapid.Int64Range(0, 100).Draw(t, "start")
			ops = append(ops, regOp{
				proc: fmt.Sprintf("c%d", i), f: histories.Write, key: "x", id: fmt.Sprintf("w%d", i),
				ts: rapid.Int64Range(1, 20).Draw(t, "ts"), start: start, end: start + rapid.Int64Range(1, 30).Draw(t, "len"),
			})
		}
		res, err := Check(regHistory(ops, map[string][]string{"x": {ops[0].id}}), Options{})
		require.NoError(t, err)

		want := map[string]int64{} // later write → the highest ts acknowledged before it began
		for _, b := range ops {
			for _, a := range ops {
				if a.end < b.start && a.ts >= b.ts && a.ts > want[b.id] {
					want[b.id] = a.ts
				}
			}
		}
		got := map[string]int64{}
		for _, x := range res.External {
			require.Less(t, x.Earlier.End, x.Later.Start)
			require.GreaterOrEqual(t, x.Earlier.TS, x.Later.TS)
			got[x.Later.Write] = x.Earlier.TS
		}
		require.Equal(t, want, got)
	})
}
