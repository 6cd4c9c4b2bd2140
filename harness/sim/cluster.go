package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/store"
)

// cluster is the simulated network of nodes. It implements nemesis.Cluster.
// Nodes are numbered in the order of names, and members holds each one.
type cluster struct {
	sim     *sim
	names   []string
	index   map[string]int // node name → number
	members []member
	holding int  // how many nodes hold a write in its commit wait
	ticks   int  // ticks so far
	rounds  int  // the tick of the next anti-entropy round of any node
	cut     bool // a partition is in place
	rng     *rand.Rand
	latency harness.Latency
	drop    float64
	clients map[string]*client
	errors  []error         // malformed messages nodes reported
	out     []store.Message // reused by flush
	// ring places each key on its replicas; nil: every node holds every key.
	ring *store.Ring
	cfg  *harness.Config
	res  int64 // clock resolution, ns; 0: exact
}

// member is one node of the cluster and what the cluster keeps of it.
type member struct {
	node   *store.Node
	clock  clock.Clock
	group  int   // partition side; 0 when healed
	wake   int64 // the earliest wake scheduled; -1: none
	holds  bool  // the node holds a write in its commit wait
	ticked int   // the tick it was last ticked (or skipped) to
	round  int   // the tick of its next anti-entropy round
	down   bool  // crashed: it takes no message and no tick until restarted
	lives  int   // restarts so far
}

func newCluster(s *sim, cfg *harness.Config) (*cluster, error) {
	c := &cluster{
		sim: s, index: map[string]int{}, rounds: math.MaxInt,
		rng:     rand.New(rand.NewPCG(cfg.Seed, harness.StreamNetwork)),
		latency: cfg.Latency, drop: cfg.Drop, clients: map[string]*client{}, cfg: cfg,
		res: int64(cfg.ClockResolution),
	}
	s.cl = c
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
	for i, id := range c.names {
		n, err := c.newNode(id, id)
		if err != nil {
			return nil, err
		}
		c.index[id] = i
		c.members = append(c.members, member{node: n, wake: -1, round: after(0, n.Idle())})
		c.rounds = min(c.rounds, c.members[i].round)
	}
	return c, nil
}

// newNode returns an empty node called id whose strategy acts as actor.
func (c *cluster) newNode(id, actor string) (*store.Node, error) {
	strat, err := store.New(c.cfg.Strategy, actor, c.cfg.Options)
	if err != nil {
		return nil, err
	}
	var peers []string
	for _, p := range c.names {
		if p != id {
			peers = append(peers, p)
		}
	}
	return store.NewNode(store.Config{ID: id, Peers: peers, Strategy: strat, SyncEvery: c.cfg.SyncEvery, Ring: c.ring, W: c.cfg.W})
}

// node returns the node called id.
func (c *cluster) node(id string) *store.Node { return c.members[c.index[id]].node }

// replace puts n in the place of node i, as a process that died and came
// back with an empty store: the new node's ticks and anti-entropy rounds
// count from now, and a wake planned for the old one finds nothing due.
func (c *cluster) replace(i int, n *store.Node) {
	m := &c.members[i]
	m.node, m.ticked = n, c.ticks
	m.round = after(c.ticks, n.Idle())
	c.rounds = min(c.rounds, m.round)
	c.plan(i)
}

// Nodes implements nemesis.Cluster.
func (c *cluster) Nodes() []string { return c.names }

// SetClock implements nemesis.Cluster. Drift and strobe start now.
func (c *cluster) SetClock(node string, clk clock.Clock) {
	i, ok := c.index[node]
	if !ok {
		return
	}
	clk.Since = c.sim.now
	c.members[i].clock = clk
	c.plan(i)
}

// Partition implements nemesis.Cluster.
func (c *cluster) Partition(groups [][]string) {
	for i := range c.members {
		c.members[i].group = -1 // a node in no group is cut off from everyone
	}
	for i, g := range groups {
		for _, n := range g {
			if j, ok := c.index[n]; ok {
				c.members[j].group = i
			}
		}
	}
	c.cut = true
}

// Heal implements nemesis.Cluster.
func (c *cluster) Heal() {
	for i := range c.members {
		c.members[i].group = 0
	}
	c.cut = false
}

func (c *cluster) connected(a, b int) bool {
	ga, gb := c.members[a].group, c.members[b].group
	return ga == gb && (ga != -1 || a == b)
}

// now returns node i's clock reading, floored to the clock's resolution.
func (c *cluster) now(i int) int64 {
	t := c.members[i].clock.Read(c.sim.now)
	if c.res > 1 {
		t = floorTo(t, c.res)
	}
	return t
}

// offset returns node i's clock offset from true time.
func (c *cluster) offset(i int) int64 { return c.members[i].clock.OffsetAt(c.sim.now) }

func (c *cluster) delay() int64 {
	d := int64(c.latency.Min)
	if c.latency.Mean > 0 {
		d += int64(c.rng.ExpFloat64() * float64(c.latency.Mean))
	}
	return d
}

// arrive delivers a message from a peer, unless a partition cut its link
// while it was on its way.
func (c *cluster) arrive(f *inFlight) {
	if c.connected(f.from, f.to) {
		c.deliver(f.to, &f.m, 0)
	}
}

// deliver hands m to node i at its arrival, the node's clock reading ahead
// ns further while it handles m (a clock that jumps forward and is stepped
// back at once), and routes what the node sends.
func (c *cluster) deliver(i int, m *store.Message, ahead int64) {
	if c.members[i].down {
		return
	}
	if err := c.members[i].node.Step(c.now(i)+ahead, *m); err != nil {
		c.errors = append(c.errors, err)
	}
	c.flush(i)
	c.plan(i)
}

// tick is every node's periodic tick. A node's Tick only counts when it
// starts no anti-entropy round and no held write is due, so the cluster
// ticks a node only when one of the two holds, and has it count the ticks it
// skipped first (store.Node.Skip): the node does what it would have done
// ticked every time.
func (c *cluster) tick() {
	c.ticks++
	if c.ticks < c.rounds && c.holding == 0 {
		return
	}
	c.rounds = math.MaxInt
	for i := range c.members {
		m := &c.members[i]
		if m.down {
			m.ticked = c.ticks
			continue
		}
		if c.ticks == m.round || m.holds && c.due(i) {
			m.node.Skip(c.ticks - 1 - m.ticked)
			m.node.Tick(c.now(i))
			m.ticked = c.ticks
			m.round = after(c.ticks, m.node.Idle())
			c.flush(i)
			c.plan(i)
		}
		c.rounds = min(c.rounds, m.round)
	}
}

// after is the tick that follows idle ticks after tick.
func after(tick, idle int) int {
	if idle >= math.MaxInt-tick-1 {
		return math.MaxInt
	}
	return tick + idle + 1
}

// due reports whether node i's clock has reached its deadline.
func (c *cluster) due(i int) bool {
	at, ok := c.members[i].node.Deadline()
	return ok && c.now(i) >= at
}

// plan makes sure node i is woken when its clock reaches its deadline (the
// end of a commit wait), unless a wake is already due by then.
func (c *cluster) plan(i int) {
	m := &c.members[i]
	at, ok := m.node.Deadline()
	if ok != m.holds {
		m.holds = ok
		if ok {
			c.holding++
		} else {
			c.holding--
		}
	}
	if !ok {
		return
	}
	if c.res > 1 { // a coarse clock reads at only once it reads at rounded up
		at = -floorTo(-at, c.res)
	}
	t := reaches(m.clock, c.sim.now, at)
	if m.wake >= 0 && m.wake <= t {
		return
	}
	m.wake = t
	c.sim.wake(t, i)
}

// wake lets node i act on its clock's reading now; plan scheduled it.
func (c *cluster) wake(i int) {
	if c.members[i].wake == c.sim.now {
		c.members[i].wake = -1
	}
	if c.members[i].down {
		return
	}
	c.members[i].node.Wake(c.now(i))
	c.flush(i)
	c.plan(i)
}

// reaches returns the first true time, from now on, at which clk reads at
// least reading; for a clock it cannot follow that far, an earlier time,
// when the caller looks again. Between two strobe flips a clock runs forward
// (drift above -1), so the first reading past the mark in such a stretch is
// found by bisection; the stretches are scanned in turn, a bounded number
// of them.
func reaches(clk clock.Clock, now, reading int64) int64 {
	from := now
	for range 64 {
		if clk.Read(from) >= reading {
			return from
		}
		end := int64(math.MaxInt64) // the next flip
		if clk.Strobe != 0 && clk.Period > 0 && from >= clk.Since {
			end = clk.Since + ((from-clk.Since)/clk.Period+1)*clk.Period
		}
		// The first time in [from, end) that reads at least reading, if
		// the clock gets there before end.
		lo, hi := from, from+(reading-clk.Read(from)) // lo reads short
		for hi < end && clk.Read(hi) < reading {
			step := 2 * (hi - lo)
			if step <= 0 || hi > end-step {
				hi = end
				break
			}
			lo, hi = hi, hi+step
		}
		if hi >= end && (end == math.MaxInt64 || clk.Read(end-1) < reading) {
			from = end
			if end == math.MaxInt64 {
				return hi // the clock never gets there
			}
			continue
		}
		hi = min(hi, end-1)
		for hi-lo > 1 { // lo reads short, hi reads enough
			mid := lo + (hi-lo)/2
			if clk.Read(mid) >= reading {
				hi = mid
			} else {
				lo = mid
			}
		}
		return hi
	}
	return from
}

// flush sends node i's outgoing messages: to clients over a link that never
// fails, to peers over the network, which may drop or partition them.
func (c *cluster) flush(i int) {
	c.out = c.members[i].node.AppendReady(c.out[:0])
	for j := range c.out {
		m := &c.out[j]
		if cl, ok := c.clients[m.To]; ok {
			c.sim.send(c.delay(), toClient, inFlight{m: *m, client: cl})
			continue
		}
		to, ok := c.index[m.To]
		if !ok {
			continue
		}
		if c.drop > 0 && c.rng.Float64() < c.drop {
			continue
		}
		c.sim.send(c.delay(), toNode, inFlight{m: *m, from: i, to: to})
	}
	clear(c.out)
}

// converged reports whether every node holds the same objects and no
// acknowledgement is waiting; with placement, whether every replica of a key
// holds the same object and no other node holds one.
func (c *cluster) converged() bool {
	if c.ring != nil {
		return c.placedConverged()
	}
	first := c.members[0].node
	keys := first.Keys()
	for _, m := range c.members {
		n := m.node
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
	for _, m := range c.members {
		n := m.node
		if n.Pending() > 0 {
			return false
		}
		for _, k := range n.Keys() {
			keys[k] = true
		}
	}
	for k := range keys {
		replicas := c.ring.Replicas(k)
		first := c.node(replicas[0])
		for i, id := range c.names {
			n := c.members[i].node
			held := slices.Contains(n.Keys(), k)
			if slices.Contains(replicas, id) != held || (held && !n.Object(k).Equal(first.Object(k))) {
				return false
			}
		}
	}
	return true
}
