package checker

import (
	"fmt"
	"slices"

	"github.com/clockwise-kv/clockwise/checker/ids"
	"github.com/clockwise-kv/clockwise/histories"
)

// Op is an operation assembled from its invoke event and its completion.
type Op struct {
	Process  string
	F        histories.Func
	Key      string
	Node     string
	Type     histories.Type // ok, fail, info; info too when the history ends before it completes
	Invoke   int            // index of the invoke event
	Complete int            // index of the completion event; -1 if it never completed
	Start    int64          // invoke time
	End      int64          // completion time; -1 if it never completed
	Write    string
	Value    string
	Context  []string
	Versions []histories.Version
	Meta     *histories.Meta
	Offset   *int64 // the serving node's clock offset when it took the request
	Error    string
}

// isWrite reports whether op creates a version: a write or a delete.
func (op *Op) isWrite() bool { return op.F == histories.Write || op.F == histories.Delete }

// Analysis is a history assembled for judging and for drawing: its
// operations, each invoke paired with its completion, its nemesis faults and
// the causal graph of its writes. Nothing that reads an Analysis changes
// what it holds, so one serves a check and every view of the same history;
// the graph remembers what Precedes found, each key's apart, so one key is
// asked about from one goroutine at a time.
type Analysis struct {
	Events int     // events in the history
	Ops    []*Op   // in invoke order
	Faults []Fault // in history order
	Graph  *Graph
	keyOf  []int32  // by operation: its key's number in keys
	keys   []string // the keys, in the order they first come
}

// EventError is a history that is not a well-formed sequence of
// operations, at one event: its index, the field at fault (empty when the
// event as a whole is) and what is wrong.
type EventError struct {
	Event int
	Field string
	Err   error
}

func (e *EventError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("checker: event %d: %v", e.Event, e.Err)
	}
	return fmt.Sprintf("checker: event %d: field %q: %v", e.Event, e.Field, e.Err)
}

func (e *EventError) Unwrap() error { return e.Err }

// Analyze assembles a history. It fails on a history that is not a
// well-formed sequence of operations: a completion without an invoke, a
// process with two operations open, a reused write id.
func Analyze(h []histories.Event) (*Analysis, error) {
	var as Assembler
	for i := range h {
		if err := as.Add(&h[i]); err != nil {
			return nil, err
		}
	}
	return as.Analysis()
}

// An Assembler assembles a history event by event, as Analyze does at
// once, so a history read from a stream need not be kept whole: an
// operation keeps what its events say, never the events. The zero
// Assembler is ready for a history's first event.
//
// Each process runs one operation at a time, so a completion closes its
// process's outstanding invoke. The nemesis's events are faults, except
// its reads, writes and deletes (a tombstone fault's), which are
// operations like a client's.
type Assembler struct {
	events int
	ops    []*Op
	faults []Fault
	procs  ids.Names      // the processes, numbered
	keys   ids.Names      // the keys, numbered
	keyOf  []int32        // by operation: its key's number
	open   []*Op          // by process: its outstanding invoke
	read   [][]*ids.Reads // by process, then key: what its ok reads returned
	err    error
	slab   []Op // where the next operations are made
}

// reads returns the ok reads of key by process p: when there are none
// yet, new ones if add, and nil otherwise.
func (as *Assembler) reads(p int, key string, add bool) *ids.Reads {
	k := as.keys.ID(key)
	byKey := as.read[p]
	if k >= len(byKey) {
		if !add {
			return nil
		}
		byKey = append(byKey, make([]*ids.Reads, k+1-len(byKey))...)
		as.read[p] = byKey
	}
	if byKey[k] == nil && add {
		byKey[k] = &ids.Reads{}
	}
	return byKey[k]
}

// opSlab is how many operations an Assembler allocates at once.
const opSlab = 256

// Add adds the history's next event. The Assembler keeps e's strings,
// slices and metadata, not e. After an error it adds nothing more and
// returns that error.
func (as *Assembler) Add(e *histories.Event) error {
	if as.err != nil {
		return as.err
	}
	as.events++
	as.err = as.add(e)
	return as.err
}

func (as *Assembler) add(e *histories.Event) error {
	if e.IsFault() {
		as.faults = append(as.faults, Fault{Index: e.Index, Time: e.Time, F: e.F, Params: e.Params})
		return nil
	}
	p := as.procs.ID(e.Process)
	if p == len(as.open) {
		as.open, as.read = append(as.open, nil), append(as.read, nil)
	}
	if e.Type == histories.Invoke {
		if prev := as.open[p]; prev != nil {
			return &EventError{Event: e.Index, Err: fmt.Errorf("%s invokes a %s while its %s from event %d is still open (a process runs one operation at a time)", e.Process, e.F, prev.F, prev.Invoke)}
		}
		if e.IsWrite() && len(e.Context) > 0 {
			got := as.reads(p, e.Key, false)
			for _, id := range e.Context {
				if !got.Returned(id) {
					return &EventError{Event: e.Index, Field: "context", Err: fmt.Errorf(
						"%s's %s %s names %s, which no earlier read of %s by %s returned (a context lists what the client read)",
						e.Process, e.F, e.Write, id, e.Key, e.Process)}
				}
			}
		}
		if len(as.slab) == 0 {
			as.slab = make([]Op, opSlab) // one allocation for many operations
		}
		op := &as.slab[0]
		as.slab = as.slab[1:]
		*op = Op{
			Process: e.Process, F: e.F, Key: e.Key, Node: e.Node, Type: histories.Info,
			Invoke: e.Index, Complete: -1, Start: e.Time, End: -1,
			Write: e.Write, Value: e.Value, Context: e.Context,
		}
		as.open[p] = op
		if len(as.ops) == cap(as.ops) {
			// Doubled, not the quarter append grows a long slice by: a
			// million operations leave 16 MB behind, not 40.
			as.ops = slices.Grow(as.ops, max(len(as.ops), opSlab))
		}
		as.ops, as.keyOf = append(as.ops, op), append(as.keyOf, int32(as.keys.ID(e.Key)))
		return nil
	}
	op := as.open[p]
	switch {
	case op == nil:
		return &EventError{Event: e.Index, Err: fmt.Errorf("%s completes a %s it never invoked", e.Process, e.F)}
	case op.F != e.F || op.Key != e.Key:
		return &EventError{Event: e.Index, Err: fmt.Errorf("%s completes %s %q, but its open operation (event %d) is %s %q", e.Process, e.F, e.Key, op.Invoke, op.F, op.Key)}
	case e.Write != "" && e.Write != op.Write:
		return &EventError{Event: e.Index, Err: fmt.Errorf("%s completes write %s, but it invoked write %s (event %d)", e.Process, e.Write, op.Write, op.Invoke)}
	}
	as.open[p] = nil
	op.Type, op.Complete, op.End = e.Type, e.Index, e.Time
	op.Versions, op.Meta, op.Offset, op.Error = e.Versions, e.Meta, e.Offset, e.Error
	if e.F == histories.Read && e.Type == histories.OK {
		as.reads(p, e.Key, true).Add(&op.Versions)
	}
	if e.Node != "" {
		op.Node = e.Node
	}
	return nil
}

// Analysis returns the assembled history: the events added so far, with
// the operations still open as never completed. It fails when an Add
// failed, or on a reused write id.
func (as *Assembler) Analysis() (*Analysis, error) {
	if as.err != nil {
		return nil, as.err
	}
	a := &Analysis{Events: as.events, Ops: as.ops, Faults: as.faults, keyOf: as.keyOf, keys: as.keys.List}
	g, err := newGraph(a)
	if err != nil {
		return nil, err
	}
	a.Graph = g
	return a, nil
}
