package explain

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/clockwise-kv/clockwise/checker/results"
	"github.com/clockwise-kv/clockwise/histories"
)

func TestLost(t *testing.T) {
	ahead, behind := int64(2e9), int64(0)
	w := &results.Ref{Write: "w2", Process: "c2", Node: "n2", Type: histories.OK, Start: 3e9, End: 4e9, TS: 10, Offset: &behind}
	win := &results.Ref{Write: "w1", Process: "c1", Node: "n1", Type: histories.OK, Start: 1e9, End: 2e9, TS: 20, Offset: &ahead}
	l := &results.Lost{Key: "x", Kind: results.OverwrittenByOlder, Write: w, Winner: win, WinnerTime: results.Earlier}
	why := Lost(l, true, nil)
	assert.Contains(t, why, "w2 follows w1: c2 had read it")
	assert.Contains(t, why, "because its timestamp 20 is higher than w2's 10")
	assert.Contains(t, why, "In real time w1 was acknowledged at")

	missing := &results.Lost{Key: "x", Kind: results.Missing, Write: &results.Ref{Write: "w3", Type: histories.Info}}
	assert.Equal(t, "w3's outcome was unknown (info), but a read returned it, so it happened. w3 was acknowledged, but no version of x survives on any node",
		Lost(missing, false, nil))
}

func TestExternal(t *testing.T) {
	a := &results.Ref{Write: "w1", Node: "n1", End: 1e9, TS: 5}
	b := &results.Ref{Write: "w2", Node: "n1", Start: 2e9, TS: 5}
	assert.Contains(t, External(&results.External{Key: "x", Earlier: a, Later: b}), "w2's timestamp 5 is equal to w1's 5")
}

func TestCorrupted(t *testing.T) {
	c := &results.Corrupted{Key: "x", Write: &results.Ref{Write: "w1", Value: "a", Invoke: 3}, Value: "b"}
	assert.Equal(t, `c1's read of x through n1 (event 9) returned w1 as the value "b", but w1 wrote the value "a" (event 3): the store returned something no write wrote.`,
		Corrupted(c, "c1", "n1", 9))
}
