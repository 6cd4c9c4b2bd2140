package dblive

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/clockwise-kv/clockwise/db"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// faultTimeout bounds each fault and each undoing of one.
const faultTimeout = 30 * time.Second

// Options are how a run treats the database and how a caller follows it.
type Options struct {
	// Sink, if set, gets every event as it happens.
	Sink *histories.Writer
	// Progress, if set, is called as client operations complete, one call
	// at a time.
	Progress func(done, total int)
	// IsolateLeader makes every partition isolate the node that leads when
	// it begins (Redis's primary, etcd's leader) from the others, in place
	// of the nemesis's random split: the partition that exposes a
	// failover's losses.
	IsolateLeader bool
}

// Run runs the workload (harness.Register or harness.Set; the DB was made
// for it) against d: cfg.Clients goroutines send cfg.Ops operations from
// harness.NewBlind while the nemesis injects cfg.Nemesis's faults (kill and
// pause on their own cycles). Then it undoes every fault, waits for d to
// settle and takes the final reads, one per key per node (FinalTries each).
// If ctx ends, the run stops, undoes its faults and returns ctx's error with
// what it recorded (Result.Interrupted).
func Run(ctx context.Context, cfg harness.Config, d DB, o Options) (*harness.Result, error) {
	cfg.Nodes = len(d.Nodes())
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r := &run{cfg: cfg, d: d, o: o, nodes: d.Nodes(), budget: cfg.Ops, rec: harness.NewRecorder(o.Sink, o.Progress, cfg.Ops, nil),
		down: map[string]bool{}, paused: map[string]bool{}, killedPaused: map[string]bool{}, skewed: map[string]bool{}, keys: map[string]bool{}}
	gen := harness.NewBlind(cfg)
	stop, stopNemesis := context.WithCancel(ctx)
	var nm sync.WaitGroup
	r.startNemesis(ctx, stop, &nm)
	var wg sync.WaitGroup
	for i := 1; i <= cfg.Clients; i++ {
		id := fmt.Sprintf("c%d", i)
		cl, err := d.Client(id)
		if err != nil {
			stopNemesis()
			nm.Wait()
			r.undoAll(context.WithoutCancel(ctx))
			return nil, fmt.Errorf("dblive: client %s: %w", id, err)
		}
		c := &client{r: r, id: id, cl: cl, rng: rand.New(rand.NewPCG(cfg.Seed, uint64(harness.StreamClients+i)))}
		wg.Go(func() {
			defer cl.Close()
			c.loop(ctx, gen)
		})
	}
	wg.Wait()
	stopNemesis()
	nm.Wait()
	if ctx.Err() != nil {
		return r.interrupted(ctx)
	}
	return r.finish(ctx)
}

// run is one test against a database in progress.
type run struct {
	cfg   harness.Config
	d     DB
	o     Options
	nodes []string
	rec   *harness.Recorder

	mu     sync.Mutex // guards everything below
	down   map[string]bool
	paused map[string]bool
	// killedPaused are the nodes killed while paused: the kill ended the
	// pause, and their resume has nothing to continue.
	killedPaused map[string]bool
	skewed       map[string]bool
	cut          bool
	keys         map[string]bool
	writes       int
	budget       int
}

// startNemesis runs the fault schedules until stop ends.
func (r *run) startNemesis(ctx, stop context.Context, wg *sync.WaitGroup) {
	opts := r.cfg.Nemesis
	kill, pause := slices.Contains(opts.Kinds, nemesis.Kill), slices.Contains(opts.Kinds, nemesis.Pause)
	opts.Kinds = slices.DeleteFunc(slices.Clone(opts.Kinds), func(k string) bool { return k == nemesis.Kill || k == nemesis.Pause })
	var scheds []nemesis.Schedule
	if len(opts.Kinds) > 0 {
		scheds = append(scheds, nemesis.New(opts, r.nodes, rand.New(rand.NewPCG(r.cfg.Seed, harness.StreamNemesis))))
	}
	if kill {
		scheds = append(scheds, nemesis.NewKills(opts.Interval, r.nodes, rand.New(rand.NewPCG(r.cfg.Seed, harness.StreamKills))))
	}
	if pause {
		scheds = append(scheds, nemesis.NewPauses(opts.Interval, r.nodes, rand.New(rand.NewPCG(r.cfg.Seed, harness.StreamPauses))))
	}
	wg.Go(func() { harness.Play(stop, r.rec.Start(), scheds, func(f nemesis.Fault) { r.fault(ctx, f) }) })
}

// fault applies f to the database and records it, or records it skipped
// with why.
func (r *run) fault(ctx context.Context, f nemesis.Fault) {
	fctx, cancel := context.WithTimeout(ctx, faultTimeout)
	defer cancel()
	record := r.rec.Fault
	switch f.F {
	case nemesis.Skew, nemesis.Reset:
		applied := map[string]string{}
		var why []string
		for _, n := range slices.Sorted(maps.Keys(f.Clocks)) {
			if err := r.d.SetOffset(n, time.Duration(f.Clocks[n].Offset)); err != nil {
				why = append(why, fmt.Sprintf("%s: %v", n, err))
				continue
			}
			applied[n] = f.Params[n]
			r.mu.Lock()
			r.skewed[n] = f.F == nemesis.Skew
			r.mu.Unlock()
		}
		r.rec.Clocks(f, applied, why)
	case nemesis.Strobe:
		r.skip(f.F, f.Params, "a strobing clock needs a clock the harness drives; a real database's clock only takes an offset")
	case nemesis.Partition:
		if r.o.IsolateLeader {
			leader, err := r.d.Leader(fctx)
			if err != nil {
				r.skip(f.F, f.Params, "finding the leader to isolate: "+err.Error())
				return
			}
			rest := slices.DeleteFunc(slices.Clone(r.nodes), func(n string) bool { return n == leader })
			f = nemesis.PartitionFault([]string{leader}, rest)
		}
		if err := r.d.Partition(f.Groups); err != nil {
			r.skip(f.F, f.Params, err.Error())
			return
		}
		r.mu.Lock()
		r.cut = true
		r.mu.Unlock()
		record(f)
	case nemesis.Heal:
		if err := r.d.Heal(); err != nil {
			r.skip(f.F, f.Params, err.Error())
			return
		}
		r.mu.Lock()
		r.cut = false
		r.mu.Unlock()
		record(f)
	case nemesis.Kill, nemesis.Crash:
		if err := r.d.Kill(f.Node); err != nil {
			r.skip(f.F, f.Params, err.Error())
			return
		}
		r.mu.Lock()
		r.down[f.Node] = true
		if r.paused[f.Node] {
			r.paused[f.Node], r.killedPaused[f.Node] = false, true
		}
		r.mu.Unlock()
		record(f)
	case nemesis.Restart:
		r.mu.Lock()
		down := r.down[f.Node]
		r.mu.Unlock()
		if r.rec.Restart(f, down, func() error { return r.d.Restart(fctx, f.Node) }) {
			r.mu.Lock()
			r.down[f.Node] = false
			r.mu.Unlock()
		}
	case nemesis.Pause:
		if err := r.d.Pause(f.Node); err != nil {
			r.skip(f.F, f.Params, err.Error())
			return
		}
		r.mu.Lock()
		r.paused[f.Node] = true
		delete(r.killedPaused, f.Node)
		r.mu.Unlock()
		record(f)
	case nemesis.Resume:
		r.mu.Lock()
		paused, killed := r.paused[f.Node], r.killedPaused[f.Node]
		delete(r.killedPaused, f.Node)
		r.mu.Unlock()
		switch {
		case killed:
			r.skip(f.F, f.Params, f.Node+" was killed while paused: the kill ended the pause, and a restart runs it")
			return
		case !paused:
			r.skip(f.F, f.Params, f.Node+" was not paused")
			return
		}
		if err := r.d.Resume(f.Node); err != nil {
			r.skip(f.F, f.Params, err.Error())
			return
		}
		r.mu.Lock()
		r.paused[f.Node] = false
		r.mu.Unlock()
		record(f)
	case nemesis.Tombstone:
		r.skip(f.F, f.Params, "a tombstone needs a store that deletes with a context; the register and set workloads have none")
	default:
		r.skip(f.F, f.Params, "unknown fault")
	}
}

// skip records a fault the database did not take (harness.Recorder.Skip).
func (r *run) skip(f string, params map[string]string, why string) { r.rec.Skip(f, params, why) }

// undoAll resumes paused nodes, restarts killed ones, heals a partition and
// puts skewed clocks back.
func (r *run) undoAll(ctx context.Context) {
	r.mu.Lock()
	paused := harness.Marked(r.paused)
	faults := harness.Undo(harness.Marked(r.down), r.cut, harness.Marked(r.skewed))
	r.mu.Unlock()
	for _, n := range paused {
		r.fault(ctx, nemesis.ResumeFault(n))
	}
	for _, f := range faults {
		r.fault(ctx, f)
	}
}

// interrupted undoes the faults and returns what was recorded.
func (r *run) interrupted(ctx context.Context) (*harness.Result, error) {
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), faultTimeout)
	defer cancel()
	r.undoAll(uctx)
	res, err := r.rec.Result(false)
	if err != nil {
		return res, err
	}
	res.Interrupted = true
	return res, fmt.Errorf("dblive: run interrupted: %w", ctx.Err())
}

// finish undoes every fault, lets the database settle and takes the final
// reads.
func (r *run) finish(ctx context.Context) (*harness.Result, error) {
	r.undoAll(ctx)
	settled := true
	if err := r.d.Settle(ctx); err != nil {
		if ctx.Err() != nil {
			return r.interrupted(ctx)
		}
		settled = false
		r.rec.Add(histories.Event{Process: histories.Nemesis, Type: histories.Info, F: histories.Unconverged,
			Params: map[string]string{"why": err.Error()}, Error: err.Error()})
	}
	r.mu.Lock()
	keys := slices.Sorted(maps.Keys(r.keys))
	r.mu.Unlock()
	for _, n := range r.nodes {
		cl, err := r.d.Final(n)
		if err != nil {
			return nil, fmt.Errorf("dblive: final reads through %s: %w", n, err)
		}
		c := &client{r: r, id: histories.Final, cl: cl}
		for _, k := range keys {
			harness.ReadFinal(ctx, func() histories.Type { return c.do(ctx, harness.Op{F: histories.Read, Key: k, Node: n}) })
		}
		cl.Close()
	}
	if ctx.Err() != nil {
		return r.interrupted(ctx)
	}
	return r.rec.Result(settled)
}

// client is one Jepsen process: one operation at a time.
type client struct {
	r   *run
	id  string
	cl  Client
	rng *rand.Rand
}

// loop runs operations from gen until the budget is spent or ctx ends.
func (c *client) loop(ctx context.Context, gen harness.Generator) {
	r := c.r
	for ctx.Err() == nil {
		r.mu.Lock()
		if r.budget <= 0 {
			r.mu.Unlock()
			return
		}
		r.budget--
		op := gen.Next(c.id, c.rng)
		think := r.cfg.ThinkTime(c.rng)
		r.mu.Unlock()
		if !harness.Sleep(ctx, think) {
			return
		}
		c.do(ctx, op)
	}
}

// do invokes op, waits for its outcome and records both.
func (c *client) do(ctx context.Context, op harness.Op) histories.Type {
	r := c.r
	inv := histories.Event{Process: c.id, Type: histories.Invoke, F: op.F, Key: op.Key, Node: op.Node}
	r.mu.Lock()
	r.keys[op.Key] = true
	workload := harness.Workload(c.id)
	if workload {
		r.rec.Invoked()
	}
	if op.F == histories.Write {
		harness.StampWrite(&inv, op, &r.writes, harness.LastRead[struct{}]{})
		inv.Value = inv.Write // the value written is the write's id
	}
	r.mu.Unlock()
	r.rec.Add(inv)

	e := histories.Event{Process: c.id, F: op.F, Key: op.Key, Node: op.Node, Write: inv.Write}
	timeout := r.cfg.Timeout
	if c.id == histories.Final {
		timeout = max(timeout, FinalTimeout)
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	var served string
	var err error
	switch op.F {
	case histories.Read:
		var ids []string
		if ids, served, err = c.cl.Read(rctx, op.Key, op.Node); err == nil {
			e.Versions = make([]histories.Version, len(ids))
			for i, id := range ids {
				e.Versions[i] = histories.Version{Write: id, Value: id}
			}
		}
	case histories.Write:
		served, err = c.cl.Write(rctx, op.Key, op.Node, inv.Write)
	}
	cancel()
	if served != "" {
		e.Node = served
	}
	switch {
	case err == nil:
		e.Type = histories.OK
	case db.Definite(err), op.F == histories.Read:
		// A read that failed changed nothing, whatever the cause.
		e.Type, e.Error = histories.Fail, err.Error()
	case ctx.Err() != nil:
		e.Type, e.Error = histories.Info, "interrupted"
	case errors.Is(err, context.DeadlineExceeded):
		e.Type, e.Error = histories.Info, "timeout: "+err.Error()
	default:
		e.Type, e.Error = histories.Info, err.Error()
	}
	r.rec.Add(e)
	if workload {
		r.rec.Completed()
	}
	return e.Type
}
