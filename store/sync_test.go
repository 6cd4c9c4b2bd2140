package store

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// pair returns nodes n1 and n2 of strategy, peers of each other, that run
// an anti-entropy round on every tick with a budget of budget bytes (0:
// the default).
func pair(t require.TestingT, strategy string, budget int) (*Node, *Node) {
	var nodes []*Node
	for _, id := range []string{"n1", "n2"} {
		s, err := New(strategy, id, Options{})
		require.NoError(t, err)
		peer := map[string]string{"n1": "n2", "n2": "n1"}[id]
		n, err := NewNode(Config{ID: id, Peers: []string{peer}, Strategy: s, SyncEvery: 1, SyncBytes: budget})
		require.NoError(t, err)
		nodes = append(nodes, n)
	}
	return nodes[0], nodes[1]
}

// testWrites counts the writes of the tests, the clock reading of the next one.
var testWrites atomic.Int64

// write puts key=value on n as a blind write, each at a later clock reading
// than the last, and drops what n sends.
func write(t require.TestingT, n *Node, key, value string) {
	require.NoError(t, n.Step(testWrites.Add(1), Message{Kind: Put, From: "c1", Key: key, Version: Version{Write: n.ID() + "-" + key + "-" + value[:min(len(value), 8)], Value: value}}))
	n.Wake(math.MaxInt64) // past any commit wait
	n.Ready()
}

// round has a start an anti-entropy round and delivers every message it
// leads to, back and forth, until none is left; it returns them in the
// order they were sent.
func round(t require.TestingT, a, b *Node) []Message {
	a.Tick(0)
	var all []Message
	from, to := a, b
	msgs := from.Ready().Messages
	for len(msgs) > 0 {
		all = append(all, msgs...)
		for _, m := range msgs {
			require.Equal(t, to.ID(), m.To)
			require.NoError(t, to.Step(0, m))
		}
		msgs = to.Ready().Messages
		from, to = to, from
	}
	return all
}

// keysIn lists the keys whose objects the messages carry, in order.
func keysIn(ms []Message) []string {
	var keys []string
	for _, m := range ms {
		for _, k := range m.Objects {
			keys = append(keys, k.Key)
		}
	}
	return keys
}

// converged reports whether a and b hold the same keys and objects.
func converged(a, b *Node) bool {
	if !slices.Equal(a.Keys(), b.Keys()) {
		return false
	}
	for _, k := range a.Keys() {
		if !a.Object(k).Equal(b.Object(k)) {
			return false
		}
	}
	return true
}

// TestSyncSendsOnlyTheKeyThatDiffers: two nodes that hold the same 20 keys
// but one: a round from either side carries that key's object alone, once
// each way at most, and the nodes agree after it.
func TestSyncSendsOnlyTheKeyThatDiffers(t *testing.T) {
	for _, strategy := range Names() {
		for _, start := range []string{"n1", "n2"} {
			for _, kind := range []string{"missing", "different"} {
				t.Run(strategy+"/"+start+"/"+kind, func(t *testing.T) {
					n1, n2 := pair(t, strategy, 0)
					for i := range 20 {
						write(t, n1, fmt.Sprintf("k%02d", i), "v")
					}
					for _, k := range n1.Keys() {
						n2.merge(Keyed{k, n1.Object(k)})
					}
					require.True(t, converged(n1, n2))
					write(t, n1, "k07", "new") // its replication is lost
					if kind == "missing" {
						write(t, n1, "k20", "only")
					}
					differs := map[string]string{"missing": "k20", "different": "k07"}[kind]
					if kind == "missing" {
						n2.merge(Keyed{"k07", n1.Object("k07")})
					}
					a, b := n1, n2
					if start == "n2" {
						a, b = n2, n1
					}
					keys := len(a.Keys())
					ms := round(t, a, b)
					assert.True(t, converged(n1, n2), "one round converges")
					assert.Equal(t, Digest, ms[0].Kind)
					assert.Len(t, ms[0].Sums, keys, "the digest lists every key")
					assert.Empty(t, ms[0].Objects, "a digest carries no object")
					moved := keysIn(ms)
					require.NotEmpty(t, moved)
					assert.LessOrEqual(t, len(moved), 2)
					for _, k := range moved {
						assert.Equal(t, differs, k, "only the key that differs travels")
					}
					for _, m := range ms[1:] {
						for _, k := range m.Want {
							assert.Equal(t, differs, k)
						}
					}
					assert.Empty(t, keysIn(round(t, a, b)), "a round between equal nodes carries no object")
					assert.Empty(t, keysIn(round(t, b, a)))
				})
			}
		}
	}
}

// TestSyncMessagesAreBounded: a node with 12 objects of 300 KB and an
// empty peer converge over rounds whose messages each carry at most the
// budget of objects, or one object larger than it; each round moves at
// most a budget's worth each way (or one object) and the digest of a store
// larger than a message is spread over several rounds.
func TestSyncMessagesAreBounded(t *testing.T) {
	const budget = 1 << 20
	big := strings.Repeat("x", 300<<10)
	huge := strings.Repeat("y", 3<<20)
	for _, empty := range []string{"n1", "n2"} {
		t.Run("empty "+empty, func(t *testing.T) {
			n1, n2 := pair(t, "vv", budget)
			for i := range 12 {
				write(t, n1, fmt.Sprintf("k%02d", i), big+fmt.Sprint(i))
			}
			write(t, n1, "k99", huge)
			a, b := n1, n2
			if empty == "n2" {
				a, b = n2, n1
			}
			rounds := 0
			for ; rounds < 30 && !converged(n1, n2); rounds++ {
				moved := map[string]int{}
				for _, m := range round(t, a, b) {
					size := 0
					for _, k := range m.Objects {
						size += len(k.Key) + k.Object.Size()
					}
					moved[m.From] += size
					if len(m.Objects) > 1 {
						assert.LessOrEqual(t, size, budget, "a message of several objects stays within the budget")
					}
				}
				for from, size := range moved {
					assert.LessOrEqual(t, size, max(budget, len(huge)+1024), "a round moves one budget from %s", from)
				}
				a, b = b, a
			}
			assert.True(t, converged(n1, n2), "converged in %d rounds", rounds)
			assert.GreaterOrEqual(t, rounds, 4, "%d rounds: the store is larger than a round", rounds)
		})
	}
}

// TestDigestRangesCoverEveryKey: with a budget of a few keys' sums, a
// node's rounds walk its keys range after range and start again at the
// first; a key the peer lacks anywhere comes in within a pass.
func TestDigestRangesCoverEveryKey(t *testing.T) {
	n1, n2 := pair(t, "dvv", 3*(keySumBytes+3))
	for i := range 10 {
		write(t, n1, fmt.Sprintf("k%02d", i), "v")
	}
	var ranges [][2]string
	for range 5 {
		m := round(t, n1, n2)[0]
		require.Equal(t, Digest, m.Kind)
		assert.LessOrEqual(t, len(m.Sums), 3)
		ranges = append(ranges, [2]string{m.After, m.Through})
	}
	assert.Equal(t, [][2]string{{"", "k02"}, {"k02", "k05"}, {"k05", "k08"}, {"k08", ""}, {"", "k02"}}, ranges)
	for range 20 { // a round moves one object each way: the budget is small
		round(t, n1, n2)
	}
	require.True(t, converged(n1, n2))
	write(t, n2, "k055", "v") // between two of n1's ranges
	for range 4 {
		round(t, n1, n2)
	}
	assert.True(t, converged(n1, n2), "n1's pass found the key n2 alone holds")
}

// TestSyncConvergesAnyStores: two nodes holding any keys, values and
// budgets agree after enough rounds from both sides, and after that a
// round moves nothing.
func TestSyncConvergesAnyStores(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		strategy := rapid.SampledFrom(Names()).Draw(t, "strategy")
		budget := rapid.IntRange(1, 4096).Draw(t, "budget")
		n1, n2 := pair(t, strategy, budget)
		for i, n := range []*Node{n1, n2} {
			for j, k := range rapid.SliceOf(rapid.StringMatching(`[a-h]{1,3}`)).Draw(t, fmt.Sprint("keys", i)) {
				write(t, n, k, fmt.Sprintf("%d-%d-%s", i, j, strings.Repeat("v", rapid.IntRange(1, 2000).Draw(t, "size"))))
			}
		}
		keys := len(n1.Keys()) + len(n2.Keys())
		for range 2 * (keys + 1) {
			round(t, n1, n2)
			round(t, n2, n1)
		}
		if !converged(n1, n2) {
			t.Fatalf("not converged: %v and %v", n1.Keys(), n2.Keys())
		}
		for _, m := range append(round(t, n1, n2), round(t, n2, n1)...) {
			if m.Kind != Digest {
				t.Fatalf("converged nodes sent %s %v", m.Kind, keysIn([]Message{m}))
			}
		}
	})
}

func TestSum(t *testing.T) {
	s, err := New("dvv", "n1", Options{})
	require.NoError(t, err)
	a, _ := s.Put(Object{}, Write{Version: ver("w1")}, 1)
	b, _ := s.Put(a, Write{Version: ver("w2")}, 2)
	assert.Equal(t, a.Sum(), a.Sum())
	assert.NotEqual(t, a.Sum(), b.Sum())
	assert.NotEqual(t, Object{}.Sum(), a.Sum())
	tomb := a
	tomb.Siblings = slices.Clone(a.Siblings)
	tomb.Siblings[0].Deleted = true
	assert.NotEqual(t, a.Sum(), tomb.Sum(), "a tombstone is not the write")
	// The lengths are in the encoding: moving a byte from the id to the value changes the sum.
	x := Object{Siblings: []Sibling{{Version: Version{Write: "ab", Value: "c"}}}}
	y := Object{Siblings: []Sibling{{Version: Version{Write: "a", Value: "bc"}}}}
	assert.NotEqual(t, x.Sum(), y.Sum())

	b1, err := json.Marshal(KeySum{Key: "k", Sum: a.Sum(), Size: 3})
	require.NoError(t, err)
	assert.Equal(t, `{"key":"k","sum":"`+a.Sum().String()+`","size":3}`, string(b1))
	var back KeySum
	require.NoError(t, json.Unmarshal(b1, &back))
	assert.Equal(t, a.Sum(), back.Sum)
	require.ErrorContains(t, json.Unmarshal([]byte(`{"sum":"abc"}`), &back), "32 hex digits")
	require.ErrorContains(t, json.Unmarshal([]byte(`{"sum":"zz`+strings.Repeat("0", 30)+`"}`), &back), "invalid byte")
}

func TestNewNodeRejectsANegativeSyncBudget(t *testing.T) {
	s, err := New("vv", "n1", Options{})
	require.NoError(t, err)
	_, err = NewNode(Config{ID: "n1", Strategy: s, SyncBytes: -1})
	require.ErrorContains(t, err, "sync bytes must not be negative")
}
