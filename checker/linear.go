package checker

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/checker/linear"
	"github.com/clockwise-kv/clockwise/histories"
)

// DefaultLinearTimeout is the time limit of each key's linearizability
// check when Options.LinearTimeout is 0.
const DefaultLinearTimeout = linear.DefaultTimeout

// registerOf is op as an operation on its key's register (package linear),
// or false to leave it out: a failed write, or a read that did not
// succeed. A write whose outcome is unknown returns after end, the
// history's last moment (historyEnd); a read of siblings answers their
// ids, sorted and space-separated, when answers is set, and nothing
// otherwise: a key read so is no register (linear.Shape) unless a write id
// holds a space, and only then is the answer read.
func registerOf(op *Op, end int64, answers bool) (linear.Op, bool) {
	r := linear.Op{Key: op.Key, Call: op.Start, Return: op.End}
	switch {
	case op.isWrite():
		if op.Type == histories.Fail {
			return r, false
		}
		r.Write, r.Value, r.Deleted = op.Write, op.Value, op.F == histories.Delete
		if op.Type != histories.OK {
			r.Return = end + 1
		}
	case op.F == histories.Read && op.Type == histories.OK:
		switch len(op.Versions) {
		case 0:
		case 1:
			r.Got = op.Versions[0].Write
		default:
			r.Siblings = true
			if !answers {
				break
			}
			ids := make([]string, len(op.Versions))
			for i, v := range op.Versions {
				ids[i] = v.Write
			}
			slices.Sort(ids)
			r.Got = strings.Join(ids, " ")
		}
	default:
		return r, false
	}
	return r, true
}

// historyEnd is the last moment ops name.
func historyEnd(ops []*Op) int64 {
	var end int64
	for _, op := range ops {
		end = max(end, op.Start, op.End)
	}
	return end
}

// linearizable checks each key's register history (linear.Check), each
// within timeout, and returns the keys' verdicts, keys sorted. The keys
// are turned into register operations one at a time, so only one key's are
// held. It only reads ops, so it runs beside the rest of a check.
func linearizable(a *Analysis, timeout time.Duration) []Linear {
	ops := a.Ops
	end := historyEnd(ops)
	count := make([]int, len(a.keys))
	for _, k := range a.keyOf {
		count[k]++
	}
	perKey := make([][]*Op, len(count))
	for k, n := range count {
		perKey[k] = make([]*Op, 0, n)
	}
	for i, op := range ops {
		k := a.keyOf[i]
		perKey[k] = append(perKey[k], op)
	}
	out := []Linear{}
	if len(count) == 0 {
		return out
	}
	// One key's register operations at a time, in one buffer that the
	// largest key fills: linear.Check keeps none of them.
	reg := make([]linear.Op, 0, slices.Max(count))
	keys := a.keys
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	for _, i := range order {
		k, key := keys[i], perKey[i]
		perKey[i] = nil
		reg = reg[:0]
		var shape linear.Shape
		siblings := false
		for _, op := range key {
			if r, ok := registerOf(op, end, false); ok {
				shape.Add(&r)
				siblings = siblings || r.Siblings
				reg = append(reg, r)
			}
		}
		if len(reg) == 0 {
			continue
		}
		if !shape.Register() {
			out = append(out, Linear{Key: k, Result: LinearResult(Invalid), Ops: len(reg)})
			continue
		}
		if siblings { // a write id holds a space: the answers are read
			reg = reg[:0]
			for _, op := range key {
				if r, ok := registerOf(op, end, true); ok {
					reg = append(reg, r)
				}
			}
		}
		out = append(out, Linear{Key: k, Result: linearResult(linear.Check(reg, timeout)), Ops: len(reg)})
	}
	return out
}

// linearResult is package linear's verdict as a key's.
func linearResult(r linear.Result) LinearResult {
	switch r {
	case linear.Ok:
		return LinearResult(Valid)
	case linear.Illegal:
		return LinearResult(Invalid)
	}
	return LinearResult(Unknown)
}

// MaxVisualKeys and MaxVisualOps bound porcupine's page (Drawable): each
// key it draws is a timeline of its every operation, and a page of many
// keys, or of a key with very many operations, is too large to open.
const (
	MaxVisualKeys = 3
	MaxVisualOps  = 20_000
)

// Drawable returns the keys of keys that Visualize should draw: at most
// MaxVisualKeys, leaving out those a read returned siblings of, which are
// not a register from that read on and which the page would show no
// better than the read itself, and those with more than MaxVisualOps
// register operations.
func (a *Analysis) Drawable(keys []string) []string {
	end := historyEnd(a.Ops)
	n, shape := map[string]int{}, map[string]*linear.Shape{}
	for _, op := range a.Ops {
		if r, ok := registerOf(op, end, false); ok {
			if shape[op.Key] == nil {
				shape[op.Key] = &linear.Shape{}
			}
			n[op.Key]++
			shape[op.Key].Add(&r)
		}
	}
	var out []string
	for _, k := range keys {
		if s := shape[k]; s != nil && s.Register() && n[k] <= MaxVisualOps && len(out) < MaxVisualKeys {
			out = append(out, k)
		}
	}
	return out
}

// Visualize writes porcupine's HTML visualization of the register
// histories of keys (every key when keys is empty) to w (linear.Visualize),
// client cN's operations in row N and the final reads in row 0. It
// re-checks those keys, within timeout each (0: DefaultLinearTimeout).
func (a *Analysis) Visualize(keys []string, timeout time.Duration, w io.Writer) error {
	if timeout <= 0 {
		timeout = DefaultLinearTimeout
	}
	end := historyEnd(a.Ops)
	want := map[string]bool{}
	for _, k := range keys {
		want[k] = true
	}
	clients := map[string]int{}
	byKey := map[string][]linear.Op{}
	for _, op := range a.Ops {
		r, ok := registerOf(op, end, true)
		if !ok {
			continue
		}
		id, ok := clients[op.Process]
		if !ok {
			id = clientNumber(op.Process, len(clients))
			clients[op.Process] = id
		}
		if len(keys) > 0 && !want[op.Key] {
			continue
		}
		r.Client, r.Note = id, note(op)
		byKey[op.Key] = append(byKey[op.Key], r)
	}
	if len(keys) == 0 {
		keys = slices.Sorted(maps.Keys(byKey))
	}
	var sel []linear.Op
	for _, k := range keys {
		sel = append(sel, byKey[k]...)
	}
	if err := linear.Visualize(sel, timeout*time.Duration(max(1, len(keys))), w); err != nil {
		return fmt.Errorf("checker: linearizability: %w", err)
	}
	return nil
}

// note is what porcupine's page writes beside op.
func note(op *Op) string {
	if op.Complete < 0 {
		return fmt.Sprintf("%s via %s, event %d, never completed", op.Process, op.Node, op.Invoke)
	}
	return fmt.Sprintf("%s via %s, events %d–%d, %s", op.Process, op.Node, op.Invoke, op.Complete, op.Type)
}

// clientNumber is the row porcupine's page draws process in: N for client
// cN, so that the page's rows read as the rest of the report names clients,
// and 0 for the final reads; any other process after them all, by the
// order it first appears (seen processes before it).
func clientNumber(process string, seen int) int {
	if process == histories.Final {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(process, "c")); err == nil && n > 0 && strings.HasPrefix(process, "c") {
		return n
	}
	return 1_000_000 + seen
}
