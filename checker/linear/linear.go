// Package linear checks that one key's history is a register's: porcupine
// searches for a linearization of its operations against a single-value
// register, within a time limit, and draws its search (Visualize).
//
// The operations are plain data (Op): who called each, when it was called
// and returned, and what it wrote or read, so the package knows nothing of
// the history they were taken from. A key a read returned siblings of, or
// one with a read no linearization allows (a stale read, nothing after a
// write, a write never made or not yet made), is decided without
// porcupine's search (Check).
package linear

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

// DefaultTimeout is the time limit of a key's check when none is given.
const DefaultTimeout = 10 * time.Second

// Op is one operation on a key's register: a write of a version (Write
// set) or a read and what it returned.
type Op struct {
	Key string
	// Client is the row the page draws the operation in.
	Client int
	// Call and Return are when the operation began and ended; a write
	// whose outcome is unknown returns after the history's end.
	Call, Return int64
	// Write is the id of the version a write sets; "" for a read. Value and
	// Deleted are what the write wrote.
	Write   string
	Value   string
	Deleted bool
	// Got is what a read returned: the id of the version, "" for nothing,
	// or, when Siblings, the ids of two versions or more, sorted and
	// space-separated.
	Got      string
	Siblings bool
	// Note is what the page writes beside the operation.
	Note string
}

// Result is a key's verdict: Ok (linearizable), Illegal, or Unknown when
// porcupine did not decide within the time limit, which is not a pass.
type Result uint8

// Results.
const (
	Unknown Result = iota
	Ok
	Illegal
)

func (r Result) String() string {
	switch r {
	case Ok:
		return "ok"
	case Illegal:
		return "illegal"
	}
	return "unknown"
}

// in is the input of a register operation: a write of a version (write
// id set) or a read.
type in struct {
	key     string
	write   string
	value   string
	deleted bool
}

// out is a read's output: Op.Got.
type out string

// register is the sequential specification each key must follow: a single
// value, named by the id of the write that set it ("" before any write); a
// write replaces it; a read returns exactly it (nothing before any write).
// A read that returns siblings therefore never linearizes.
var register = porcupine.Model{
	Partition: func(h []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range h {
			k := op.Input.(in).key
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		parts := make([][]porcupine.Operation, len(keys))
		for i, k := range keys {
			parts[i] = byKey[k]
		}
		return parts
	},
	Init: func() any { return "" },
	Step: func(state, input, output any) (bool, any) {
		in := input.(in)
		if in.write != "" {
			return true, in.write
		}
		return string(output.(out)) == state.(string), state
	},
	DescribeOperation: func(input, output any) string {
		in := input.(in)
		switch {
		case in.write != "" && in.deleted:
			return fmt.Sprintf("delete %s (%s)", in.key, in.write)
		case in.write != "":
			return fmt.Sprintf("write %s=%q (%s)", in.key, in.value, in.write)
		}
		return fmt.Sprintf("read %s → [%s]", in.key, output.(out))
	},
	DescribeState: func(state any) string {
		if state.(string) == "" {
			return "(nothing written)"
		}
		return state.(string)
	},
	DescribeOperationMetadata: func(info any) string {
		note, _ := info.(string)
		return note
	},
}

// keyRegister is register for one key's operations: porcupine need not
// partition a history that holds one key.
var keyRegister = func() porcupine.Model {
	m := register
	m.Partition = nil
	return m
}()

// operation is op as porcupine's.
func operation(op *Op) porcupine.Operation {
	return porcupine.Operation{
		ClientId: op.Client, Call: op.Call, Return: op.Return, Metadata: op.Note,
		Input:  in{key: op.Key, write: op.Write, value: op.Value, deleted: op.Deleted},
		Output: out(op.Got),
	}
}

// Check decides whether ops, the operations of one key, are a register's
// history, within timeout (0: DefaultTimeout). A read of siblings decides
// Illegal at once, and so does a read no linearization allows
// (impossibleRead); porcupine's search decides the rest.
func Check(ops []Op, timeout time.Duration) Result {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	var shape Shape
	for i := range ops {
		shape.Add(&ops[i])
	}
	if !shape.Register() || (!shape.siblings && impossibleRead(ops)) {
		return Illegal
	}
	h := make([]porcupine.Operation, len(ops))
	for i := range ops {
		h[i] = operation(&ops[i])
	}
	switch porcupine.CheckOperationsTimeout(keyRegister, h, timeout) {
	case porcupine.Ok:
		return Ok
	case porcupine.Illegal:
		return Illegal
	}
	return Unknown
}

// Shape is what a key's operations say of it as a whole, added one at a
// time: whether it may be a register at all.
type Shape struct {
	siblings bool // a read returned two versions or more
	spaced   bool // a write id holds a space, as a read of siblings answers
}

// Add adds one operation.
func (s *Shape) Add(op *Op) {
	s.siblings = s.siblings || op.Siblings
	s.spaced = s.spaced || strings.Contains(op.Write, " ")
}

// Register reports that the key may be a register: a read of siblings
// rules it out, since no single value reads as two, unless a write id
// could stand for that answer.
func (s Shape) Register() bool { return !s.siblings || s.spaced }

// impossibleRead reports that a read of one key's register operations h
// (none of them a read of siblings) returned a value no linearization
// allows, found without porcupine's search, in O(n log n): a version no
// write in h wrote, a version written after the read returned, nothing
// although a write returned before the read began, or a version w although
// another write began after w returned and returned before the read began
// (a stale read: that write replaced w first). Every such read makes
// porcupine's answer illegal too, so true is that answer, reached at once on
// a history full of them; false says nothing, and porcupine decides. The
// comparisons are strict, so operations that touch in time count as
// concurrent, as porcupine has them. Write ids are unique.
//
// The writes are looked up by id only once they began before a read
// returned, the latest return of the reads so far: a write that began
// after the read at hand returned makes the read impossible whether it is
// known yet or not, so a history whose first reads are impossible is
// decided before most of its writes are.
func impossibleRead(h []Op) bool {
	n := 0
	for i := range h {
		if h[i].Write != "" {
			n++
		}
	}
	byCall, reads := make([]*Op, 0, n), make([]*Op, 0, len(h)-n)
	for i := range h {
		if p := &h[i]; p.Write != "" {
			byCall = append(byCall, p)
		} else {
			reads = append(reads, p)
		}
	}
	byReturn := slices.Clone(byCall)
	slices.SortFunc(byReturn, func(a, b *Op) int { return cmp.Compare(a.Return, b.Return) })
	slices.SortFunc(byCall, func(a, b *Op) int { return cmp.Compare(a.Call, b.Call) })
	slices.SortFunc(reads, func(a, b *Op) int { return cmp.Compare(a.Call, b.Call) })
	writes := map[string]*Op{} // the writes of byCall[:known]
	known, until := 0, int64(0)
	// latest is the latest call of the writes that returned before the
	// read at hand began (any: some did).
	next, latest, any := 0, int64(0), false
	for _, r := range reads {
		for ; next < len(byReturn) && byReturn[next].Return < r.Call; next++ {
			latest, any = max(latest, byReturn[next].Call), true
		}
		if r.Got == "" {
			if any {
				return true
			}
			continue
		}
		for until = max(until, r.Return); known < len(byCall) && byCall[known].Call <= until; known++ {
			writes[byCall[known].Write] = byCall[known]
		}
		w, ok := writes[r.Got]
		if !ok || w.Call > r.Return || (any && latest > w.Return) {
			return true
		}
	}
	return false
}

// Visualize writes porcupine's HTML visualization of ops, the operations
// of one key or more, to w: each key's operations on a timeline, with the
// longest partial linearizations and the operation where each one gets
// stuck. It re-checks them, within timeout in all (0: DefaultTimeout).
func Visualize(ops []Op, timeout time.Duration, w io.Writer) error {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	h := make([]porcupine.Operation, len(ops))
	for i := range ops {
		h[i] = operation(&ops[i])
	}
	slices.SortStableFunc(h, func(a, b porcupine.Operation) int { return cmp.Compare(a.Call, b.Call) })
	_, info := porcupine.CheckOperationsVerbose(register, h, timeout)
	// porcupine lists each partition's partial linearizations in map
	// order; in sorted order the same history draws the same page.
	for _, partials := range info.PartialLinearizations() {
		slices.SortFunc(partials, slices.Compare)
	}
	if err := porcupine.Visualize(register, info, w); err != nil {
		return fmt.Errorf("linear: visualization: %w", err)
	}
	return nil
}
