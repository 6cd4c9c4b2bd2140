package store

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// trio builds n1…n3 of strategy, every key on every node, with write quorum w.
func trio(t *testing.T, strategy string, w int) map[string]*Node {
	t.Helper()
	nodes := map[string]*Node{}
	for _, id := range names(3) {
		s, err := New(strategy, id, Options{})
		require.NoError(t, err)
		var peers []string
		for _, p := range names(3) {
			if p != id {
				peers = append(peers, p)
			}
		}
		n, err := NewNode(Config{ID: id, Peers: peers, Strategy: s, W: w})
		require.NoError(t, err)
		nodes[id] = n
	}
	return nodes
}

func byKind(out []Message) map[Kind][]Message {
	m := map[Kind][]Message{}
	for _, x := range out {
		m[x.Kind] = append(m[x.Kind], x)
	}
	return m
}

// W=2: the coordinator acknowledges once one replica answered Stored; a
// second, a repeated or a stray Stored changes nothing.
func TestWriteQuorumAcksAfterWReplicas(t *testing.T) {
	nodes := trio(t, "vv", 2)
	n1 := nodes["n1"]
	require.NoError(t, n1.Step(0, Message{Kind: Put, From: "c1", ID: 7, Key: "k", Version: ver("w1")}))
	out := byKind(n1.Ready().Messages)
	require.Len(t, out[Replicate], 2)
	assert.Empty(t, out[Reply], "no ack before a replica stored the write")
	assert.Equal(t, 1, n1.Unacked())
	id := out[Replicate][0].ID
	assert.NotZero(t, id)
	assert.Equal(t, id, out[Replicate][1].ID, "one id per write")

	// The replica stores the write and answers Stored.
	require.NoError(t, nodes["n2"].Step(0, out[Replicate][0]))
	st := one(t, nodes["n2"])
	assert.Equal(t, Message{Kind: Stored, From: "n2", To: "n1", ID: id}, st)
	assert.Equal(t, []Version{ver("w1")}, nodes["n2"].Object("k").Versions())

	require.NoError(t, n1.Step(0, st))
	reply := one(t, n1)
	assert.Equal(t, Reply, reply.Kind)
	assert.Equal(t, "c1", reply.To)
	assert.Equal(t, uint64(7), reply.ID)
	assert.Zero(t, n1.Unacked())

	// The third replica's Stored, and a repeat, acknowledge nothing again.
	require.NoError(t, nodes["n3"].Step(0, out[Replicate][1]))
	require.NoError(t, n1.Step(0, one(t, nodes["n3"])))
	require.NoError(t, n1.Step(0, st))
	assert.Empty(t, n1.Ready().Messages)
}

// W=3 needs both peers: the same peer answering twice is not two replicas.
func TestWriteQuorumCountsDistinctReplicas(t *testing.T) {
	nodes := trio(t, "lww", 3)
	n1 := nodes["n1"]
	require.NoError(t, n1.Step(0, Message{Kind: Put, From: "c1", ID: 1, Key: "k", Version: ver("w1")}))
	reps := byKind(n1.Ready().Messages)[Replicate]
	require.Len(t, reps, 2)
	st := Message{Kind: Stored, From: "n2", To: "n1", ID: reps[0].ID}
	require.NoError(t, n1.Step(0, st))
	require.NoError(t, n1.Step(0, st))
	assert.Empty(t, n1.Ready().Messages)
	require.NoError(t, n1.Step(0, Message{Kind: Stored, From: "n3", To: "n1", ID: reps[0].ID}))
	assert.Equal(t, Reply, one(t, n1).Kind)
}

// W ≤ 1 is the coordinator alone: replicas are not asked to answer.
func TestWriteQuorumOfOneAsksNothing(t *testing.T) {
	for _, w := range []int{0, 1} {
		nodes := trio(t, "vv", w)
		require.NoError(t, nodes["n1"].Step(0, Message{Kind: Put, From: "c1", ID: 1, Key: "k", Version: ver("w1")}))
		out := byKind(nodes["n1"].Ready().Messages)
		require.Len(t, out[Reply], 1)
		for _, r := range out[Replicate] {
			assert.Zero(t, r.ID)
			require.NoError(t, nodes[r.To].Step(0, r))
			assert.Empty(t, nodes[r.To].Ready().Messages, "W=%d: no Stored", w)
		}
	}
}

// A commit wait comes first, then the quorum.
func TestWriteQuorumAfterCommitWait(t *testing.T) {
	nodes := map[string]*Node{}
	for _, id := range names(2) {
		s, err := New("truetime", id, Options{Epsilon: 10})
		require.NoError(t, err)
		peer := map[string]string{"n1": "n2", "n2": "n1"}[id]
		n, err := NewNode(Config{ID: id, Peers: []string{peer}, Strategy: s, W: 2})
		require.NoError(t, err)
		nodes[id] = n
	}
	n1 := nodes["n1"]
	require.NoError(t, n1.Step(100, Message{Kind: Put, From: "c1", ID: 1, Key: "k", Version: ver("w1")}))
	assert.Empty(t, n1.Ready().Messages, "held in its commit wait")
	n1.Tick(1000)
	rep := one(t, n1)
	require.Equal(t, Replicate, rep.Kind)
	require.NoError(t, nodes["n2"].Step(1000, rep))
	require.NoError(t, n1.Step(1000, one(t, nodes["n2"])))
	reply := one(t, n1)
	assert.Equal(t, Reply, reply.Kind)
	assert.Positive(t, reply.Meta.Wait)
}

func TestNewNodeRejectsAQuorumAboveTheReplicas(t *testing.T) {
	s, _ := New("vv", "n1", Options{})
	_, err := NewNode(Config{ID: "n1", Peers: []string{"n2"}, Strategy: s, W: 3})
	assert.ErrorContains(t, err, "W=3, but a key has only 2 replicas")
	_, err = NewNode(Config{ID: "n1", Strategy: s, W: -1})
	assert.ErrorContains(t, err, "negative")

	ring, err := NewRing(names(5), 2)
	require.NoError(t, err)
	_, err = NewNode(Config{ID: "n1", Peers: []string{"n2", "n3", "n4", "n5"}, Strategy: s, Ring: ring, W: 3})
	assert.ErrorContains(t, err, "only 2 replicas")
}
