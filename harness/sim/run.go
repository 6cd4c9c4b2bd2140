package sim

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/nemesis"
	"github.com/clockwise-kv/clockwise/store"
)

// run is one test in progress.
type run struct {
	cfg       harness.Config
	progress  func(done, total int) // Options.Progress
	sim       *sim
	cl        *cluster
	rec       *recorder
	nm        nemesis.Schedule
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

// Options are how a caller follows and steers a simulated run: where the
// history goes and who hears of it as it is made. None of them changes what
// happens in the run: that is the Config's alone.
type Options struct {
	// Sink, if set, gets every event as it happens.
	Sink *histories.Writer
	// Stream, if set, only writes the history to the sink and leaves
	// Result.History nil, so a run holds no more than the cluster's state
	// however long it runs.
	Stream bool
	// Progress, if set, is called as client operations complete.
	Progress func(done, total int)
	// Interrupt, when closed, stops the run at its next event (a user's
	// Ctrl-C): no fault is healed and no final read taken, the history so
	// far is flushed, and Result.Interrupted says so.
	Interrupt <-chan struct{}
	// Observe, if set, is called with each event, in order, as the history
	// is written: on a goroutine of the run's own, while the simulation
	// goes on, so that a caller can take the history in
	// (checker.Assembler) as it is made. It may keep what the event holds
	// but not the pointer. Every call has returned when the run does.
	Observe func(e *histories.Event)
}

func newRun(cfg harness.Config, o Options) (*run, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	for _, k := range cfg.Nemesis.Kinds {
		if slices.Contains(nemesis.RealKinds, k) {
			return nil, fmt.Errorf("harness: the %s fault needs a real cluster: the simulator has no process to %s", k, k)
		}
	}
	r := &run{cfg: cfg, progress: o.Progress, sim: &sim{stop: o.Interrupt}, rec: newRecorder(&cfg, o), budget: cfg.Ops, keys: map[string]bool{}}
	r.rec.sim = r.sim
	cl, err := newCluster(r.sim, &r.cfg)
	if err != nil {
		return nil, err
	}
	r.cl = cl
	for i := 1; i <= cfg.Clients; i++ {
		r.addClient(fmt.Sprintf("c%d", i), rand.New(rand.NewPCG(cfg.Seed, uint64(harness.StreamClients+i))))
	}
	r.nem = &client{r: r, id: histories.Nemesis, reads: map[string]harness.LastRead[store.Context]{}}
	cl.clients[r.nem.id] = r.nem
	nopts := cfg.Nemesis
	if len(nopts.Keys) == 0 {
		for i := 1; i <= cfg.Keys; i++ {
			nopts.Keys = append(nopts.Keys, fmt.Sprintf("k%d", i))
		}
	}
	r.nm = nemesis.New(nopts, cl.names, rand.New(rand.NewPCG(cfg.Seed, harness.StreamNemesis)))
	r.sim.tick(int64(cfg.Tick), r.cl.tick) // every node, forever
	return r, nil
}

func (r *run) addClient(id string, rng *rand.Rand) *client {
	c := &client{r: r, id: id, rng: rng, reads: map[string]harness.LastRead[store.Context]{}}
	r.cl.clients[id] = c
	r.clients = append(r.clients, c)
	return c
}

// Run runs a random workload: each client loops, asking gen for an
// operation, until harness.Config.Ops operations have been invoked. Every event is
// also written to o.Sink, if not nil, as it happens.
func Run(cfg harness.Config, gen harness.Generator, o Options) (*harness.Result, error) {
	r, err := newRun(cfg, o)
	if err != nil {
		return nil, err
	}
	if gen == nil {
		gen = harness.NewGenerator(cfg)
	}
	return r.play(gen)
}

// play runs the workload of gen and the fault schedule, then finishes.
func (r *run) play(gen harness.Generator) (*harness.Result, error) {
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
	r.nem.do(harness.Op{F: histories.Read, Key: f.Key, Node: f.Node}, func() {
		del := harness.Op{F: histories.Delete, Key: f.Key, Node: f.Node, AfterRead: true, Ahead: time.Duration(f.Offset), Write: id}
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

// finish heals every fault, waits for convergence and takes the final reads.
func (r *run) finish() (*harness.Result, error) {
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
		r.fault(nemesis.ResetFault(skewed))
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
	// is tried again, harness.FinalTries times in all, each try in the history.
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
		final.do(harness.Op{F: histories.Read, Key: t.key, Node: t.node}, func() {
			if final.last != histories.OK && try < harness.FinalTries {
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
	return &harness.Result{
		History: r.rec.h, Converged: converged, Duration: time.Duration(r.sim.now),
		Events: r.sim.ran, Ops: r.invoked,
	}, nil
}

// interrupted ends a run that Options.Interrupt stopped: it flushes the
// history as far as it got.
func (r *run) interrupted() (*harness.Result, error) {
	if err := r.rec.flush(); err != nil {
		return nil, err
	}
	return &harness.Result{History: r.rec.h, Duration: time.Duration(r.sim.now), Events: r.sim.ran, Ops: r.invoked, Interrupted: true}, nil
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
