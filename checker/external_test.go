package checker

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/historytest"
)

func TestExternalConsistencyViolation(t *testing.T) {
	h := registerHistory([]historytest.Op{
		{Process: "c1", F: histories.Write, Key: "x", ID: "w1", TS: 100, Start: 0, End: 10},
		// Began after w1 was acknowledged, stamped lower: a violation.
		{Process: "c2", F: histories.Write, Key: "x", ID: "w2", TS: 50, Start: 20, End: 30},
		// Overlaps w1 and w2: no real-time order, no violation.
		{Process: "c3", F: histories.Write, Key: "x", ID: "w3", TS: 10, Start: 5, End: 25},
		{Process: "c3", F: histories.Read, Key: "x", Read: historytest.Versions("w1", "w2", "w3"), Start: 32, End: 38},
		// Began after w1, stamped exactly as w1: equal is a violation too.
		{Process: "c3", F: histories.Write, Key: "x", ID: "w4", TS: 100, Start: 40, End: 50, Context: []string{"w1", "w2", "w3"}},
		{Process: "c1", F: histories.Read, Key: "x", Read: historytest.Versions("w4"), Start: 52, End: 58},
		// Higher than everything before it.
		{Process: "c1", F: histories.Write, Key: "x", ID: "w5", TS: 200, Start: 60, End: 70, Context: []string{"w4"}},
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
	h := registerHistory([]historytest.Op{
		{Process: "c1", F: histories.Write, Key: "x", ID: "w1", Start: 0, End: 10},
		{Process: "c2", F: histories.Read, Key: "x", Read: historytest.Versions("w1"), Start: 12, End: 18},
		{Process: "c2", F: histories.Write, Key: "x", ID: "w2", Start: 20, End: 30, Context: []string{"w1"}},
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
		var ops []historytest.Op
		for i := range n {
			start := rapid.Int64Range(0, 100).Draw(t, "start")
			ops = append(ops, historytest.Op{
				Process: fmt.Sprintf("c%d", i), F: histories.Write, Key: "x", ID: fmt.Sprintf("w%d", i),
				TS: rapid.Int64Range(1, 20).Draw(t, "ts"), Start: start, End: start + rapid.Int64Range(1, 30).Draw(t, "len"),
			})
		}
		res, err := Check(registerHistory(ops, map[string][]string{"x": {ops[0].ID}}), Options{})
		require.NoError(t, err)

		want := map[string]int64{} // later write → the highest ts acknowledged before it began
		for _, b := range ops {
			for _, a := range ops {
				if a.End < b.Start && a.TS >= b.TS && a.TS > want[b.ID] {
					want[b.ID] = a.TS
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
