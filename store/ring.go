package store

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
)

// Placed is implemented by a Strategy that runs with placement unless told
// otherwise: each key on DefaultReplicas nodes (see Ring).
type Placed interface {
	DefaultReplicas() int
}

// ReplicaCount is how many of nodes hold each key under the named
// strategy: replicas, or when that is 0 the strategy's DefaultReplicas if it
// is Placed, else every node (an unknown name too); at most nodes.
func ReplicaCount(strategy string, replicas, nodes int) int {
	if replicas == 0 {
		replicas = nodes
		if d, ok := defaultReplicas[strategy]; ok {
			replicas = d
		}
	}
	return min(replicas, nodes)
}

// pointsPerNode is how many places on the ring each node takes: enough that
// keys spread evenly over a few dozen nodes.
const pointsPerNode = 64

// Ring places keys on nodes by consistent hashing (Dynamo's preference
// list): every node takes pointsPerNode points on a ring of 64-bit hashes,
// a key hashes to a point, and its replicas are the first N distinct nodes
// met walking clockwise from there. The first of them is the key's
// preferred coordinator. Adding or removing a node moves only the keys next
// to its points. A Ring is immutable, so one can be shared by every node.
type Ring struct {
	n      int
	nodes  []string // sorted
	points []point  // sorted by hash, then node
}

type point struct {
	hash uint64
	node string
}

// NewRing places keys on n of nodes. n must be between 1 and len(nodes).
func NewRing(nodes []string, n int) (*Ring, error) {
	if n < 1 || n > len(nodes) {
		return nil, fmt.Errorf("store: ring: %d replicas of %d nodes", n, len(nodes))
	}
	r := &Ring{n: n, nodes: slices.Sorted(slices.Values(nodes))}
	for _, node := range r.nodes {
		for i := range pointsPerNode {
			r.points = append(r.points, point{hash(node + "#" + strconv.Itoa(i)), node})
		}
	}
	slices.SortFunc(r.points, func(a, b point) int { return cmp.Or(cmp.Compare(a.hash, b.hash), cmp.Compare(a.node, b.node)) })
	return r, nil
}

// N returns how many replicas each key has.
func (r *Ring) N() int { return r.n }

// Nodes returns every node on the ring, sorted.
func (r *Ring) Nodes() []string { return slices.Clone(r.nodes) }

// Replicas returns key's N replicas in preference order.
func (r *Ring) Replicas(key string) []string {
	h := hash(key)
	i, _ := slices.BinarySearchFunc(r.points, h, func(p point, h uint64) int { return cmp.Compare(p.hash, h) })
	out := make([]string, 0, r.n)
	for j := 0; len(out) < r.n; j++ {
		p := r.points[(i+j)%len(r.points)]
		if !slices.Contains(out, p.node) {
			out = append(out, p.node)
		}
	}
	return out
}

// Holds reports whether node is one of key's replicas.
func (r *Ring) Holds(key, node string) bool { return slices.Contains(r.Replicas(key), node) }

func hash(s string) uint64 {
	sum := sha256.Sum256([]byte(s))
	return binary.BigEndian.Uint64(sum[:8])
}
