package checker

import (
	"cmp"
	"maps"
	"slices"

	"github.com/clockwise-kv/clockwise/histories"
)

// regOp is one operation of a handcrafted register history.
type regOp struct {
	proc       string
	f          histories.Func // histories.Write or histories.Read
	key        string
	id         string   // write: its id
	ts         int64    // write: meta.ts (0: none)
	ctx        []string // write: what its client had read
	read       []string // read: the ids it returned
	start, end int64
	typ        histories.Type // completion type; "" is ok, "none" never completes
}

// regHistory turns operations into a history: invoke and completion events
// in time order (invokes first at equal times), final reads of finals last.
func regHistory(ops []regOp, finals map[string][]string) []histories.Event {
	type ev struct {
		t   int64
		inv bool
		n   int
		e   histories.Event
	}
	var evs []ev
	for i, op := range ops {
		inv := histories.Event{Process: op.proc, Type: histories.Invoke, F: op.f, Key: op.key, Node: "n1"}
		done := histories.Event{Process: op.proc, Type: histories.OK, F: op.f, Key: op.key, Node: "n1"}
		if op.typ != "" {
			done.Type = op.typ
		}
		if op.f == histories.Write {
			inv.Write, inv.Value, inv.Context = op.id, op.id, op.ctx
			if inv.Context == nil {
				inv.Context = []string{}
			}
			done.Write = op.id
			if op.ts != 0 && done.Type == histories.OK {
				done.Meta = &histories.Meta{TS: op.ts}
			}
		} else if done.Type == histories.OK {
			done.Versions = []histories.Version{}
			for _, id := range op.read {
				done.Versions = append(done.Versions, histories.Version{Write: id, Value: id})
			}
		}
		evs = append(evs, ev{op.start, true, i, inv})
		if op.typ != "none" {
			evs = append(evs, ev{op.end, false, i, done})
		}
	}
	slices.SortStableFunc(evs, func(a, b ev) int {
		if a.t != b.t {
			return cmp.Compare(a.t, b.t)
		}
		if a.inv != b.inv {
			if a.inv {
				return 1 // completions first: a closed interval ends before the next begins
			}
			return -1
		}
		return cmp.Compare(a.n, b.n)
	})
	var h []histories.Event
	var last int64
	for _, e := range evs {
		e.e.Time = e.t
		last = max(last, e.t)
		h = append(h, e.e)
	}
	for _, key := range slices.Sorted(maps.Keys(finals)) {
		last++
		vs := []histories.Version{}
		for _, id := range finals[key] {
			vs = append(vs, histories.Version{Write: id, Value: id})
		}
		h = append(h,
			histories.Event{Time: last, Process: histories.Final, Type: histories.Invoke, F: histories.Read, Key: key, Node: "n1"},
			histories.Event{Time: last, Process: histories.Final, Type: histories.OK, F: histories.Read, Key: key, Node: "n1", Versions: vs})
	}
	for i := range h {
		h[i].Index = i
	}
	return h
}
