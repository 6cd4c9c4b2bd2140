package store

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const eps = int64(7 * time.Millisecond)

func newTrueTimeNode(t *testing.T) *Node {
	s, err := New("truetime", "n1", Options{Epsilon: time.Duration(eps)})
	require.NoError(t, err)
	n, err := NewNode(Config{ID: "n1", Peers: []string{"n2"}, Strategy: s})
	require.NoError(t, err)
	return n
}

func TestTrueTimeNow(t *testing.T) {
	s, err := New("truetime", "n1", Options{Epsilon: 7 * time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, Interval{Earliest: 1000 - eps, Latest: 1000 + eps}, s.(*TrueTime).Now(1000))
}

// The coordinator holds a write through its commit wait: nothing is stored,
// replicated or acknowledged until TT.now().earliest has passed the commit
// timestamp TT.now().latest.
func TestTrueTimeCommitWaitHoldsTheWrite(t *testing.T) {
	n := newTrueTimeNode(t)
	const now = int64(1_000_000_000_000)
	require.NoError(t, n.Step(now, Message{Kind: Put, From: "c1", ID: 1, Key: "x", Version: Version{Write: "w1", Value: "a"}}))
	assert.Empty(t, n.Ready().Messages, "no reply and no replication before the commit wait ends")
	assert.Equal(t, 1, n.Pending())

	require.NoError(t, n.Step(now+1, Message{Kind: Get, From: "c2", ID: 1, Key: "x"}))
	out := n.Ready().Messages
	require.Len(t, out, 1)
	assert.Empty(t, out[0].Versions, "a read must not see a write in its commit wait")

	ts := now + eps  // TT.now().latest
	n.Tick(ts + eps) // TT.now().earliest == ts: not yet past it
	assert.Empty(t, n.Ready().Messages)

	n.Tick(ts + eps + 1)
	out = n.Ready().Messages
	require.Len(t, out, 2)
	assert.Equal(t, Replicate, out[0].Kind)
	assert.Equal(t, "n2", out[0].To)
	reply := out[1]
	assert.Equal(t, Reply, reply.Kind)
	assert.Equal(t, "c1", reply.To)
	assert.Equal(t, ts, reply.Meta.TS)
	assert.Equal(t, 2*eps+1, reply.Meta.Wait, "the wait served, on the node's clock")
	assert.Positive(t, reply.Meta.Bytes)
	assert.Zero(t, n.Pending())

	require.NoError(t, n.Step(ts+eps+2, Message{Kind: Get, From: "c2", ID: 2, Key: "x"}))
	assert.Equal(t, []Version{{Write: "w1", Value: "a"}}, n.Ready().Messages[0].Versions)
}

// A write that arrives from a peer during the commit wait is merged with
// the held one when the wait ends: the higher timestamp survives.
func TestTrueTimeHeldWriteMergesWithNewerPeerWrite(t *testing.T) {
	n := newTrueTimeNode(t)
	const now = int64(1_000_000_000_000)
	require.NoError(t, n.Step(now, Message{Kind: Put, From: "c1", ID: 1, Key: "x", Version: Version{Write: "w1"}}))
	newer := Object{Siblings: []Sibling{{Version: Version{Write: "w2"}, TS: now + 2*eps, Node: "n2"}}}
	require.NoError(t, n.Step(now+1, Message{Kind: Replicate, From: "n2", Objects: []Keyed{{"x", newer}}}))
	n.Tick(now + 2*eps + 1)
	assert.Equal(t, "w2", n.Object("x").Siblings[0].Write)
	out := n.Ready().Messages
	require.NotEmpty(t, out)
	assert.Equal(t, "w2", out[0].Objects[0].Object.Siblings[0].Write, "the node replicates what it holds after the merge")
}

func TestWriteWithoutCommitWaitCommitsAtOnce(t *testing.T) {
	s, err := New("lww", "n1", Options{})
	require.NoError(t, err)
	n, err := NewNode(Config{ID: "n1", Peers: []string{"n2"}, Strategy: s})
	require.NoError(t, err)
	require.NoError(t, n.Step(5, Message{Kind: Put, From: "c1", ID: 1, Key: "x", Version: Version{Write: "w1"}}))
	out := n.Ready().Messages
	require.Len(t, out, 2)
	assert.Equal(t, Replicate, out[0].Kind)
	assert.Equal(t, Reply, out[1].Kind)
	assert.Zero(t, out[1].Meta.Wait)
	assert.Equal(t, int64(5), out[1].Meta.TS)
}

// Deadline names the end of the earliest commit wait, and Wake releases the
// write then without advancing the node's ticks: with SyncEvery 1 a Tick
// would start an anti-entropy round, a Wake does not.
func TestTrueTimeDeadlineAndWake(t *testing.T) {
	s, err := New("truetime", "n1", Options{Epsilon: time.Duration(eps)})
	require.NoError(t, err)
	n, err := NewNode(Config{ID: "n1", Peers: []string{"n2"}, Strategy: s, SyncEvery: 1})
	require.NoError(t, err)
	_, ok := n.Deadline()
	assert.False(t, ok, "nothing held")

	const now = int64(1_000_000_000_000)
	require.NoError(t, n.Step(now, Message{Kind: Put, From: "c1", ID: 1, Key: "x", Version: Version{Write: "w1"}}))
	require.NoError(t, n.Step(now+5, Message{Kind: Put, From: "c2", ID: 1, Key: "y", Version: Version{Write: "w2"}}))
	at, ok := n.Deadline()
	require.True(t, ok)
	assert.Equal(t, now+2*eps+1, at, "the earlier write's commit wait ends first")

	n.Wake(at - 1)
	assert.Empty(t, n.Ready().Messages, "not yet")
	assert.Equal(t, 2, n.Pending())

	n.Wake(at)
	out := n.Ready().Messages
	require.Len(t, out, 2, "the first write's replication and reply, and no sync")
	assert.Equal(t, Replicate, out[0].Kind)
	assert.Equal(t, Reply, out[1].Kind)
	assert.Equal(t, 2*eps+1, out[1].Meta.Wait)
	at, ok = n.Deadline()
	require.True(t, ok)
	assert.Equal(t, now+5+2*eps+1, at)

	n.Tick(at)
	kinds := []Kind{}
	for _, m := range n.Ready().Messages {
		kinds = append(kinds, m.Kind)
	}
	assert.Equal(t, []Kind{Replicate, Reply, Digest}, kinds, "a tick releases too, and runs anti-entropy")
	_, ok = n.Deadline()
	assert.False(t, ok)
}
