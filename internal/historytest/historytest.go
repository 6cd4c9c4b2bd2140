// Package historytest builds histories by hand for tests: a few operations
// on a few keys by named processes, with exactly the times, stamps, offsets
// and outcomes a test needs.
//
// A Builder collects operations (an invoke and, unless the operation never
// completes, its completion) and single events, and History returns them as
// a well-formed history: ordered by time, a completion before an invoke at
// the same time (an interval that closes before another opens precedes
// it), numbered from 0. An operation or event given no time takes the next
// ticks of the builder's clock, so a history written one call after another
// reads in that order.
package historytest

import (
	"cmp"
	"slices"
	"strings"

	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/histories"
)

// Never is the Type of an operation that never completes: the history ends
// before its completion.
const Never histories.Type = "never"

// Op is one operation.
type Op struct {
	Process string
	// F is Read, Write or Delete; empty, it is Write, or Delete when ID
	// names a tombstone (starts with "d").
	F    histories.Func
	Key  string
	Node string
	ID   string // write and delete: the id of the version it creates
	// Value is a write's value; empty, it is the id.
	Value   string
	Context []string // write and delete: what its client had read; nil: blind
	Read    []histories.Version
	// Type is how it completed: OK when empty, or Never.
	Type histories.Type
	// Start and End are its invoke and completion times; both zero, the
	// builder's clock gives them.
	Start, End int64
	TS         int64           // an acknowledged write's timestamp (meta.ts); 0: none
	Meta       *histories.Meta // an acknowledged write's meta, instead of TS
	Offset     *int64          // the serving node's clock offset, on the completion
	Error      string
}

// Builder collects a history. The zero Builder is ready to use.
type Builder struct {
	// Tick is the time the clock moves for each untimed event; 0 is
	// 1000 ns.
	Tick   int64
	events []entry
	next   int64 // the clock: the time of the next untimed event
}

type entry struct {
	e     histories.Event
	begin bool // an invoke: after completions at the same time
}

func (b *Builder) tick() int64 {
	if b.Tick > 0 {
		return b.Tick
	}
	return 1000
}

// clock returns the time of the next untimed event and moves the clock.
func (b *Builder) clock() int64 {
	t := b.next
	b.next += b.tick()
	return t
}

// at records that time t is taken: untimed events come after it.
func (b *Builder) at(t int64) { b.next = max(b.next, t+b.tick()) }

// Add adds one event at the clock's next tick, as it is: for an event that
// no operation explains, or a malformed sequence.
func (b *Builder) Add(e histories.Event) *Builder {
	e.Time = b.clock()
	b.events = append(b.events, entry{e: e, begin: e.Type == histories.Invoke})
	return b
}

// Fault adds a nemesis fault event at true time at.
func (b *Builder) Fault(at int64, f histories.Func, params map[string]string) *Builder {
	b.at(at)
	b.events = append(b.events, entry{e: histories.Event{Time: at, Process: histories.Nemesis, Type: histories.Info, F: f, Params: params}})
	return b
}

// Op adds an operation.
func (b *Builder) Op(o Op) *Builder {
	if o.Start == 0 && o.End == 0 {
		o.Start = b.clock()
		if o.Type != Never {
			o.End = b.clock()
		}
	} else {
		if o.Type != Never && o.End <= o.Start {
			panic("historytest: an operation must end after it starts")
		}
		b.at(max(o.Start, o.End))
	}
	if o.F == "" {
		o.F = histories.Write
		if strings.HasPrefix(o.ID, "d") {
			o.F = histories.Delete
		}
	}
	inv := histories.Event{Time: o.Start, Process: o.Process, Type: histories.Invoke, F: o.F, Key: o.Key, Node: o.Node}
	done := histories.Event{Time: o.End, Process: o.Process, Type: o.Type, F: o.F, Key: o.Key, Node: o.Node,
		Offset: o.Offset, Error: o.Error}
	if done.Type == "" {
		done.Type = histories.OK
	}
	if o.F == histories.Read {
		if done.Type == histories.OK {
			done.Versions = o.Read
			if done.Versions == nil {
				done.Versions = []histories.Version{}
			}
		}
	} else {
		inv.Write, inv.Context, done.Write = o.ID, o.Context, o.ID
		if inv.Context == nil {
			inv.Context = []string{}
		}
		if o.F == histories.Write {
			inv.Value = cmp.Or(o.Value, o.ID)
		}
		if done.Type == histories.OK {
			done.Meta = o.Meta
			if done.Meta == nil && o.TS != 0 {
				done.Meta = &histories.Meta{TS: o.TS}
			}
		}
	}
	b.events = append(b.events, entry{e: inv, begin: true})
	if o.Type != Never {
		b.events = append(b.events, entry{e: done})
	}
	return b
}

// Write adds a write, or a delete when id starts with "d", that completed
// as typ (OK when empty, or Never), stamped ts when acknowledged (0: no
// stamp). Its value is its id.
func (b *Builder) Write(proc, key, node, id string, ctx []string, typ histories.Type, ts int64) *Builder {
	return b.Op(Op{Process: proc, Key: key, Node: node, ID: id, Context: ctx, Type: typ, TS: ts})
}

// Read adds a read that returned the versions ids (see Versions).
func (b *Builder) Read(proc, key, node string, ids ...string) *Builder {
	return b.Op(Op{Process: proc, F: histories.Read, Key: key, Node: node, Read: Versions(ids...)})
}

// Final adds the final reads of key through n1, n2 and n3, each returning
// the versions ids.
func (b *Builder) Final(key string, ids ...string) *Builder {
	for _, n := range []string{"n1", "n2", "n3"} {
		b.Read(histories.Final, key, n, ids...)
	}
	return b
}

// History returns the history: every event in time order, a completion or
// fault before an invoke at the same time, otherwise in the order added,
// numbered from 0.
func (b *Builder) History() []histories.Event {
	es := slices.Clone(b.events)
	slices.SortStableFunc(es, func(x, y entry) int {
		if c := cmp.Compare(x.e.Time, y.e.Time); c != 0 {
			return c
		}
		switch {
		case x.begin == y.begin:
			return 0
		case x.begin:
			return 1
		}
		return -1
	})
	h := make([]histories.Event, len(es))
	for i, x := range es {
		h[i] = x.e
		h[i].Index = i
	}
	return h
}

// Versions are the versions a read returned, by id: each one's value is
// its id, and an id that starts with "d" is a tombstone.
func Versions(ids ...string) []histories.Version {
	vs := make([]histories.Version, len(ids))
	for i, id := range ids {
		vs[i] = histories.Version{Write: id, Value: id, Deleted: strings.HasPrefix(id, "d")}
		if vs[i].Deleted {
			vs[i].Value = ""
		}
	}
	return vs
}

// SkewLosses counts the losses to clock skew of a history by the
// definition, from its events alone, apart from the checker so that a test
// can hold the two against each other: a write acknowledged with a physical
// stamp, absent from every final read and followed by none of its
// versions, is lost to clock skew (see package checker) when an acknowledged write of its key
// with a higher (ts, node) precedes it in real time (acknowledged before it
// was invoked) or causally (reachable through the contexts of its writes).
func SkewLosses(h []histories.Event) int {
	type w struct {
		key, node   string
		ts          int64
		start, end  int64
		ok          bool
		ctx         []string
		final, kept bool
	}
	ws := map[string]*w{}
	var order []string
	open := map[string]string{} // process → write id
	for _, e := range h {
		switch {
		case e.Type == histories.Invoke && (e.F == histories.Write || e.F == histories.Delete):
			ws[e.Write] = &w{key: e.Key, node: e.Node, start: e.Time, end: -1, ctx: e.Context}
			order = append(order, e.Write)
			open[e.Process] = e.Write
		case e.Type == histories.OK && (e.F == histories.Write || e.F == histories.Delete):
			x := ws[open[e.Process]]
			x.ok, x.end = true, e.Time
			if e.Meta != nil {
				x.ts = e.Meta.TS
			}
		case e.Type == histories.OK && e.F == histories.Read && e.Process == histories.Final:
			for _, v := range e.Versions {
				ws[v.Write].final = true
			}
		}
	}
	ancestors := func(id string) map[string]bool {
		seen := map[string]bool{}
		stack := []string{id}
		for len(stack) > 0 {
			x := ws[stack[len(stack)-1]]
			stack = stack[:len(stack)-1]
			for _, p := range x.ctx {
				if q := ws[p]; q != nil && q.key == x.key && !seen[p] {
					seen[p] = true
					stack = append(stack, p)
				}
			}
		}
		return seen
	}
	for id, x := range ws {
		if x.final {
			for a := range ancestors(id) {
				ws[a].kept = true
			}
		}
	}
	n := 0
	for _, id := range order {
		x := ws[id]
		if !x.ok || x.final || x.kept || !clock.Physical(x.ts) {
			continue
		}
		anc := ancestors(id)
		for _, oid := range order {
			o := ws[oid]
			if oid == id || o.key != x.key || !o.ok || !clock.Physical(o.ts) {
				continue
			}
			above := o.ts > x.ts || (o.ts == x.ts && o.node > x.node)
			if above && (o.end < x.start || anc[oid]) {
				n++
				break
			}
		}
	}
	return n
}
