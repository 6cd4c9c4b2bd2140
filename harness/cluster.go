package harness

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/clockwise-kv/clockwise/nemesis"
	"github.com/clockwise-kv/clockwise/store"
)

// cluster is the simulated network of nodes. It implements nemesis.Cluster.
type cluster struct {
	sim     *sim
	names   []string
	nodes   map[string]*store.Node
	clocks  map[string]nemesis.Clock
	group   map[string]int // partition side of each node; all 0 when healed
	rng     *rand.Rand
	latency Latency
	drop    float64
	clients map[string]*client
	errors  []error // malformed messages nodes reported
	// ring places each key on its replicas; nil: every node holds every key.
	ring *store.Ring
}

func newCluster(s *sim, cfg *Config) (*cluster, error) {
	c := &cluster{
		sim: s, nodes: map[string]*store.Node{}, clocks: map[string]nemesis.Clock{}, group: map[string]int{},
		rng:     rand.New(rand.NewPCG(cfg.Seed, streamNetwork)),
		latency: cfg.Latency, drop: cfg.Drop, clients: map[string]*client{},
	}
	for i := 1; i <= cfg.Nodes; i++ {
		c.names = append(c.names, fmt.Sprintf("n%d", i))
	}
	if r := cfg.ReplicaCount(); r < cfg.Nodes {
		ring, err := store.NewRing(c.names, r)
		if err != nil {
			return nil, err
		}
		c.ring = ring
	}
	for _, id := range c.names {
		strat, err := store.New(cfg.Strategy, id, cfg.Options)
		if err != nil {
			return nil, err
		}
		var peers []string
		for _, p := range c.names {
			if p != id {
				peers = append(peers, p)
			}
		}
		n, err := store.NewNode(store.Config{ID: id, Peers: peers, Strategy: strat, SyncEvery: cfg.SyncEvery, Ring: c.ring, W: cfg.W})
		if err != nil {
			return nil, err
		}
		c.nodes[id] = n
		c.clocks[id] = nemesis.Clock{}
	}
	return c, nil
}

// Nodes implements nemesis.Cluster.
func (c *cluster) Nodes() []string { return c.names }

// SetClock implements nemesis.Cluster. Drift and strobe start now.
func (c *cluster) SetClock(node string, clk nemesis.Clock) {
	if _, ok := c.nodes[node]; !ok {
		return
	}
	clk.Since = c.sim.now
	c.clocks[node] = clk
}

// Partition implements nemesis.Cluster.
func (c *cluster) Partition(groups [][]string) {
	for _, n := range c.names {
		c.group[n] = -1 // a node in no group is cut off from everyone
	}
	for i, g := range groups {
		for _, n := range g {
			c.group[n] = i
		}
	}
}

// Heal implements nemesis.Cluster.
func (c *cluster) Heal() { clear(c.group) }

func (c *cluster) connected(a, b string) bool {
	ga, gb := c.group[a], c.group[b]
	return ga == gb && (ga != -1 || a == b)
}

// now returns node's clock reading.
func (c *cluster) now(node string) int64 { return c.clocks[node].Read(c.sim.now) }

// offset returns node's clock offset from true time.
func (c *cluster) offset(node string) int64 { return c.clocks[node].OffsetAt(c.sim.now) }

func (c *cluster) delay() int64 {
	d := int64(c.latency.Min)
	if c.latency.Mean > 0 {
		d += int64(c.rng.ExpFloat64() * float64(c.latency.Mean))
	}
	return d
}

// deliver hands m to node at its arrival and routes what the node sends.
func (c *cluster) deliver(node string, m store.Message) { c.deliverAhead(node, m, 0) }

// deliverAhead is deliver with node's clock reading ahead ns further while
// it handles m: a clock that jumps forward and is stepped back at once.
func (c *cluster) deliverAhead(node string, m store.Message, ahead int64) {
	n := c.nodes[node]
	if err := n.Step(c.now(node)+ahead, m); err != nil {
		c.errors = append(c.errors, err)
	}
	c.flush(n)
}

func (c *cluster) tick() {
	for _, id := range c.names {
		n := c.nodes[id]
		n.Tick(c.now(id))
		c.flush(n)
	}
}

// flush sends a node's outgoing messages: to clients over a link that never
// fails, to peers over the network, which may drop or partition them.
func (c *cluster) flush(n *store.Node) {
	for _, m := range n.Ready() {
		if cl, ok := c.clients[m.To]; ok {
			c.sim.after(c.delay(), func() { cl.receive(m) })
			continue
		}
		if _, ok := c.nodes[m.To]; !ok {
			continue
		}
		if c.drop > 0 && c.rng.Float64() < c.drop {
			continue
		}
		c.sim.after(c.delay(), func() {
			if c.connected(m.From, m.To) {
				c.deliver(m.To, m)
			}
		})
	}
}

// converged reports whether every node holds the same objects and no
// acknowledgement is waiting; with placement, whether every replica of a key
// holds the same object and no other node holds one.
func (c *cluster) converged() bool {
	if c.ring != nil {
		return c.placedConverged()
	}
	first := c.nodes[c.names[0]]
	keys := first.Keys()
	for _, id := range c.names {
		n := c.nodes[id]
		if n.Pending() > 0 || len(n.Keys()) != len(keys) {
			return false
		}
		for _, k := range keys {
			if !n.Object(k).Equal(first.Object(k)) {
				return false
			}
		}
	}
	return true
}

func (c *cluster) placedConverged() bool {
	keys := map[string]bool{}
	for _, id := range c.names {
		n := c.nodes[id]
		if n.Pending() > 0 {
			return false
		}
		for _, k := range n.Keys() {
			keys[k] = true
		}
	}
	for k := range keys {
		replicas := c.ring.Replicas(k)
		first := c.nodes[replicas[0]]
		for _, id := range c.names {
			n := c.nodes[id]
			held := slices.Contains(n.Keys(), k)
			if slices.Contains(replicas, id) != held || (held && !n.Object(k).Equal(first.Object(k))) {
				return false
			}
		}
	}
	return true
}
