package store

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestPruneDropsTheEntriesBumpedLongestAgo(t *testing.T) {
	o := Object{
		Clock:  vvOf("n1", 5, "n2", 1, "n3", 2, "n4", 7),
		Bumped: vvOf("n1", 300, "n2", 100, "n3", 200, "n4", 400),
	}
	got := prune(o, 2)
	assert.Equal(t, "{n1:5 n4:7}", got.Clock.String())
	assert.Equal(t, "{n1:300 n4:400}", got.Bumped.String())

	// An entry without a known time goes first; equal times go by name.
	o.Bumped = vvOf("n1", 300, "n3", 300, "n4", 300)
	assert.Equal(t, "{n3:2 n4:7}", prune(o, 2).Clock.String())

	// Under the cap nothing is dropped, but times of actors the clock no
	// longer has are forgotten.
	o = Object{Clock: vvOf("n1", 1), Bumped: vvOf("n1", 10, "n9", 20)}
	assert.Equal(t, "{n1:10}", prune(o, 2).Bumped.String())
}

func newPruned(t *testing.T, node string, keep int) Strategy {
	t.Helper()
	s, err := New("vv-pruned", node, Options{Prune: keep})
	require.NoError(t, err)
	return s
}

// Below the cap vv-pruned keeps exactly vv's versions and clock; past it the
// clock never exceeds the cap, through puts and merges alike.
func TestPrunedVVBoundedAndOtherwiseVV(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		keep := rapid.IntRange(1, 6).Draw(t, "keep")
		nodes := rapid.IntRange(1, 9).Draw(t, "nodes")
		pruned := make([]Object, nodes)
		plain := make([]Object, nodes)
		var prunedS, plainS []Strategy
		for i := range nodes {
			id := fmt.Sprintf("n%d", i+1)
			p, _ := New("vv-pruned", id, Options{Prune: keep})
			v, _ := New("vv", id, Options{})
			prunedS, plainS = append(prunedS, p), append(plainS, v)
		}
		for i := range rapid.IntRange(1, 30).Draw(t, "steps") {
			n := rapid.IntRange(0, nodes-1).Draw(t, "node")
			if rapid.Bool().Draw(t, "merge") {
				q := rapid.IntRange(0, nodes-1).Draw(t, "from")
				pruned[n] = prunedS[n].Merge(pruned[n], pruned[q])
				plain[n] = plainS[n].Merge(plain[n], plain[q])
			} else {
				w := Version{Write: fmt.Sprintf("w%d", i)}
				_, pctx := prunedS[n].Read(pruned[n])
				_, vctx := plainS[n].Read(plain[n])
				pruned[n], _ = prunedS[n].Put(pruned[n], Write{Version: w, Context: pctx}, int64(1000+i))
				plain[n], _ = plainS[n].Put(plain[n], Write{Version: w, Context: vctx}, int64(1000+i))
			}
			if len(pruned[n].Clock) > keep {
				t.Fatalf("%d entries, cap %d: %v", len(pruned[n].Clock), keep, pruned[n].Clock)
			}
			if len(pruned[n].Bumped) != len(pruned[n].Clock) {
				t.Fatalf("bump times %v do not match the clock %v", pruned[n].Bumped, pruned[n].Clock)
			}
			if nodes <= keep && !(Object{Siblings: pruned[n].Siblings, Clock: pruned[n].Clock}).Equal(plain[n]) {
				t.Fatalf("under the cap vv-pruned %v differs from vv %v", pruned[n], plain[n])
			}
		}
	})
}

// A coordinator whose clock is behind bumps its own entry with the oldest
// time, so pruning drops it at once: the write carries exactly the clock of
// what its client read, and a concurrent write that read the same then
// dominates it.
func TestPrunedVVSlowClockPrunesItsOwnEntry(t *testing.T) {
	n1, n2, n3 := newPruned(t, "n1", 2), newPruned(t, "n2", 2), newPruned(t, "n3", 2)
	obj, _ := n1.Put(Object{}, Write{Version: ver("w1")}, 1000)
	_, ctx := n2.Read(obj)
	obj, _ = n2.Put(obj, Write{Version: ver("w2"), Context: ctx}, 1010)
	_, read := n3.Read(obj)
	w3, st := n3.Put(obj, Write{Version: ver("w3"), Context: read}, 500) // n3 runs slow
	assert.Equal(t, "{n1:1 n2:1}", st.Meta.VV.String(), "n3's own entry was pruned")
	w4, _ := n1.Put(obj, Write{Version: ver("w4"), Context: read}, 1020)
	assert.Equal(t, After, w4.Clock.Compare(w3.Clock), "w4 looks newer than w3 though neither read the other")
	assert.Equal(t, []Version{ver("w4")}, n1.Merge(w4, w3).Versions(), "w3 is dropped")

	// vv keeps both.
	v1, _ := New("vv", "n1", Options{})
	v3, _ := New("vv", "n3", Options{})
	vw3, _ := v3.Put(obj, Write{Version: ver("w3"), Context: Context{Clock: read.Clock}}, 0)
	vw4, _ := v1.Put(obj, Write{Version: ver("w4"), Context: Context{Clock: read.Clock}}, 0)
	assert.Equal(t, []Version{ver("w3"), ver("w4")}, v1.Merge(vw4, vw3).Versions())
}

func TestPrunedVVDefaultCap(t *testing.T) {
	s, err := New("vv-pruned", "n1", Options{})
	require.NoError(t, err)
	assert.Equal(t, DefaultPrune, s.(*PrunedVV).keep)
}
