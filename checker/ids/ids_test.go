package ids

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/clockwise-kv/clockwise/histories"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNumber(t *testing.T) {
	for id, want := range map[string]int{
		"w1": 1, "w10": 10, "w999999999": 999999999, "w0": -1, "w01": -1, "w": -1, "": -1,
		"x1": -1, "w1x": -1, "w-1": -1, "w1000000000": -1, "w 1": -1,
	} {
		assert.Equal(t, want, Number(id), id)
	}
}

func TestIndex(t *testing.T) {
	x := NewIndex[int](10)
	for i, id := range []string{"w1", "w9", "w10", "w01", "tomb-1", "w123456789"} {
		x.Put(id, i+1)
	}
	for i, id := range []string{"w1", "w9", "w10", "w01", "tomb-1", "w123456789"} {
		assert.Equal(t, i+1, x.Get(id), id)
	}
	assert.Zero(t, x.Get("w2"))
	assert.Zero(t, x.Get("w1234"))
	assert.Zero(t, x.Get("nothing"))
}

// TestSort holds Sort to slices.Sort's order, numbered ids alone and
// mixed with others.
func TestSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		n := r.IntN(300)
		var ids []string
		for range n {
			switch r.IntN(4) {
			case 0:
				ids = append(ids, fmt.Sprintf("w%d", 1+r.IntN(20)))
			case 1:
				ids = append(ids, fmt.Sprintf("w%d", 1+r.IntN(999999999)))
			default:
				ids = append(ids, fmt.Sprintf("w%d", 1+r.IntN(100000)))
			}
		}
		if round%5 == 0 && n > 0 {
			ids[r.IntN(n)] = []string{"w0", "w007", "tomb-3", "w1000000000"}[r.IntN(4)]
		}
		want := slices.Sorted(slices.Values(ids))
		Sort(ids)
		require.Equal(t, want, ids, "round %d", round)
	}
}

func TestNames(t *testing.T) {
	var n Names
	var want []string
	for i := range 20 { // past the few told apart by comparing
		s := fmt.Sprintf("k%d", i)
		require.Equal(t, i, n.ID(s))
		want = append(want, s)
	}
	for i, s := range want {
		assert.Equal(t, i, n.ID(s), s)
	}
	assert.Equal(t, want, n.List)
	var few Names
	a := fmt.Sprint("k", 1)
	require.Equal(t, 0, few.ID(a))
	require.Equal(t, 1, few.ID("k2"))
	assert.Equal(t, 0, few.ID(a), "the same string")
	assert.Equal(t, 0, few.ID(fmt.Sprint("k", 1)), "an equal one")
	assert.Equal(t, []string{"k1", "k2"}, few.List)
}

func TestReads(t *testing.T) {
	var none *Reads
	assert.False(t, none.Returned("w1"))
	var r Reads
	assert.False(t, r.Returned("w1"))
	first := []histories.Version{{Write: "w1"}, {Write: "w2"}}
	r.Add(&first)
	second := []histories.Version{{Write: "w3"}}
	r.Add(&second)
	assert.True(t, r.Returned("w3"), "the latest read's")
	assert.True(t, r.Returned("w1"), "an earlier read's")
	assert.False(t, r.Returned("w4"))
	third := []histories.Version{{Write: "w4"}}
	r.Add(&third) // after the set of every id was made
	assert.True(t, r.Returned("w4"))
	assert.True(t, r.Returned("w2"))
}
