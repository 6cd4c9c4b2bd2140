package store

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("n%d", i+1)
	}
	return out
}

func TestNewRingRejectsImpossibleReplicaCounts(t *testing.T) {
	for _, n := range []int{0, -1, 4} {
		_, err := NewRing(names(3), n)
		assert.Error(t, err, "%d replicas of 3 nodes", n)
	}
}

func TestRingReplicas(t *testing.T) {
	r, err := NewRing(names(50), 3)
	require.NoError(t, err)
	first := map[string]int{}
	for i := range 2000 {
		key := fmt.Sprintf("k%d", i)
		reps := r.Replicas(key)
		require.Len(t, reps, 3)
		assert.Len(t, slices.Compact(slices.Sorted(slices.Values(reps))), 3, "distinct replicas for %s", key)
		assert.Equal(t, reps, r.Replicas(key), "the same answer every time")
		for _, n := range names(50) {
			assert.Equal(t, slices.Contains(reps, n), r.Holds(key, n))
		}
		first[reps[0]]++
	}
	// 64 points per node spread 2000 keys over all 50 nodes.
	assert.Len(t, first, 50, "every node coordinates some keys")
	for n, c := range first {
		assert.Less(t, c, 120, "%s is the first replica of %d of 2000 keys (a fair share is 40)", n, c)
	}
}

// Adding a node moves only the keys it now replicates: every other key
// keeps its replicas in the same order.
func TestRingAddingANodeMovesFewKeys(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(3, 30).Draw(t, "nodes")
		k := rapid.IntRange(1, 3).Draw(t, "replicas")
		before, _ := NewRing(names(n), k)
		after, _ := NewRing(names(n+1), k)
		added := fmt.Sprintf("n%d", n+1)
		key := rapid.StringN(1, 8, -1).Draw(t, "key")
		if got := after.Replicas(key); !slices.Contains(got, added) && !slices.Equal(got, before.Replicas(key)) {
			t.Fatalf("%s moved from %v to %v though %s does not hold it", key, before.Replicas(key), got, added)
		}
	})
}

func TestReplicaCount(t *testing.T) {
	assert.Equal(t, 3, ReplicaCount("dvv", 0, 5), "dvv's default")
	assert.Equal(t, 2, ReplicaCount("dvv", 0, 2), "at most every node")
	assert.Equal(t, 5, ReplicaCount("vv", 0, 5), "no default: every node")
	assert.Equal(t, 5, ReplicaCount("nope", 0, 5), "no strategy: every node")
	assert.Equal(t, 4, ReplicaCount("dvv", 4, 5), "as told")
	assert.Equal(t, 5, ReplicaCount("vv", 7, 5), "at most every node")
}
