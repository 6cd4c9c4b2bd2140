package store

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// placed builds n nodes of strategy on a ring of k replicas.
func placed(t *testing.T, strategy string, n, k int) (map[string]*Node, *Ring) {
	t.Helper()
	ring, err := NewRing(names(n), k)
	require.NoError(t, err)
	nodes := map[string]*Node{}
	for _, id := range names(n) {
		s, err := New(strategy, id, Options{})
		require.NoError(t, err)
		peers := slices.DeleteFunc(names(n), func(p string) bool { return p == id })
		node, err := NewNode(Config{ID: id, Peers: peers, Strategy: s, SyncEvery: 1, Ring: ring})
		require.NoError(t, err)
		nodes[id] = node
	}
	return nodes, ring
}

// outsider returns a node that is not a replica of key.
func outsider(t *testing.T, ring *Ring, key string) string {
	for _, n := range ring.Nodes() {
		if !ring.Holds(key, n) {
			return n
		}
	}
	t.Fatalf("every node holds %s", key)
	return ""
}

func one(t *testing.T, n *Node) Message {
	t.Helper()
	out := n.Ready().Messages
	require.Len(t, out, 1, "%s sent %v", n.ID(), out)
	return out[0]
}

func TestNodeForwardsToAReplicaAndRelaysTheAnswer(t *testing.T) {
	nodes, ring := placed(t, "dvv", 6, 3)
	key := "k1"
	reps := ring.Replicas(key)
	via := nodes[outsider(t, ring, key)]

	// A write through a non-replica is coordinated by the first replica.
	require.NoError(t, via.Step(0, Message{Kind: Put, From: "c1", ID: 7, Key: key, Version: ver("w1")}))
	fwd := one(t, via)
	assert.Equal(t, Put, fwd.Kind)
	assert.Equal(t, reps[0], fwd.To)
	assert.Equal(t, 1, via.Forwards())
	assert.Empty(t, via.Keys(), "a non-replica stores nothing")

	coord := nodes[reps[0]]
	require.NoError(t, coord.Step(0, fwd))
	var reply Message
	var replicated []string
	for _, m := range coord.Ready().Messages {
		switch m.Kind {
		case Replicate:
			replicated = append(replicated, m.To)
		case Reply:
			reply = m
		}
	}
	assert.ElementsMatch(t, reps[1:], replicated, "a write replicates to the key's other replicas only")
	assert.Equal(t, via.ID(), reply.To)
	require.NotNil(t, reply.Meta.Dot)
	assert.Equal(t, reps[0], reply.Meta.Dot.Node, "the replica coordinated the write")

	require.NoError(t, via.Step(0, reply))
	relayed := one(t, via)
	assert.Equal(t, Message{Kind: Reply, From: via.ID(), To: "c1", ID: 7, Key: key, Meta: reply.Meta}, relayed)
	assert.Zero(t, via.Forwards())

	// A read through a non-replica sees what the replica holds.
	require.NoError(t, via.Step(0, Message{Kind: Get, From: "c2", ID: 1, Key: key}))
	fwd = one(t, via)
	require.NoError(t, coord.Step(0, fwd))
	require.NoError(t, via.Step(0, one(t, coord)))
	relayed = one(t, via)
	assert.Equal(t, "c2", relayed.To)
	assert.Equal(t, uint64(1), relayed.ID)
	assert.Equal(t, []Version{ver("w1")}, relayed.Versions)
}

// A forward lost to a partition leaves the client without an answer (it
// times out) and the forward open; a stray or repeated answer is ignored.
func TestNodeLostForwardStaysOpen(t *testing.T) {
	nodes, ring := placed(t, "dvv", 6, 3)
	via := nodes[outsider(t, ring, "k1")]
	require.NoError(t, via.Step(0, Message{Kind: Get, From: "c1", ID: 3, Key: "k1"}))
	one(t, via) // lost
	assert.Equal(t, 1, via.Forwards())
	require.NoError(t, via.Step(0, Message{Kind: Reply, From: "n1", To: via.ID(), ID: 99, Key: "k1"}))
	assert.Empty(t, via.Ready().Messages)
	assert.Equal(t, 1, via.Forwards())
}

func TestNodeSyncCarriesOnlySharedKeys(t *testing.T) {
	nodes, ring := placed(t, "dvv", 8, 2)
	keys := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	for _, id := range ring.Nodes() {
		n := nodes[id]
		for _, k := range keys {
			if ring.Holds(k, id) {
				require.NoError(t, n.Step(0, Message{Kind: Put, From: "c1", Key: k, Version: ver(id + k)}))
			}
		}
		n.Ready()
	}
	for _, id := range ring.Nodes() {
		n := nodes[id]
		n.Tick(0) // SyncEvery 1: one anti-entropy round
		m := one(t, n)
		require.Equal(t, Digest, m.Kind)
		for _, s := range m.Sums {
			assert.True(t, ring.Holds(s.Key, id) && ring.Holds(s.Key, m.To), "%s sent %s to %s", id, s.Key, m.To)
		}
		// Each answer goes back to the other side: the Sync, then the
		// Replicate.
		from, to := nodes[m.To], n
		msgs := []Message{m}
		for len(msgs) > 0 {
			for _, msg := range msgs {
				require.NoError(t, from.Step(0, msg))
			}
			msgs = from.Ready().Messages
			for _, ans := range msgs {
				assert.Equal(t, to.ID(), ans.To)
				for _, k := range ans.Objects {
					assert.True(t, ring.Holds(k.Key, from.ID()) && ring.Holds(k.Key, to.ID()), "%s answered %s with %s", from.ID(), to.ID(), k.Key)
				}
				for _, k := range ans.Want {
					assert.True(t, ring.Holds(k, from.ID()) && ring.Holds(k, to.ID()), "%s asked %s for %s", from.ID(), to.ID(), k)
				}
			}
			from, to = to, from
		}
	}
}

func TestNewNodeRejectsANodeOffTheRing(t *testing.T) {
	ring, err := NewRing(names(3), 2)
	require.NoError(t, err)
	s, _ := New("dvv", "n9", Options{})
	_, err = NewNode(Config{ID: "n9", Strategy: s, Ring: ring})
	assert.ErrorContains(t, err, "not on the ring")
}

// Without a ring every node coordinates and replicates to every peer.
func TestNodeWithoutRingCoordinatesEverything(t *testing.T) {
	s, _ := New("vv", "n2", Options{})
	n, err := NewNode(Config{ID: "n2", Peers: []string{"n3", "n1"}, Strategy: s})
	require.NoError(t, err)
	require.NoError(t, n.Step(0, Message{Kind: Put, From: "c1", ID: 1, Key: "k", Version: ver("w1")}))
	var to []string
	for _, m := range n.Ready().Messages {
		to = append(to, string(m.Kind)+":"+m.To)
	}
	assert.Equal(t, []string{"replicate:n1", "replicate:n3", "reply:c1"}, to)
}

// A write without a commit wait is acknowledged at once whatever the clock
// reads, before 1970 too: a clock wound far back does not hold every write.
// A write id the key holds with another value is a conflict, not applied.
func TestNodeCommitsAtOnceAtANegativeClockAndRefusesAReusedID(t *testing.T) {
	for _, name := range []string{"vv", "dvv", "lww", "lamport"} {
		s, _ := New(name, "n1", Options{})
		n, err := NewNode(Config{ID: "n1", Strategy: s})
		require.NoError(t, err)
		require.NoError(t, n.Step(-1<<62, Message{Kind: Put, From: "c1", ID: 1, Key: "k", Version: ver("w1")}))
		r := one(t, n)
		assert.Equal(t, Reply, r.Kind, name)
		assert.Empty(t, r.Err, name)
		assert.Zero(t, n.Pending(), name)

		err = n.Step(-1<<62, Message{Kind: Put, From: "c1", ID: 2, Key: "k", Version: Version{Write: "w1", Value: "other"}})
		assert.ErrorContains(t, err, "reused with another value", name)
		r = one(t, n)
		assert.True(t, r.Conflict, name)
		assert.Contains(t, r.Err, "write id w1 is taken", name)
		assert.Equal(t, []Version{ver("w1")}, n.Object("k").Versions(), name)
	}
}

// AppendReady hands out what Ready would, and what it appended stays put
// while the node goes on.
func TestAppendReadyIsReady(t *testing.T) {
	mk := func() *Node {
		s, err := New("lww", "n1", Options{})
		require.NoError(t, err)
		n, err := NewNode(Config{ID: "n1", Peers: []string{"n2", "n3"}, Strategy: s})
		require.NoError(t, err)
		return n
	}
	a, b := mk(), mk()
	var buf []Message
	for i, w := range []string{"w1", "w2"} {
		put := Message{Kind: Put, From: "c1", ID: uint64(i + 1), Key: "x", Version: ver(w)}
		require.NoError(t, a.Step(int64(i), put))
		require.NoError(t, b.Step(int64(i), put))
		want := a.Ready().Messages
		buf = b.AppendReady(buf[:0])
		require.Len(t, want, 3, "two replications and a reply")
		assert.Equal(t, want, buf)
	}
	first := b.AppendReady(nil)
	assert.Empty(t, first, "nothing new")
	require.NoError(t, b.Step(5, Message{Kind: Get, From: "c1", ID: 9, Key: "x"}))
	got := b.AppendReady(first)
	require.Len(t, got, 1)
	assert.Equal(t, "w2", got[0].Versions[0].Write)
	require.NoError(t, b.Step(6, Message{Kind: Put, From: "c1", ID: 10, Key: "x", Version: ver("w3")}))
	assert.Equal(t, "w2", got[0].Versions[0].Write, "a later step leaves what was handed out alone")
}

// A node ticked only when it has work, its idle ticks skipped, runs its
// anti-entropy rounds on the same ticks as one ticked every time.
func TestSkipKeepsTheAntiEntropySchedule(t *testing.T) {
	mk := func() *Node {
		s, err := New("vv", "n1", Options{})
		require.NoError(t, err)
		n, err := NewNode(Config{ID: "n1", Peers: []string{"n2", "n3"}, Strategy: s, SyncEvery: 4})
		require.NoError(t, err)
		require.NoError(t, n.Step(0, Message{Kind: Put, From: "c1", ID: 1, Key: "x", Version: ver("w1")}))
		n.Ready()
		return n
	}
	every, lazy := mk(), mk()
	var want, got []string // tick number → peer synced
	for tick := 1; tick <= 20; tick++ {
		every.Tick(int64(tick))
		for _, m := range every.Ready().Messages {
			want = append(want, fmt.Sprintf("%d %s", tick, m.To))
		}
	}
	assert.Equal(t, []string{"4 n2", "8 n3", "12 n2", "16 n3", "20 n2"}, want)
	for tick := 0; tick < 20; {
		idle := lazy.Idle()
		lazy.Skip(idle + 5) // more than idle: only idle are counted
		tick += idle + 1
		lazy.Tick(int64(tick))
		for _, m := range lazy.Ready().Messages {
			got = append(got, fmt.Sprintf("%d %s", tick, m.To))
		}
	}
	assert.Equal(t, want, got)

	s, err := New("vv", "n1", Options{})
	require.NoError(t, err)
	off, err := NewNode(Config{ID: "n1", Peers: []string{"n2"}, Strategy: s})
	require.NoError(t, err)
	assert.Equal(t, math.MaxInt, off.Idle(), "no anti-entropy: every tick is idle")
}
