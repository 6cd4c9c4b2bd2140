package store_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/nemesis"
	"github.com/clockwise-kv/clockwise/store"
)

// tick is the cause a filter sees for what a node sends when it is ticked.
const tick store.Kind = "tick"

// filter plants a bug on the wire: it sees every batch of messages a node
// sends, with the kind of input that made the node send them (a message's
// Kind, or tick), and returns what is sent instead. Nil sends everything.
type filter func(node string, peers []string, cause store.Kind, out []store.Message) []store.Message

// drive configures a driver run.
type drive struct {
	strategy   string
	nodes      int
	clients    int
	keys       int
	ops        int    // client operations to invoke; a read-then-write is two
	mix        [4]int // weights of read, read-then-write, blind write, read-then-delete
	partitions bool   // cut one node off the others now and then
	crashes    bool   // crash a node now and then; it restarts empty
	syncEvery  int    // ticks (ms) between a node's anti-entropy rounds
	filter     filter // the planted bug
	seed       uint64
}

// driver is the mutation tests' own small cluster: store.Nodes on a virtual
// clock of one-millisecond steps, messages delivered after a seeded latency
// (lost across a partition or to a crashed node), clients that read, write
// and delete through random nodes, and the history they make, with final
// reads once the faults heal, for the checker to judge. Every message a
// node sends goes through the drive's filter, which is where a test plants
// a bug: the store itself has none to turn on.
type driver struct {
	d       drive
	rng     *rand.Rand
	names   []string
	peers   map[string][]string
	nodes   map[string]*store.Node
	lives   map[string]int
	down    map[string]bool
	side    map[string]bool // partitioned nodes, cut off from the rest
	flight  []parcel
	now     int64 // ms
	clients []*actor
	invoked int
	writes  int
	h       []histories.Event
	last    int64 // the last event's time, ns
}

type parcel struct {
	at int64
	m  store.Message
}

// actor is one client: one request at a time.
type actor struct {
	id    string
	busy  bool
	req   uint64
	sent  int64
	inv   histories.Event
	next  int64            // when it may invoke again
	reads map[string]*seen // key → its last read
	then  *histories.Event // the write that follows the read in flight
}

type seen struct {
	ids []string
	ctx store.Context
}

const (
	timeout   = 50  // ms a client waits for an answer
	spell     = 100 // ms between faults
	downFor   = 30  // ms a crashed node stays down
	converge  = 5000
	epochNano = int64(1_000_000_000_000)
)

func newDriver(d drive) (*driver, error) {
	r := &driver{d: d, rng: rand.New(rand.NewPCG(d.seed, 7)), peers: map[string][]string{},
		nodes: map[string]*store.Node{}, lives: map[string]int{}, down: map[string]bool{}, side: map[string]bool{}}
	for i := range d.nodes {
		r.names = append(r.names, fmt.Sprintf("n%d", i+1))
	}
	for _, n := range r.names {
		r.peers[n] = slices.DeleteFunc(slices.Clone(r.names), func(p string) bool { return p == n })
		if err := r.start(n); err != nil {
			return nil, err
		}
	}
	for i := range d.clients {
		r.clients = append(r.clients, &actor{id: fmt.Sprintf("c%d", i+1), reads: map[string]*seen{}})
	}
	return r, nil
}

// start makes node an empty replica; after a crash its strategy acts under
// a new actor id, as the harness's restart does.
func (r *driver) start(node string) error {
	r.lives[node]++
	actor := node
	if r.lives[node] > 1 {
		actor = node + "." + strconv.Itoa(r.lives[node])
	}
	s, err := store.New(r.d.strategy, actor, store.Options{})
	if err != nil {
		return err
	}
	n, err := store.NewNode(store.Config{ID: node, Peers: r.peers[node], Strategy: s, SyncEvery: r.d.syncEvery})
	if err != nil {
		return err
	}
	r.nodes[node] = n
	return nil
}

func (r *driver) clock() int64 { return epochNano + r.now*int64(time.Millisecond) }

// record appends e to the history at the current step, each event a
// nanosecond after the last at least.
func (r *driver) record(e histories.Event) {
	t := max(r.now*int64(time.Millisecond), r.last+1)
	r.last = t
	e.Index, e.Time = len(r.h), t
	r.h = append(r.h, e)
}

func (r *driver) fault(f string, params map[string]string) {
	r.record(histories.Event{Process: histories.Nemesis, Type: histories.Info, F: histories.Func(f), Params: params})
}

// send routes what node produced, after the filter.
func (r *driver) send(node string, cause store.Kind) {
	out := r.nodes[node].Ready().Messages
	if r.d.filter != nil {
		out = r.d.filter(node, r.peers[node], cause, out)
	}
	for _, m := range out {
		r.flight = append(r.flight, parcel{at: r.now + 1 + r.rng.Int64N(4), m: m})
	}
}

// deliver hands over every message due by now, in the order sent.
func (r *driver) deliver() error {
	var due []parcel
	keep := r.flight[:0]
	for _, p := range r.flight {
		if p.at <= r.now {
			due = append(due, p)
		} else {
			keep = append(keep, p)
		}
	}
	r.flight = keep
	for _, p := range due {
		m := p.m
		if _, ok := r.nodes[m.To]; !ok {
			r.answer(m)
			continue
		}
		_, fromNode := r.nodes[m.From]
		if r.down[m.To] || fromNode && r.side[m.From] != r.side[m.To] {
			continue
		}
		if err := r.nodes[m.To].Step(r.clock(), m); err != nil {
			return err
		}
		r.send(m.To, m.Kind)
	}
	return nil
}

// answer completes a client's request.
func (r *driver) answer(m store.Message) {
	c := r.client(m.To)
	if c == nil || !c.busy || c.req != m.ID {
		return
	}
	e := histories.Event{Process: c.id, Type: histories.OK, F: c.inv.F, Key: c.inv.Key, Node: c.inv.Node, Write: c.inv.Write}
	switch {
	case m.Err != "":
		e.Type, e.Error = histories.Fail, m.Err
		c.then = nil
	case c.inv.F == histories.Read:
		e.Versions = append([]histories.Version{}, m.Versions...)
		ids := make([]string, len(m.Versions))
		for i, v := range m.Versions {
			ids[i] = v.Write
		}
		c.reads[c.inv.Key] = &seen{ids: ids, ctx: m.Context}
	default:
		meta := m.Meta.Wire()
		e.Meta = &meta
	}
	r.record(e)
	c.busy = false
}

func (r *driver) client(id string) *actor {
	for _, c := range r.clients {
		if c.id == id {
			return c
		}
	}
	return nil
}

// invoke starts c's next operation.
func (r *driver) invoke(c *actor) {
	node := r.names[r.rng.IntN(len(r.names))]
	var inv histories.Event
	after := c.then != nil // the write of a read-then-write
	if after {
		inv, c.then = *c.then, nil
	} else {
		key := "k" + strconv.Itoa(1+r.rng.IntN(r.d.keys))
		inv = histories.Event{Process: c.id, Type: histories.Invoke, F: histories.Read, Key: key}
		total := r.d.mix[0] + r.d.mix[1] + r.d.mix[2] + r.d.mix[3]
		switch x := r.rng.IntN(total); {
		case x < r.d.mix[0]:
		case x < r.d.mix[0]+r.d.mix[1]:
			c.then = &histories.Event{Process: c.id, Type: histories.Invoke, F: histories.Write, Key: key}
		case x < r.d.mix[0]+r.d.mix[1]+r.d.mix[2]:
			inv.F = histories.Write
			inv.Context = []string{}
		default:
			c.then = &histories.Event{Process: c.id, Type: histories.Invoke, F: histories.Delete, Key: key}
		}
		r.invoked++
	}
	if after {
		node = c.inv.Node // the write goes where its read went
	}
	inv.Node = node
	msg := store.Message{Kind: store.Get, From: c.id, To: node, Key: inv.Key}
	if inv.IsWrite() {
		r.writes++
		n := strconv.Itoa(r.writes)
		inv.Write = "w" + n
		if inv.F == histories.Delete {
			inv.Write = "d" + n
		} else {
			inv.Value = n
		}
		msg.Kind, msg.Version = store.Put, store.Version{Write: inv.Write, Value: inv.Value, Deleted: inv.F == histories.Delete}
		if after {
			s := c.reads[inv.Key]
			inv.Context, msg.Context = slices.Clone(s.ids), s.ctx
		}
	}
	c.req++
	msg.ID = c.req
	c.busy, c.sent, c.inv = true, r.now, inv
	r.record(inv)
	r.flight = append(r.flight, parcel{at: r.now + 1 + r.rng.Int64N(4), m: msg})
}

// step runs one millisecond: faults, deliveries, ticks, clients.
func (r *driver) step(workload bool) error {
	r.now++
	if workload && r.now%spell == 0 {
		r.strike()
	}
	if r.d.crashes {
		for _, n := range r.names {
			if r.down[n] && r.now%spell == downFor {
				if err := r.start(n); err != nil {
					return err
				}
				r.down[n] = false
				r.fault(nemesis.Restart, map[string]string{"node": n})
			}
		}
	}
	if err := r.deliver(); err != nil {
		return err
	}
	for _, n := range r.names {
		if !r.down[n] {
			r.nodes[n].Tick(r.clock())
			r.send(n, tick)
		}
	}
	for _, c := range r.clients {
		switch {
		case c.busy && r.now-c.sent >= timeout:
			e := histories.Event{Process: c.id, Type: histories.Info, F: c.inv.F, Key: c.inv.Key, Node: c.inv.Node, Write: c.inv.Write, Error: "timeout"}
			if c.inv.F == histories.Read {
				e.Type = histories.Fail // a read changes nothing
			}
			r.record(e)
			c.busy, c.then = false, nil
			c.next = r.now + r.rng.Int64N(5)
		case !c.busy && workload && r.now >= c.next && (c.then != nil || r.invoked < r.d.ops):
			r.invoke(c)
			c.next = r.now + r.rng.Int64N(5)
		}
	}
	return nil
}

// strike starts or ends a fault.
func (r *driver) strike() {
	if r.d.partitions {
		if len(r.side) > 0 {
			clear(r.side)
			r.fault(nemesis.Heal, nil)
		} else if r.rng.IntN(2) == 0 {
			n := r.names[r.rng.IntN(len(r.names))]
			r.side[n] = true
			r.fault(nemesis.Partition, map[string]string{"isolated": n})
		}
	}
	if r.d.crashes && r.rng.IntN(2) == 0 {
		n := r.names[r.rng.IntN(len(r.names))]
		r.down[n] = true
		r.fault(nemesis.Crash, map[string]string{"node": n})
	}
}

// converged reports whether every node holds the same object for every key.
func (r *driver) converged() bool {
	keys := map[string]bool{}
	for _, n := range r.nodes {
		for _, k := range n.Keys() {
			keys[k] = true
		}
	}
	for k := range keys {
		first := r.nodes[r.names[0]].Object(k)
		for _, n := range r.names[1:] {
			if !r.nodes[n].Object(k).Equal(first) {
				return false
			}
		}
	}
	return true
}

// run plays the workload, heals every fault, waits for the replicas to
// converge (or gives up and says so in the history), takes the final reads
// and judges the history.
func (r *driver) run() (*checker.Result, error) {
	for r.invoked < r.d.ops || r.busy() {
		if err := r.step(true); err != nil {
			return nil, err
		}
	}
	if len(r.side) > 0 {
		clear(r.side)
		r.fault(nemesis.Heal, nil)
	}
	for _, n := range r.names {
		if r.down[n] {
			if err := r.start(n); err != nil {
				return nil, err
			}
			r.down[n] = false
			r.fault(nemesis.Restart, map[string]string{"node": n})
		}
	}
	waited := 0
	for ; !(r.converged() && len(r.flight) == 0) && waited < converge; waited++ {
		if err := r.step(false); err != nil {
			return nil, err
		}
	}
	if waited == converge {
		r.fault(string(histories.Unconverged), map[string]string{"waited": (converge * time.Millisecond).String()})
	}
	for k := range r.d.keys {
		key := "k" + strconv.Itoa(k+1)
		for _, n := range r.names {
			r.now++
			r.record(histories.Event{Process: histories.Final, Type: histories.Invoke, F: histories.Read, Key: key, Node: n})
			if err := r.nodes[n].Step(r.clock(), store.Message{Kind: store.Get, From: histories.Final, To: n, Key: key}); err != nil {
				return nil, err
			}
			out := r.nodes[n].Ready().Messages
			if len(out) != 1 {
				return nil, fmt.Errorf("final read of %s on %s: %d messages", key, n, len(out))
			}
			r.record(histories.Event{Process: histories.Final, Type: histories.OK, F: histories.Read, Key: key, Node: n,
				Versions: append([]histories.Version{}, out[0].Versions...)})
		}
	}
	a, err := checker.Analyze(r.h)
	if err != nil {
		return nil, err
	}
	return a.Check(checker.Options{})
}

func (r *driver) busy() bool {
	return slices.ContainsFunc(r.clients, func(c *actor) bool { return c.busy || c.then != nil })
}

// without returns out less the objects drop picks; a message left with no
// object is not sent when empty says so.
func without(out []store.Message, kind store.Kind, drop func(store.Keyed) bool, keepEmpty bool) []store.Message {
	res := make([]store.Message, 0, len(out))
	for _, m := range out {
		if m.Kind == kind {
			objs := slices.DeleteFunc(slices.Clone(m.Objects), drop)
			if len(objs) == 0 && !keepEmpty {
				continue
			}
			m.Objects = objs
		}
		res = append(res, m)
	}
	return res
}
