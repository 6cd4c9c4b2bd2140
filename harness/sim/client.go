package sim

import (
	"errors"
	"math/rand/v2"
	"sync/atomic"

	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/store"
)

// call is a client's outstanding request.
type call struct {
	id     uint64
	inv    histories.Event
	offset int64 // the serving node's clock offset when it received the request
	done   func()
}

// client is one Jepsen process: it runs one operation at a time.
type client struct {
	r     *run
	id    string
	rng   *rand.Rand
	req   uint64
	busy  bool // cur is outstanding
	cur   call
	last  histories.Type // how the last completed call ended
	reads map[string]harness.LastRead[store.Context]

	// A workload client's loop: the generator, the operation it chose and
	// the steps of the loop, made once so that scheduling them allocates
	// nothing.
	gen                    harness.Generator
	op                     harness.Op
	next, begin, afterRead func()
}

// loop runs random operations from gen until the run's budget is spent.
func (c *client) loop(gen harness.Generator) {
	c.gen = gen
	c.next, c.begin, c.afterRead = c.think, c.start, c.write
	c.think()
}

// think chooses the next operation and starts it after a think time.
func (c *client) think() {
	r := c.r
	if r.budget <= 0 {
		r.active--
		return
	}
	c.op = c.gen.Next(c.id, c.rng)
	if c.op.F == "" { // the generator has nothing more for this client
		r.active--
		return
	}
	r.sim.after(int64(r.cfg.ThinkTime(c.rng)), c.begin)
}

// start invokes the chosen operation, or its read first.
func (c *client) start() {
	r := c.r
	if r.budget <= 0 {
		r.active--
		return
	}
	op := c.op
	if op.ReadFirst && r.budget < 2 {
		op = op.Read() // no room for the write
	}
	if !op.ReadFirst {
		c.do(op, c.next)
		return
	}
	r.budget-- // reserve the write's slot, so the budget is exact
	c.do(op.Read(), c.afterRead)
}

// write invokes the chosen write once its read completed.
func (c *client) write() {
	c.r.budget++
	c.do(c.op.ThenWrite(), c.next)
}

// do invokes op and calls done when it completes.
func (c *client) do(op harness.Op, done func()) {
	r := c.r
	inv := histories.Event{Process: c.id, Type: histories.Invoke, F: op.F, Key: op.Key, Node: op.Node}
	msg := store.Message{From: c.id, To: op.Node, Key: op.Key}
	switch op.F {
	case histories.Read:
		msg.Kind = store.Get
	case histories.Write, histories.Delete:
		var last harness.LastRead[store.Context]
		if op.AfterRead {
			last = c.reads[op.Key]
			msg.Context = last.Context
		}
		harness.StampWrite(&inv, op, &r.writes, last)
		msg.Kind = store.Put
		msg.Version = store.Version{Write: inv.Write, Value: inv.Value, Deleted: op.F == histories.Delete}
	default:
		panic("harness: unknown op " + string(op.F))
	}
	if c.workload() {
		r.budget--
		r.invoked++
	}
	r.keys[op.Key] = true
	c.req++
	msg.ID = c.req
	c.cur = call{id: c.req, inv: r.rec.add(inv), done: done}
	c.busy = true
	r.sim.send(r.cl.delay(), request, inFlight{m: msg, to: r.cl.index[op.Node], client: c, id: c.req, ahead: int64(op.Ahead)})
	r.sim.expire(int64(r.cfg.Timeout), timer{c, c.req})
}

// arrive hands the request f to its node.
func (c *client) arrive(f *inFlight) {
	cl := c.r.cl
	if c.busy && c.cur.id == f.id {
		c.cur.offset = cl.offset(f.to) + f.ahead
	}
	cl.deliver(f.to, &f.m, f.ahead)
}

// expire gives up on call id if it is still outstanding.
func (c *client) expire(id uint64) {
	if c.busy && c.cur.id == id {
		c.complete(histories.Event{Type: histories.Info, Error: "timeout"})
	}
}

// receive takes a node's reply; a reply to an abandoned request is ignored.
func (c *client) receive(m *store.Message) {
	if !c.busy || m.ID != c.cur.id {
		return
	}
	if m.Err != "" {
		c.complete(histories.Event{Type: histories.Fail, Error: m.Err})
		return
	}
	e := histories.Event{Type: histories.OK}
	switch c.cur.inv.F {
	case histories.Read:
		e.Versions = make([]histories.Version, len(m.Versions))
		for i, v := range m.Versions {
			e.Versions[i] = histories.Version{Write: v.Write, Value: v.Value, Deleted: v.Deleted}
		}
		c.reads[m.Key] = harness.LastRead[store.Context]{Versions: e.Versions, Context: m.Context}
	default:
		e.Meta = c.r.rec.meta(m.Meta)
	}
	c.complete(e)
}

// complete records the outcome of the outstanding call and moves on.
func (c *client) complete(e histories.Event) {
	c.busy = false
	c.last = e.Type
	inv := &c.cur.inv
	e.Process, e.F, e.Key, e.Node, e.Write = c.id, inv.F, inv.Key, inv.Node, inv.Write
	e.Offset = c.r.rec.offsets.new(c.cur.offset)
	c.r.rec.add(e)
	if c.workload() {
		c.r.completed++
		if p := c.r.progress; p != nil {
			p(c.r.completed, c.r.cfg.Ops)
		}
	}
	c.cur.done()
}

// nextWrite returns the run's next write id: w<n> for a write, d<n> for a
// delete.
func (r *run) nextWrite(f histories.Func) string {
	r.writes++
	return harness.WriteID(f, r.writes)
}

// workload reports whether c runs the workload's operations, which count
// against harness.Config.Ops, rather than the final reads or the nemesis's.
func (c *client) workload() bool { return harness.Workload(c.id) }

// meta returns the history's copy of a write's metadata. When the run
// only streams, its version vector, a map in the history, is made by the
// writing goroutine before it writes the event (batch.vvs), not by the
// simulation.
func (r *recorder) meta(m store.Meta) *histories.Meta {
	hm := r.metas.new(histories.Meta{TS: m.TS, Wait: m.Wait, Bytes: m.Bytes})
	if m.VV != nil {
		if r.keep || r.sink == nil && r.observe == nil {
			hm.VV = m.VV.Map()
		} else {
			r.batch.vvs = append(r.batch.vvs, laterVV{hm, m.VV})
		}
	}
	if m.Dot != nil {
		hm.Dot = &histories.Dot{Node: m.Dot.Node, Counter: m.Dot.Counter}
	}
	return hm
}

// recorder numbers events, keeps them unless the run streams only, and
// streams them to a sink and to Options.Observe. Encoding and observing
// take a goroutine of their own: the simulation hands them each batch of
// events and goes on.
type recorder struct {
	sim     *sim
	n       int  // events recorded
	keep    bool // keep the history in h
	h       []histories.Event
	sink    *histories.Writer
	observe func(e *histories.Event)
	err     error
	// What events point to, allocated many at a time.
	offsets arena[int64]
	metas   arena[histories.Meta]
	// The writing goroutine, started with the first batch: batches of
	// events go out on out and come back on free; done gives the
	// sink's error when out is closed. failed is set when the sink fails,
	// so that the run stops early.
	batch  batch
	out    chan batch
	free   chan batch
	done   chan error
	failed atomic.Bool
}

// batch is events handed to the writing goroutine at once, and the version
// vectors it makes into their metadata's maps first.
type batch struct {
	events []histories.Event
	vvs    []laterVV
}

// laterVV is a version vector that m's VV is to hold.
type laterVV struct {
	m  *histories.Meta
	vv store.VV
}

// arena hands out pointers to values carved from chunks, one allocation
// for many values that live as long as the history.
type arena[T any] struct{ free []T }

// new returns a pointer to a copy of v.
func (a *arena[T]) new(v T) *T {
	if len(a.free) == 0 {
		a.free = make([]T, 256)
	}
	p := &a.free[0]
	*p = v
	a.free = a.free[1:]
	return p
}

// recordBatch is how many events the recorder hands its writer at once.
const recordBatch = 1024

// newRecorder returns a recorder for a run of cfg writing to o.Sink. Unless
// o.Stream is set it keeps the history, sized up front for the run's
// client operations, its final reads and room for the nemesis's events
// (about 1% of a run's under the default schedule), so that it is not copied
// over and over as it grows.
func newRecorder(cfg *harness.Config, o Options) *recorder {
	r := &recorder{sink: o.Sink, observe: o.Observe, keep: !o.Stream}
	if r.keep {
		r.h = make([]histories.Event, 0, 2*cfg.Ops+cfg.Ops/8+2*cfg.Keys*cfg.Nodes+64)
	}
	return r
}

// add stamps e with the next index and the current time and records it.
func (r *recorder) add(e histories.Event) histories.Event {
	e.Index = r.n
	e.Time = r.sim.now
	r.n++
	if r.keep {
		r.h = append(r.h, e)
	}
	if (r.sink != nil || r.observe != nil) && r.err == nil {
		r.batch.events = append(r.batch.events, e)
		if len(r.batch.events) == recordBatch {
			r.send()
		}
	}
	return e
}

// send hands the batch to the writing goroutine, starting it first.
func (r *recorder) send() {
	if r.out == nil {
		r.out, r.free, r.done = make(chan batch, 4), make(chan batch, 6), make(chan error, 1)
		go r.write()
	}
	if r.failed.Load() {
		r.err = errors.New("harness: the history's sink failed") // the writer's own error comes at flush
	}
	r.out <- r.batch
	select {
	case r.batch = <-r.free:
		r.batch.events, r.batch.vvs = r.batch.events[:0], r.batch.vvs[:0]
	default:
		r.batch = batch{events: make([]histories.Event, 0, recordBatch)}
	}
}

// write writes and observes each batch in turn until out is closed, then
// gives the sink's first error on done.
func (r *recorder) write() {
	var err error
	for b := range r.out {
		for _, l := range b.vvs {
			l.m.VV = l.vv.Map()
		}
		clear(b.vvs)
		for i := range b.events {
			e := &b.events[i]
			if r.sink != nil && err == nil {
				if err = r.sink.Write(e); err != nil {
					r.failed.Store(true)
				}
			}
			if r.observe != nil {
				r.observe(e)
			}
		}
		select {
		case r.free <- b:
		default:
		}
	}
	r.done <- err
}

// flush writes what is left, waits for the writer, and flushes the sink.
// The recorder records nothing after it.
func (r *recorder) flush() error {
	if len(r.batch.events) > 0 {
		r.send()
	}
	if r.out != nil {
		close(r.out)
		if err := <-r.done; err != nil {
			r.err = err // the sink's own error, in place of send's
		}
		r.out = nil
	}
	if r.err == nil && r.sink != nil {
		r.err = r.sink.Flush()
	}
	return r.err
}
