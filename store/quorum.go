package store

import (
	"fmt"
	"slices"
)

// quorums are the writes a coordinator has committed and replicated but not
// yet acknowledged: each waits until enough replicas have stored it
// (Config.W).
type quorums struct {
	w       int // replicas, the coordinator included, that must store a write before its ack
	seq     uint64
	waiting map[uint64]*quorum
}

// quorum is one write waiting for its replicas: the reply that acknowledges
// it and the replicas that have stored it so far, the coordinator excluded.
type quorum struct {
	reply  Message
	stored []string
}

// replicaCount is how many nodes hold each key under c: the ring's N, or
// every node.
func replicaCount(c Config) int {
	if c.Ring != nil {
		return c.Ring.N()
	}
	return 1 + len(c.Peers)
}

// newQuorums checks c.W against the replicas a key has.
func newQuorums(c Config) (quorums, error) {
	switch n := replicaCount(c); {
	case c.W < 0:
		return quorums{}, fmt.Errorf("store: W must not be negative, got %d", c.W)
	case c.W > n:
		return quorums{}, fmt.Errorf("store: W=%d, but a key has only %d replicas", c.W, n)
	}
	return quorums{w: c.W, waiting: map[uint64]*quorum{}}, nil
}

// await holds reply until W-1 replicas other than the coordinator have
// stored the write, and returns the id its Replicate messages carry; with
// W ≤ 1 it holds nothing and returns 0, and the caller acknowledges at once.
func (n *Node) await(reply Message) uint64 {
	if n.quorum.w <= 1 {
		return 0
	}
	n.quorum.seq++
	n.quorum.waiting[n.quorum.seq] = &quorum{reply: reply}
	return n.quorum.seq
}

// ackReplicate answers a Replicate that asks for it (a nonzero ID) once its
// objects are stored.
func (n *Node) ackReplicate(m Message) {
	if m.ID != 0 {
		n.send(Message{Kind: Stored, To: m.From, ID: m.ID})
	}
}

// stored counts a replica's Stored and acknowledges the write once W
// replicas hold it. A Stored for a write already acknowledged, unknown, or
// repeated by the same replica changes nothing.
func (n *Node) stored(m Message) {
	q, ok := n.quorum.waiting[m.ID]
	if !ok || slices.Contains(q.stored, m.From) {
		return
	}
	q.stored = append(q.stored, m.From)
	if len(q.stored) >= n.quorum.w-1 {
		delete(n.quorum.waiting, m.ID)
		n.send(q.reply)
	}
}

// Unacked reports how many committed writes wait for their write quorum.
func (n *Node) Unacked() int { return len(n.quorum.waiting) }
