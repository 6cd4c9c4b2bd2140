// Package harness runs a clockwise test: it builds a cluster of store nodes
// on a seeded discrete-event simulator, drives concurrent clients against it
// with a generator, lets a nemesis inject faults, and records every
// operation and fault in a history (Jepsen's "test runner").
//
// Everything runs on virtual time. Nodes see only their own clocks (true
// time + offset, as the nemesis sets them); node-to-node messages take a
// random latency, may be dropped, and are cut by partitions; client-to-node
// links only add latency. Nodes tick every Config.Tick; a node holding a
// write in its commit wait is also woken at the true time its own clock
// reads the wait's end (store.Node.Deadline), so the wait is exact. All randomness comes from streams seeded by
// Config.Seed, so one seed and one Config give the same history, byte for
// byte. The history is encoded to the sink, and handed to Config.Observe, by a
// goroutine of the run's own, a batch of events behind the simulation: what
// the events are and their order depend on the simulation alone.
//
// A tombstone fault is an operation: the nemesis reads the key through the
// fault's node and deletes it with what it read, the node's clock reading the
// fault's offset ahead (an hour by default) while it stamps the delete. The
// history shows the fault as a nemesis event (f "tombstone", value naming the
// node, key, offset and the delete's write id) followed by the nemesis's read
// and delete, recorded like a client's, so the checker judges the delete as a
// write. The nemesis runs one tombstone at a time.
//
// After the workload the harness undoes every active fault, runs anti-entropy
// until the replicas converge (or Config.Converge passes: then it records a
// nemesis event with f "unconverged", histories.Unconverged), and reads every
// key from every node: the final reads the checker judges (a final read that
// times out or fails is tried again, three tries in all). A closed
// Config.Interrupt stops the run at its next event instead, without healing
// or final reads (Result.Interrupted). With placement
// (Config.Replicas) converged means every replica of a key holds the same
// object and no other node holds one, and the final read through a node that
// is not a replica is answered by the key's first replica, as any client
// read through that node would be: every replica is still read directly, so
// the checker's divergence rule still compares the replicas' own states.
//
// A crash fault takes a node down: its store and held writes are gone, it
// drops whatever reaches it, and the restart one spell later brings it back
// empty under a new actor id, to recover from its peers by anti-entropy.
// Config.ClockResolution makes clocks read in coarse steps, so timestamps
// tie.
//
// Run drives a random workload from a Generator; RunScript plays a fixed
// Script, as the demo does; RunRecorded writes down the Schedule a random
// run generated and Replay plays one back, whole or cut down. Nodes are named n1…nN (ValidNode reads a node
// name) and each node's clock is a clock.Clock; the operation mix has a
// text form (Mix.String, ParseMix), as the command line writes it. RunReal and RunRealScript do the same against a
// real cluster (a Target: node processes started here by StartLocal, or
// nodes others run, reached by DialRemote) over the node protocol, in real
// time; see RunReal.
package harness

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/nemesis"
	"github.com/clockwise-kv/clockwise/store"
)

// Seed streams: each source of randomness draws from its own stream, so
// changing one does not shift another.
const (
	streamNetwork = 1
	streamNemesis = 2
	streamClients = 100
)

// Latency is a link's delay: Min plus an exponentially distributed extra
// with mean Mean.
type Latency struct {
	Min  time.Duration
	Mean time.Duration
}

// Mix weighs the operations the random generator picks.
type Mix struct {
	Read      int // plain reads
	ReadWrite int // a read, then a write carrying what it read
	Blind     int // a write with an empty context
	Delete    int // a read, then a delete carrying what it read
	// ReadElsewhere is a read, then a write carrying what it read sent
	// through another node than the one that served the read.
	ReadElsewhere int
}

// total is the sum of the weights.
func (m Mix) total() int { return m.Read + m.ReadWrite + m.Blind + m.Delete + m.ReadElsewhere }

// Config describes a test run.
type Config struct {
	Strategy  string        // store strategy name
	Options   store.Options // strategy options
	Nodes     int           // replicas n1…nN
	Clients   int           // concurrent clients c1…cN
	Keys      int           // keys k1…kN
	Ops       int           // client operations to invoke (a read-then-write is two)
	Seed      uint64
	Mix       Mix
	Latency   Latency         // every link's delay
	Drop      float64         // probability a node-to-node message is lost
	Think     time.Duration   // a client waits up to this long between operations
	Timeout   time.Duration   // a client gives up on a request after this long (info)
	Tick      time.Duration   // how often nodes tick
	SyncEvery int             // ticks between a node's anti-entropy rounds
	Converge  time.Duration   // how long to wait for convergence after the faults heal
	Nemesis   nemesis.Options // what faults to inject
	// Replicas places each key on this many of the nodes by consistent
	// hashing (store.Ring); only they coordinate its writes and other nodes
	// forward to them. 0 takes the strategy's default (store.Placed: dvv
	// places keys on 3 nodes; every other strategy keeps every key on every
	// node). A value of Nodes or more means every node.
	Replicas int
	// W is the write quorum: a coordinator acknowledges a write once this
	// many replicas of its key, itself included, stored it (store.Config.W).
	// 0 or 1: the coordinator alone. At most ReplicaCount.
	W int
	// ClockResolution, if above 1ns, makes every node's clock read in
	// steps of it (floored), as a store that stamps in milliseconds does,
	// so timestamps of different writes tie. 0: exact nanoseconds.
	ClockResolution time.Duration
	// Progress, if set, is called as client operations complete.
	Progress func(done, total int)
	// Stream, if set, only writes the history to the sink and leaves
	// Result.History nil, so a run holds no more than the cluster's state
	// however long it runs.
	Stream bool
	// Interrupt, when closed, stops a simulated run at its next event (a
	// user's Ctrl-C): no fault is healed and no final read taken, the
	// history so far is flushed, and Result.Interrupted says so.
	Interrupt <-chan struct{}
	// Observe, if set, is called with each event of a simulated run, in
	// order, as the history is written: on a goroutine of the run's own,
	// while the simulation goes on, so that a caller can take the history
	// in (checker.Assembler) as it is made. It may keep what the event
	// holds but not the pointer. Every call has returned when Run does.
	Observe func(e *histories.Event)
}

// DefaultConfig is 3 nodes, 5 clients, 3 keys and 1000 operations under clock
// skew plus partitions.
func DefaultConfig() Config {
	return Config{
		Strategy:  "lww",
		Options:   store.Options{Epsilon: 7 * time.Millisecond},
		Nodes:     3,
		Clients:   5,
		Keys:      3,
		Ops:       1000,
		Seed:      1,
		Mix:       Mix{Read: 3, ReadWrite: 4, Blind: 2},
		Latency:   Latency{Min: time.Millisecond, Mean: 2 * time.Millisecond},
		Drop:      0.01,
		Think:     5 * time.Millisecond,
		Timeout:   time.Second,
		Tick:      time.Millisecond,
		SyncEvery: 50,
		Converge:  60 * time.Second,
		Nemesis:   nemesis.DefaultOptions(),
	}
}

// Validate reports the first field of c that cannot run.
func (c *Config) Validate() error {
	switch {
	case c.Nodes < 1:
		return fmt.Errorf("harness: nodes must be at least 1, got %d", c.Nodes)
	case c.Clients < 1:
		return fmt.Errorf("harness: clients must be at least 1, got %d", c.Clients)
	case c.Keys < 1:
		return fmt.Errorf("harness: keys must be at least 1, got %d", c.Keys)
	case c.Replicas < 0:
		return fmt.Errorf("harness: replicas must not be negative, got %d", c.Replicas)
	case c.W < 0:
		return fmt.Errorf("harness: w must not be negative, got %d", c.W)
	case c.Ops < 0:
		return fmt.Errorf("harness: ops must not be negative, got %d", c.Ops)
	case c.Drop < 0 || c.Drop >= 1:
		return fmt.Errorf("harness: drop must be in [0, 1), got %g", c.Drop)
	case c.Latency.Min < 0 || c.Latency.Mean < 0:
		return fmt.Errorf("harness: latency must not be negative, got %v+%v", c.Latency.Min, c.Latency.Mean)
	case c.Tick <= 0:
		return fmt.Errorf("harness: tick must be positive, got %v", c.Tick)
	case c.Timeout <= 0:
		return fmt.Errorf("harness: timeout must be positive, got %v", c.Timeout)
	case c.ClockResolution < 0:
		return fmt.Errorf("harness: clock resolution must not be negative, got %v", c.ClockResolution)
	case c.Nemesis.TombstoneOffset < 0:
		return fmt.Errorf("harness: tombstone offset must not be negative, got %v", c.Nemesis.TombstoneOffset)
	case c.Mix.Read < 0 || c.Mix.ReadWrite < 0 || c.Mix.Blind < 0 || c.Mix.Delete < 0 || c.Mix.ReadElsewhere < 0 ||
		c.Mix.total() == 0:
		return errors.New("harness: mix needs a positive weight")
	}
	if err := store.Valid(c.Strategy); err != nil {
		return err
	}
	if n := c.ReplicaCount(); c.W > n {
		return fmt.Errorf("harness: w is %d, but each key has only %d replicas", c.W, n)
	}
	for n := range c.Nemesis.Skew {
		if ValidNode(n, c.Nodes) != nil {
			return fmt.Errorf("harness: skew names %s, but the nodes are n1…n%d", n, c.Nodes)
		}
	}
	return nil
}

// ReplicaCount is how many nodes hold each key: Replicas, or the strategy's
// default, at most Nodes.
func (c *Config) ReplicaCount() int {
	s, _ := store.New(c.Strategy, "n1", c.Options) // nil if unknown: no default
	return store.ReplicaCount(s, c.Replicas, c.Nodes)
}

// ValidNode reports whether name is one of the nodes n1…nN of a cluster of
// nodes: the one reader of node names, for configurations, flags and
// scripts.
func ValidNode(name string, nodes int) error {
	if !numbered(name, "n", nodes) {
		return fmt.Errorf("harness: %q is not one of the nodes n1…n%d", name, nodes)
	}
	return nil
}

// numbered reports whether name is prefix followed by one of 1…n, written
// plainly.
func numbered(name, prefix string, n int) bool {
	i, err := strconv.Atoi(strings.TrimPrefix(name, prefix))
	return err == nil && i >= 1 && i <= n && name == prefix+strconv.Itoa(i)
}

// Result is what a run produced.
type Result struct {
	// History is every event, in order; nil with Config.Stream.
	History   []histories.Event
	Converged bool          // the replicas agreed before the final reads
	Duration  time.Duration // virtual time the run took
	Events    int           // simulator events processed
	Ops       int           // client operations invoked, final reads excluded
	// Interrupted: Config.Interrupt stopped the run before it finished;
	// the history ends where it stopped.
	Interrupted bool
}

// run is one test in progress.
type run struct {
	cfg       Config
	sim       *sim
	cl        *cluster
	rec       *recorder
	nm        faultSchedule
	record    *Schedule // if set, RunRecorded writes the faults applied here
	clients   []*client
	writes    int
	budget    int
	invoked   int
	completed int
	active    int
	stopped   bool
	keys      map[string]bool // every key a client operation named
	nem       *client         // the nemesis's own client, for tombstones
	tombs     []tombstone     // tombstones waiting for the one in progress
	tombBusy  bool
}

// tombstone is a tombstone fault and what to do once its delete completed.
type tombstone struct {
	f    nemesis.Fault
	done func()
}

func newRun(cfg Config, sink *histories.Writer) (*run, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	for _, k := range cfg.Nemesis.Kinds {
		if slices.Contains(nemesis.RealKinds, k) {
			return nil, fmt.Errorf("harness: the %s fault needs a real cluster: the simulator has no process to %s", k, k)
		}
	}
	r := &run{cfg: cfg, sim: &sim{stop: cfg.Interrupt}, rec: newRecorder(sink, &cfg), budget: cfg.Ops, keys: map[string]bool{}}
	r.rec.sim = r.sim
	cl, err := newCluster(r.sim, &r.cfg)
	if err != nil {
		return nil, err
	}
	r.cl = cl
	for i := 1; i <= cfg.Clients; i++ {
		r.addClient(fmt.Sprintf("c%d", i), rand.New(rand.NewPCG(cfg.Seed, uint64(streamClients+i))))
	}
	r.nem = &client{r: r, id: histories.Nemesis, reads: map[string]lastRead[store.Context]{}}
	cl.clients[r.nem.id] = r.nem
	nopts := cfg.Nemesis
	if len(nopts.Keys) == 0 {
		for i := 1; i <= cfg.Keys; i++ {
			nopts.Keys = append(nopts.Keys, fmt.Sprintf("k%d", i))
		}
	}
	r.nm = nemesis.New(nopts, cl.names, rand.New(rand.NewPCG(cfg.Seed, streamNemesis)))
	r.sim.tick(int64(cfg.Tick), r.cl.tick) // every node, forever
	return r, nil
}

func (r *run) addClient(id string, rng *rand.Rand) *client {
	c := &client{r: r, id: id, rng: rng, reads: map[string]lastRead[store.Context]{}}
	r.cl.clients[id] = c
	r.clients = append(r.clients, c)
	return c
}

// Run runs a random workload: each client loops, asking gen for an
// operation, until Config.Ops operations have been invoked. Every event is
// also written to sink, if not nil, as it happens.
func Run(cfg Config, gen Generator, sink *histories.Writer) (*Result, error) {
	r, err := newRun(cfg, sink)
	if err != nil {
		return nil, err
	}
	if gen == nil {
		gen = NewGenerator(cfg)
	}
	return r.play(gen)
}

// play runs the workload of gen and the fault schedule, then finishes.
func (r *run) play(gen Generator) (*Result, error) {
	r.nextFault()
	for _, c := range r.clients {
		r.active++
		c.loop(gen)
	}
	r.sim.runUntil(func() bool { return r.active == 0 || r.rec.err != nil })
	return r.finish()
}

// nextFault schedules the nemesis's next step.
func (r *run) nextFault() {
	st, ok := r.nm.Next()
	if !ok {
		return
	}
	r.sim.at(st.At, func() {
		if r.stopped {
			return
		}
		if r.record != nil {
			r.record.Faults = append(r.record.Faults, st)
		}
		r.fault(st.Fault)
		r.nextFault()
	})
}

// fault applies f and records it.
func (r *run) fault(f nemesis.Fault) {
	switch f.F {
	case nemesis.Tombstone:
		r.tombstone(f, nil)
		return
	case nemesis.Crash:
		r.cl.crash(f.Node)
	case nemesis.Restart:
		if !r.cl.isDown(f.Node) {
			return // the undo of a crash the run stopped before
		}
		if err := r.cl.restart(f.Node); err != nil {
			r.cl.errors = append(r.cl.errors, err)
		}
	}
	nemesis.Apply(r.cl, f)
	r.rec.add(histories.Event{Process: histories.Nemesis, Type: histories.Info, F: histories.Func(f.F), Params: f.Params})
}

// tombstone runs a tombstone fault: it records the fault, then the nemesis
// reads f.Key through f.Node and deletes it with what it read, f.Node's clock
// reading f.Offset ahead while it handles the delete; done, if not nil, runs
// once the delete completed. A tombstone due while another runs waits for it.
func (r *run) tombstone(f nemesis.Fault, done func()) {
	if r.tombBusy {
		r.tombs = append(r.tombs, tombstone{f, done})
		return
	}
	r.tombBusy = true
	id := r.nextWrite(histories.Delete)
	params := maps.Clone(f.Params)
	params["write"] = id
	r.rec.add(histories.Event{Process: histories.Nemesis, Type: histories.Info, F: histories.Func(f.F), Params: params})
	delete(r.nem.reads, f.Key) // a read that fails leaves the delete blind, not stale
	r.nem.do(Op{F: histories.Read, Key: f.Key, Node: f.Node}, func() {
		del := Op{F: histories.Delete, Key: f.Key, Node: f.Node, AfterRead: true, Ahead: time.Duration(f.Offset), Write: id}
		r.nem.do(del, func() {
			r.tombBusy = false
			if done != nil {
				done()
			}
			if len(r.tombs) > 0 && !r.stopped {
				next := r.tombs[0]
				r.tombs = r.tombs[1:]
				r.tombstone(next.f, next.done)
			}
		})
	})
}

// finalTries is how many times a final read is tried before its key and
// node are left without one (and the verdict unknown).
const finalTries = 3

// finish heals every fault, waits for convergence and takes the final reads.
func (r *run) finish() (*Result, error) {
	r.stopped = true
	r.tombs = nil
	r.sim.runUntil(func() bool { return !r.tombBusy || r.rec.err != nil })
	if r.sim.halted {
		return r.interrupted()
	}
	stop := r.nm.Stop()
	if r.record != nil {
		r.record.Stop = stop
	}
	for _, f := range stop {
		r.fault(f)
	}
	if r.cl.cut {
		r.fault(nemesis.HealFault())
	}
	for _, n := range r.cl.crashed() {
		r.fault(nemesis.RestartFault(n))
	}
	if skewed := r.skewed(); len(skewed) > 0 {
		r.fault(nemesis.Fault{F: nemesis.Reset, Clocks: skewed, Params: clockParams(skewed)})
	}
	converged := false
	deadline := r.sim.now + int64(r.cfg.Converge)
	var poll func()
	poll = func() {
		converged = r.cl.converged()
		if !converged && r.sim.now < deadline {
			r.sim.after(int64(10*time.Millisecond), poll)
		}
	}
	poll()
	r.sim.runUntil(func() bool { return converged || r.sim.now >= deadline })
	if r.sim.halted {
		return r.interrupted()
	}
	if !converged {
		r.rec.add(histories.Event{Process: histories.Nemesis, Type: histories.Info, F: histories.Unconverged,
			Params: map[string]string{"waited": r.cfg.Converge.String()}})
	}

	// Final reads, one per key per node, one after another; one that
	// times out or fails (a dropped message, a replica that held a request)
	// is tried again, finalTries times in all, each try in the history.
	final := r.addClient(histories.Final, nil)
	type target struct{ key, node string }
	var targets []target
	for _, key := range r.finalKeys() {
		for _, node := range r.cl.names {
			targets = append(targets, target{key, node})
		}
	}
	done := false
	var next func(i, try int)
	next = func(i, try int) {
		if i == len(targets) {
			done = true
			return
		}
		t := targets[i]
		final.do(Op{F: histories.Read, Key: t.key, Node: t.node}, func() {
			if final.last != histories.OK && try < finalTries {
				next(i, try+1)
				return
			}
			next(i+1, 1)
		})
	}
	next(0, 1)
	r.sim.runUntil(func() bool { return done || r.rec.err != nil })
	if r.sim.halted {
		return r.interrupted()
	}
	if err := r.rec.flush(); err != nil {
		return nil, err
	}
	if len(r.cl.errors) > 0 {
		return nil, fmt.Errorf("harness: a node rejected a message: %w", r.cl.errors[0])
	}
	return &Result{
		History: r.rec.h, Converged: converged, Duration: time.Duration(r.sim.now),
		Events: r.sim.ran, Ops: r.invoked,
	}, nil
}

// interrupted ends a run that Config.Interrupt stopped: it flushes the
// history as far as it got.
func (r *run) interrupted() (*Result, error) {
	if err := r.rec.flush(); err != nil {
		return nil, err
	}
	return &Result{History: r.rec.h, Duration: time.Duration(r.sim.now), Events: r.sim.ran, Ops: r.invoked, Interrupted: true}, nil
}

// skewed returns a zero clock for every node whose clock is not on true time.
func (r *run) skewed() map[string]clock.Clock {
	out := map[string]clock.Clock{}
	for i, n := range r.cl.names {
		if !r.cl.members[i].clock.True() {
			out[n] = clock.Clock{}
		}
	}
	return out
}

func clockParams(clocks map[string]clock.Clock) map[string]string {
	p := map[string]string{}
	for n, c := range clocks {
		p[n] = c.String()
	}
	return p
}

// finalKeys lists, sorted, every key a client touched or a node holds.
func (r *run) finalKeys() []string {
	seen := maps.Clone(r.keys)
	for _, m := range r.cl.members {
		for _, k := range m.node.Keys() {
			seen[k] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}
