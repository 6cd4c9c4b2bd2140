package live

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/nemesis"
	"github.com/clockwise-kv/clockwise/protocol"
)

// undoTimeout bounds each fault the run applies, the reset of clocks and
// partitions before the run, and the undoing of faults after an interrupted
// run, so a remote cluster is not left partitioned or skewed.
const undoTimeout = 10 * time.Second

// Run runs a random workload against a real cluster: harness.Config.Clients
// goroutines, each one Jepsen process, send the operations gen picks
// (harness.NewGenerator(cfg) if nil) over HTTP, while the nemesis injects
// harness.Config.Nemesis's faults through the target on the seeded schedule; kill
// faults ("kill" in Nemesis.Kinds) run on their own cycle. Then it undoes
// every fault, waits for convergence (harness.Config.Converge at most) and takes
// the final reads, one per key per node (three tries each). Every event goes to o.Sink, if not
// nil, as it happens; times are true time from this process's monotonic
// clock, in ns since the run began. If the sink fails, the run stops at
// once: it undoes its faults and returns the sink's error with what it
// recorded.
//
// The run's keys and write ids live in its namespace on the cluster
// (o.Namespace, NewNamespace's if empty): the history names them as the
// generator does (k1, w1), the cluster with the namespace in front, and
// convergence and the final reads cover the namespace's keys alone.
//
// cfg.Nodes is taken from the target. harness.Latency, Drop, Tick and SyncEvery do
// not apply: the network and the nodes are real. The seed fixes the
// generator's choices and the fault schedule, but not the history: real
// timing decides what happens. A request that times out (harness.Config.Timeout),
// or whose connection breaks, is recorded info; a 4xx answer, or a node
// that refused the connection, fail. A fault the target cannot take is
// recorded as a nemesis event with f "skipped" naming the fault and why;
// tombstone faults are always skipped; a crash fault (the simulator's) is
// a kill that also loses the node's data (Target.Crash). harness.Result.Duration is the wall time the run took; harness.Result.Events is 0. If ctx ends, the run stops, undoes its
// faults as far as it can, and returns ctx's error with what it recorded.
func Run(ctx context.Context, cfg harness.Config, t Target, gen harness.Generator, o Options) (*harness.Result, error) {
	r, err := newRun(ctx, cfg, t, o)
	if err != nil {
		return nil, err
	}
	if gen == nil {
		gen = harness.NewGenerator(r.cfg)
	}
	return r.drive(ctx, func(ctx context.Context) {
		var wg sync.WaitGroup
		for i := 1; i <= r.cfg.Clients; i++ {
			c := r.client(fmt.Sprintf("c%d", i), rand.New(rand.NewPCG(r.cfg.Seed, uint64(harness.StreamClients+i))))
			wg.Go(func() { c.loop(ctx, gen) })
		}
		wg.Wait()
	}, true)
}

// RunScript plays steps against a real cluster, as RunScript does in
// the simulator: each step pauses, applies its fault (kill and restart
// included) and runs its calls together. The configured nemesis is not
// used. It ends as Run does.
func RunScript(ctx context.Context, cfg harness.Config, t Target, steps []harness.Step, o Options) (*harness.Result, error) {
	cfg.Nemesis.Kinds = nil
	r, err := newRun(ctx, cfg, t, o)
	if err != nil {
		return nil, err
	}
	clients := map[string]*client{}
	for i := 1; i <= r.cfg.Clients; i++ {
		id := fmt.Sprintf("c%d", i)
		clients[id] = r.client(id, nil)
	}
	if err := harness.CheckSteps(steps, r.cfg.Clients, r.cfg.Nodes); err != nil {
		return nil, err
	}
	return r.drive(ctx, func(ctx context.Context) {
		for _, st := range steps {
			if !harness.Sleep(ctx, st.Pause) {
				return
			}
			if st.Fault != nil {
				r.fault(ctx, *st.Fault)
			}
			var wg sync.WaitGroup
			for _, call := range st.Calls {
				wg.Go(func() { clients[call.Process].do(ctx, call.Op) })
			}
			wg.Wait()
		}
	}, false)
}

// run is one test against a real cluster in progress.
type run struct {
	cfg   harness.Config
	t     Target
	nodes []string
	rec   *harness.Recorder

	ns    space                   // the run's namespace on the cluster
	abort context.CancelCauseFunc // set by drive before the workload starts: stops the run when the sink fails

	mu     sync.Mutex             // guards everything below
	clocks map[string]clock.Clock // each known clock: reset at the start or set by the nemesis; Since in run time
	down   map[string]bool        // nodes killed and not restarted
	cut    bool                   // a partition is in force
	keys   map[string]bool
	writes int
	budget int
}

// Options are how a caller follows a real run; none of them changes what
// the run does.
type Options struct {
	// Sink, if set, gets every event as it happens.
	Sink *histories.Writer
	// Progress, if set, is called as client operations complete, one call
	// at a time.
	Progress func(done, total int)
	// Namespace is the run's namespace on the cluster (see NewNamespace);
	// empty: a new one.
	Namespace string
}

func newRun(ctx context.Context, cfg harness.Config, t Target, o Options) (*run, error) {
	cfg.Nodes = len(t.Nodes())
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if o.Namespace == "" {
		o.Namespace = NewNamespace()
	}
	r := &run{
		cfg: cfg, t: t, nodes: t.Nodes(), budget: cfg.Ops,
		ns:     space{prefix: o.Namespace + Sep},
		clocks: map[string]clock.Clock{}, down: map[string]bool{}, keys: map[string]bool{},
	}
	r.rec = harness.NewRecorder(o.Sink, o.Progress, cfg.Ops, func() {
		if r.abort != nil {
			r.abort(errSink)
		}
	})
	// Start from true time and no partition: a remote cluster may keep what
	// an earlier run left. This is setup, not a fault: nothing is recorded.
	sctx, cancel := context.WithTimeout(ctx, undoTimeout)
	defer cancel()
	for _, n := range r.nodes {
		if err := t.SetClock(sctx, n, clock.Clock{}); err == nil {
			r.clocks[n] = clock.Clock{}
		} else if !errors.Is(err, ErrUnsupported) {
			return nil, fmt.Errorf("harness: resetting %s's clock: %w", n, err)
		}
	}
	if err := t.Heal(sctx); err != nil && !errors.Is(err, ErrUnsupported) {
		return nil, fmt.Errorf("harness: healing before the run: %w", err)
	}
	r.rec.Begin()
	return r, nil
}

// errSink is the cause of a run's stop when its history cannot be written.
var errSink = errors.New("the history cannot be written")

// drive runs the workload and the nemesis (when withNemesis is set) until the
// workload ends, then finishes the run.
func (r *run) drive(ctx context.Context, workload func(context.Context), withNemesis bool) (*harness.Result, error) {
	ctx, abort := context.WithCancelCause(ctx)
	defer abort(nil)
	r.abort = abort
	stop, stopNemesis := context.WithCancel(ctx)
	var nm sync.WaitGroup
	if withNemesis {
		r.startNemesis(ctx, stop, &nm)
	}
	workload(ctx)
	stopNemesis()
	nm.Wait()
	if ctx.Err() != nil {
		return r.stopped(ctx)
	}
	return r.finish(ctx)
}

// startNemesis runs the fault schedules until stop ends; a fault under way
// then completes (under ctx). Their Stop is not used: a schedule reports as active
// the fault it has returned but the run may not have applied yet, so the
// run undoes what it knows it did (undoAll).
func (r *run) startNemesis(ctx, stop context.Context, wg *sync.WaitGroup) {
	opts := r.cfg.Nemesis
	kill := slices.Contains(opts.Kinds, nemesis.Kill)
	opts.Kinds = slices.DeleteFunc(slices.Clone(opts.Kinds), func(k string) bool { return k == nemesis.Kill })
	if len(opts.Keys) == 0 {
		for i := 1; i <= r.cfg.Keys; i++ {
			opts.Keys = append(opts.Keys, fmt.Sprintf("k%d", i))
		}
	}
	scheds := []nemesis.Schedule{nemesis.New(opts, r.nodes, rand.New(rand.NewPCG(r.cfg.Seed, harness.StreamNemesis)))}
	if kill {
		scheds = append(scheds, nemesis.NewKills(opts.Interval, r.nodes, rand.New(rand.NewPCG(r.cfg.Seed, harness.StreamKills))))
	}
	wg.Go(func() { harness.Play(stop, r.rec.Start(), scheds, func(f nemesis.Fault) { r.fault(ctx, f) }) })
}

// fault applies f to the target and records it: as the simulator does when
// the target took it, as a "skipped" event naming the fault and why when it
// could not. A fault once begun is applied whole (undoTimeout at most),
// even when ctx ends meanwhile: one cut short (a partition some nodes took)
// would be one the run does not know to undo.
func (r *run) fault(ctx context.Context, f nemesis.Fault) {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), undoTimeout)
	defer cancel()
	switch f.F {
	case nemesis.Skew, nemesis.Strobe, nemesis.Reset:
		applied := map[string]string{}
		var why []string
		for _, n := range slices.Sorted(maps.Keys(f.Clocks)) {
			clk := f.Clocks[n]
			if err := r.t.SetClock(fctx, n, clk); err != nil {
				why = append(why, fmt.Sprintf("%s: %v", n, err))
				continue
			}
			applied[n] = f.Params[n]
			r.mu.Lock()
			clk.Since = r.rec.Now()
			r.clocks[n] = clk
			r.mu.Unlock()
		}
		r.rec.Clocks(f, applied, why)
		return
	case nemesis.Partition:
		r.network(f, r.t.Partition(fctx, f.Groups), true)
		return
	case nemesis.Heal:
		r.network(f, r.t.Heal(fctx), false)
		return
	case nemesis.Kill, nemesis.Crash:
		// A kill is process death: the node keeps what its data folder
		// holds. A crash is a kill that loses the data too (amnesia), as
		// the simulator's crash does. The recorder waits while the node
		// dies, so the requests the fault breaks are recorded after it.
		kill := r.t.Kill
		if f.F == nemesis.Crash {
			kill = r.t.Crash
		}
		if err := r.rec.AddAfter(func() error { return kill(fctx, f.Node) }, harness.FaultEvent(f)); err != nil {
			r.skip(f.F, f.Params, err.Error())
			return
		}
		r.mu.Lock()
		r.down[f.Node] = true
		r.mu.Unlock()
		return
	case nemesis.Restart:
		r.mu.Lock()
		down := r.down[f.Node]
		r.mu.Unlock()
		if r.rec.Restart(f, down, func() error { return r.t.Restart(fctx, f.Node) }) {
			r.mu.Lock()
			r.down[f.Node] = false
			r.mu.Unlock()
		}
		return
	case nemesis.Tombstone:
		r.skip(f.F, f.Params, "tombstone faults are not available on real clusters yet")
		return
	}
	r.skip(f.F, f.Params, "unknown fault")
}

func (r *run) network(f nemesis.Fault, err error, cut bool) {
	if err != nil {
		r.skip(f.F, f.Params, err.Error())
		return
	}
	r.mu.Lock()
	r.cut = cut
	r.mu.Unlock()
	r.rec.Fault(f)
}

// skip records a fault the target did not take (harness.Recorder.Skip).
func (r *run) skip(f string, params map[string]string, why string) { r.rec.Skip(f, params, why) }

// Skipped is the f of a nemesis event that records a fault the target
// could not take (histories.Skipped).
const Skipped = histories.Skipped

// undoAll puts the cluster back together: restarts killed nodes, heals a
// partition, puts skewed clocks back on true time.
func (r *run) undoAll(ctx context.Context) {
	r.mu.Lock()
	var skewed []string
	for n, c := range r.clocks {
		if !c.True() {
			skewed = append(skewed, n)
		}
	}
	slices.Sort(skewed)
	faults := harness.Undo(harness.Marked(r.down), r.cut, skewed)
	r.mu.Unlock()
	for _, f := range faults {
		r.fault(ctx, f)
	}
}

// stopped undoes the faults of a run ctx ended, with a fresh deadline, and
// returns what was recorded: with the sink's error when the history could
// not be written, else as interrupted (harness.Result.Interrupted) with
// ctx's error.
func (r *run) stopped(ctx context.Context) (*harness.Result, error) {
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), undoTimeout)
	defer cancel()
	r.undoAll(uctx)
	if err := r.rec.Err(); err != nil {
		res, _ := r.rec.Result(false)
		return res, fmt.Errorf("harness: run stopped, %v: %w", errSink, err)
	}
	res, err := r.rec.Result(false)
	if err != nil {
		return res, err
	}
	res.Interrupted = true
	return res, fmt.Errorf("harness: run interrupted: %w", ctx.Err())
}

// settle is how long the final reads wait on a target that cannot report
// convergence (no GET /admin/state), harness.Config.Converge at most.
const settle = 3 * time.Second

// finish undoes every fault, waits for convergence and takes the final
// reads.
func (r *run) finish(ctx context.Context) (*harness.Result, error) {
	r.undoAll(ctx)
	converged, known := false, true
	deadline := time.Now().Add(r.cfg.Converge)
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		ok, err := r.t.Converged(cctx, r.ns.prefix)
		cancel()
		if errors.Is(err, ErrUnsupported) {
			known = false // the target cannot tell; the final reads still show divergence
			harness.Sleep(ctx, min(settle, r.cfg.Converge))
			break
		}
		if ok || time.Now().After(deadline) || !harness.Sleep(ctx, 20*time.Millisecond) {
			converged = ok
			break
		}
	}
	if ctx.Err() != nil {
		return r.stopped(ctx)
	}
	if known && !converged {
		r.rec.Add(histories.Event{Process: histories.Nemesis, Type: histories.Info, F: histories.Unconverged,
			Params: map[string]string{"waited": r.cfg.Converge.String()}})
	}
	keys := map[string]bool{}
	r.mu.Lock()
	maps.Copy(keys, r.keys)
	r.mu.Unlock()
	kctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	for _, k := range keysOf(kctx, r.t, r.ns.prefix) {
		keys[r.ns.local(k)] = true
	}
	cancel()
	final := r.client(histories.Final, nil)
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		for _, n := range r.nodes {
			harness.ReadFinal(ctx, func() histories.Type { return final.do(ctx, harness.Op{F: histories.Read, Key: k, Node: n}) })
		}
	}
	if ctx.Err() != nil {
		return r.stopped(ctx)
	}
	return r.rec.Result(converged)
}

// client is one Jepsen process over HTTP: one operation at a time.
type client struct {
	r     *run
	id    string
	rng   *rand.Rand
	reads map[string]harness.LastRead[string]
}

func (r *run) client(id string, rng *rand.Rand) *client {
	return &client{r: r, id: id, rng: rng, reads: map[string]harness.LastRead[string]{}}
}

// loop runs operations from gen until the run's budget is spent or ctx
// ends.
func (c *client) loop(ctx context.Context, gen harness.Generator) {
	r := c.r
	for ctx.Err() == nil {
		r.mu.Lock()
		if r.budget <= 0 {
			r.mu.Unlock()
			return
		}
		op := gen.Next(c.id, c.rng)
		if op.F == "" { // the generator has nothing more for this client
			r.mu.Unlock()
			return
		}
		think := r.cfg.ThinkTime(c.rng)
		r.mu.Unlock()
		if !harness.Sleep(ctx, think) {
			return
		}
		r.mu.Lock()
		if r.budget <= 0 {
			r.mu.Unlock()
			return
		}
		if op.ReadFirst && r.budget < 2 {
			op = op.Read() // no room for the write
		}
		cost := 1
		if op.ReadFirst {
			cost = 2
		}
		r.budget -= cost
		r.mu.Unlock()
		if !op.ReadFirst {
			c.do(ctx, op)
			continue
		}
		c.do(ctx, op.Read())
		c.do(ctx, op.ThenWrite())
	}
}

// do invokes op, waits for its outcome and records both; it returns the outcome.
func (c *client) do(ctx context.Context, op harness.Op) histories.Type {
	r := c.r
	inv := histories.Event{Process: c.id, Type: histories.Invoke, F: op.F, Key: op.Key, Node: op.Node}
	var last harness.LastRead[string]
	r.mu.Lock()
	r.keys[op.Key] = true
	if c.workload() {
		r.rec.Invoked()
	}
	if inv.IsWrite() {
		if op.AfterRead {
			last = c.reads[op.Key]
		}
		harness.StampWrite(&inv, op, &r.writes, last)
	}
	var offset *int64
	if clk, ok := r.clocks[op.Node]; ok {
		off := clk.OffsetAt(r.rec.Now())
		offset = &off
	}
	r.mu.Unlock()
	r.rec.Add(inv)

	e := histories.Event{Process: c.id, F: op.F, Key: op.Key, Node: op.Node, Write: inv.Write, Offset: offset}
	cl := r.t.Client(op.Node)
	rctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	var err error
	switch op.F {
	case histories.Read:
		var rd protocol.Read
		if rd, err = cl.Get(rctx, r.ns.key(op.Key)); err == nil {
			e.Versions = r.ns.versions(rd.Versions)
			c.reads[op.Key] = harness.LastRead[string]{Versions: e.Versions, Context: rd.Context}
		}
	case histories.Write:
		var w protocol.Written
		if w, err = cl.Put(rctx, r.ns.key(op.Key), protocol.Put{Write: r.ns.write(inv.Write), Value: inv.Value, Context: last.Context}); err == nil {
			e.Meta = w.Meta
		}
	case histories.Delete:
		var w protocol.Written
		if w, err = cl.Delete(rctx, r.ns.key(op.Key), protocol.Delete{Write: r.ns.write(inv.Write), Context: last.Context}); err == nil {
			e.Meta = w.Meta
		}
	}
	cancel()
	switch {
	case err == nil:
		e.Type = histories.OK
	case protocol.Failed(err):
		e.Type, e.Error = histories.Fail, errorText(err)
	case ctx.Err() != nil:
		e.Type, e.Error = histories.Info, "interrupted"
	case errors.Is(err, context.DeadlineExceeded):
		e.Type, e.Error = histories.Info, "timeout"
	default:
		e.Type, e.Error = histories.Info, errorText(err)
	}
	r.rec.Add(e)
	if c.workload() {
		r.rec.Completed()
	}
	return e.Type
}

// errorText is what the history records of a failed request: the node's
// message when it sent one.
func errorText(err error) string {
	var se *protocol.StatusError
	if errors.As(err, &se) {
		return fmt.Sprintf("%d %s", se.Code, se.Message)
	}
	return err.Error()
}

// workload reports whether c runs the workload's operations rather than the
// final reads.
func (c *client) workload() bool { return harness.Workload(c.id) }
