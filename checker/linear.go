package checker

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/clockwise-kv/clockwise/histories"
)

// DefaultLinearTimeout is the time limit of each key's linearizability
// check when Options.LinearTimeout is 0.
const DefaultLinearTimeout = 10 * time.Second

// Linear is the linearizability verdict for one key's register history.
type Linear struct {
	Key    string       `json:"key"`
	Result LinearResult `json:"result"` // ok, illegal or unknown (undecided within the time limit: not a pass)
	Ops    int          `json:"ops"`    // operations checked
}

// linIn is the input of a register operation: a write of a version (write
// id set) or a read.
type linIn struct {
	key     string
	write   string
	value   string
	deleted bool
}

// linOut is a read's output: the ids it returned, sorted, space-separated.
type linOut string

// register is the sequential specification each key must follow: a single
// value, named by the id of the write that set it ("" before any write); a
// write replaces it; a read returns exactly it (nothing before any write).
// A read that returns siblings therefore never linearizes.
var register = porcupine.Model{
	Partition: func(h []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range h {
			k := op.Input.(linIn).key
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		out := make([][]porcupine.Operation, len(keys))
		for i, k := range keys {
			out[i] = byKey[k]
		}
		return out
	},
	Init: func() any { return "" },
	Step: func(state, input, output any) (bool, any) {
		in := input.(linIn)
		if in.write != "" {
			return true, in.write
		}
		return string(output.(linOut)) == state.(string), state
	},
	DescribeOperation: func(input, output any) string {
		in := input.(linIn)
		switch {
		case in.write != "" && in.deleted:
			return fmt.Sprintf("delete %s (%s)", in.key, in.write)
		case in.write != "":
			return fmt.Sprintf("write %s=%q (%s)", in.key, in.value, in.write)
		}
		return fmt.Sprintf("read %s → [%s]", in.key, output.(linOut))
	},
	DescribeState: func(state any) string {
		if state.(string) == "" {
			return "(nothing written)"
		}
		return state.(string)
	},
	DescribeOperationMetadata: func(info any) string {
		op, ok := info.(*Op)
		if !ok {
			return ""
		}
		if op.Complete < 0 {
			return fmt.Sprintf("%s via %s, event %d, never completed", op.Process, op.Node, op.Invoke)
		}
		return fmt.Sprintf("%s via %s, events %d–%d, %s", op.Process, op.Node, op.Invoke, op.Complete, op.Type)
	},
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

// registerOps turns a history's operations into porcupine operations, by
// key, keys sorted (registerOp). end is the history's last moment
// (historyEnd).
func registerOps(ops []*Op, end int64) (keys []string, byKey map[string][]porcupine.Operation) {
	clients := map[string]int{}
	byKey = map[string][]porcupine.Operation{}
	for _, op := range ops {
		p, ok := registerOp(op, end)
		if !ok {
			continue
		}
		id, ok := clients[op.Process]
		if !ok {
			id = clientNumber(op.Process, len(clients))
			clients[op.Process] = id
		}
		p.ClientId = id
		byKey[op.Key] = append(byKey[op.Key], p)
	}
	keys = slices.Sorted(maps.Keys(byKey))
	return keys, byKey
}

// registerOp is op as a porcupine operation on a register (registerOf),
// or false to leave it out. A read of siblings answers their ids, sorted
// and space-separated.
func registerOp(op *Op, end int64) (porcupine.Operation, bool) {
	r, ok := registerOf(op, end)
	if !ok {
		return porcupine.Operation{}, false
	}
	in := linIn{key: op.Key, write: r.write}
	if r.write != "" {
		in.value, in.deleted = op.Value, op.F == histories.Delete
	}
	out := linOut(r.got)
	if r.siblings {
		ids := make([]string, len(op.Versions))
		for i, v := range op.Versions {
			ids[i] = v.Write
		}
		slices.Sort(ids)
		out = linOut(strings.Join(ids, " "))
	}
	return porcupine.Operation{Input: in, Call: r.call, Output: out, Return: r.ret, Metadata: op}, true
}

// historyEnd is the last moment ops name.
func historyEnd(ops []*Op) int64 {
	var end int64
	for _, op := range ops {
		end = max(end, op.Start, op.End)
	}
	return end
}

// keyRegister is register for one key's operations: porcupine need not
// partition a history that holds one key.
var keyRegister = func() porcupine.Model {
	m := register
	m.Partition = nil
	return m
}()

// linear checks each key's register history with porcupine, each within
// timeout, and returns the keys' verdicts, keys sorted. A key a read
// returned siblings of is not linearizable, and needs no search to say so:
// no single value reads as two. The keys are turned into porcupine's
// operations one at a time, so only one key's are held. linear only reads
// ops, so it runs beside the rest of a check.
func linear(ops []*Op, timeout time.Duration) []Linear {
	if timeout <= 0 {
		timeout = DefaultLinearTimeout
	}
	end := historyEnd(ops)
	count := map[string]int{}
	for _, op := range ops {
		count[op.Key]++
	}
	perKey := make(map[string][]*Op, len(count))
	for k, n := range count {
		perKey[k] = make([]*Op, 0, n)
	}
	for _, op := range ops {
		perKey[op.Key] = append(perKey[op.Key], op)
	}
	out := []Linear{}
	for _, k := range slices.Sorted(maps.Keys(perKey)) {
		key := perKey[k]
		delete(perKey, k)
		// First the answers without porcupine's operations, which box
		// every input and output: most keys of a history with findings
		// are decided here.
		reg := make([]regOp, 0, len(key))
		var shape regShape
		for _, op := range key {
			if r, ok := registerOf(op, end); ok {
				shape.add(r)
				reg = append(reg, r)
			}
		}
		if len(reg) == 0 {
			continue
		}
		if !shape.register() || (!shape.siblings && impossibleRead(reg)) {
			out = append(out, Linear{Key: k, Result: LinearResult(Invalid), Ops: len(reg)})
			continue
		}
		reg = nil
		h := make([]porcupine.Operation, 0, len(key))
		for _, op := range key {
			if p, ok := registerOp(op, end); ok {
				h = append(h, p)
			}
		}
		v := verdictOf(porcupine.CheckOperationsTimeout(keyRegister, h, timeout))
		out = append(out, Linear{Key: k, Result: LinearResult(v), Ops: len(h)})
	}
	return out
}

// regOp is a register operation as impossibleRead needs it: a write of the
// version write, or a read that answered got ("" for nothing; siblings: two
// versions or more, got left empty), from call to ret.
type regOp struct {
	write, got string
	siblings   bool
	call, ret  int64
}

// registerOf is op as a regOp, or false where registerOp leaves op out.
func registerOf(op *Op, end int64) (regOp, bool) {
	r := regOp{call: op.Start, ret: op.End}
	switch {
	case op.isWrite():
		if op.Type == histories.Fail {
			return r, false
		}
		r.write = op.Write
		if op.Type != histories.OK {
			r.ret = end + 1
		}
	case op.F == histories.Read && op.Type == histories.OK:
		switch len(op.Versions) {
		case 0:
		case 1:
			r.got = op.Versions[0].Write
		default:
			r.siblings = true
		}
	default:
		return r, false
	}
	return r, true
}

// regShape is what a key's register operations say of it as a whole.
type regShape struct {
	siblings bool // a read returned two versions or more
	spaced   bool // a write id holds a space, as a read of siblings answers
}

func (s *regShape) add(r regOp) {
	s.siblings = s.siblings || r.siblings
	s.spaced = s.spaced || strings.Contains(r.write, " ")
}

// register reports that the key may be a register: a read of siblings
// rules it out, since no single value reads as two, unless a write id
// could stand for that answer.
func (s regShape) register() bool { return !s.siblings || s.spaced }

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
// concurrent, as porcupine has them.
func impossibleRead(h []regOp) bool {
	n := 0
	for i := range h {
		if h[i].write != "" {
			n++
		}
	}
	writes := make(map[string]*regOp, n)
	byReturn, reads := make([]*regOp, 0, n), make([]*regOp, 0, len(h)-n)
	for i := range h {
		if p := &h[i]; p.write != "" {
			writes[p.write] = p
			byReturn = append(byReturn, p)
		} else {
			reads = append(reads, p)
		}
	}
	slices.SortFunc(byReturn, func(a, b *regOp) int { return cmp.Compare(a.ret, b.ret) })
	slices.SortFunc(reads, func(a, b *regOp) int { return cmp.Compare(a.call, b.call) })
	// latest is the latest call of the writes that returned before the
	// read at hand began (any: some did).
	next, latest, any := 0, int64(0), false
	for _, r := range reads {
		for ; next < len(byReturn) && byReturn[next].ret < r.call; next++ {
			latest, any = max(latest, byReturn[next].call), true
		}
		if r.got == "" {
			if any {
				return true
			}
			continue
		}
		w, ok := writes[r.got]
		if !ok || w.call > r.ret || (any && latest > w.ret) {
			return true
		}
	}
	return false
}

// LinearVerdict sums up per-key verdicts: Invalid when some key is not
// linearizable, else Unknown when some key is undecided, else Valid.
func LinearVerdict(illegal, unknown int) Verdict {
	switch {
	case illegal > 0:
		return Invalid
	case unknown > 0:
		return Unknown
	}
	return Valid
}

// NonLinearizable lists the keys whose verdict is illegal.
func (r *Result) NonLinearizable() []string {
	var keys []string
	for _, l := range r.Linear {
		if Verdict(l.Result) == Invalid {
			keys = append(keys, l.Key)
		}
	}
	return keys
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
	n, shape := map[string]int{}, map[string]*regShape{}
	for _, op := range a.Ops {
		if r, ok := registerOf(op, end); ok {
			if shape[op.Key] == nil {
				shape[op.Key] = &regShape{}
			}
			n[op.Key]++
			shape[op.Key].add(r)
		}
	}
	var out []string
	for _, k := range keys {
		if s := shape[k]; s != nil && s.register() && n[k] <= MaxVisualOps && len(out) < MaxVisualKeys {
			out = append(out, k)
		}
	}
	return out
}

// Visualize writes porcupine's HTML visualization of the register
// histories of keys (every key when keys is empty) to w: each key's
// operations on a timeline, with the longest partial linearizations and the
// operation where each one gets stuck. It re-checks those keys, within
// timeout each (0: DefaultLinearTimeout).
func (a *Analysis) Visualize(keys []string, timeout time.Duration, w io.Writer) error {
	if timeout <= 0 {
		timeout = DefaultLinearTimeout
	}
	all, byKey := registerOps(a.Ops, historyEnd(a.Ops))
	if len(keys) == 0 {
		keys = all
	}
	var sel []porcupine.Operation
	for _, k := range keys {
		sel = append(sel, byKey[k]...)
	}
	slices.SortStableFunc(sel, func(a, b porcupine.Operation) int { return cmp.Compare(a.Call, b.Call) })
	_, info := porcupine.CheckOperationsVerbose(register, sel, timeout*time.Duration(max(1, len(keys))))
	// porcupine lists each partition's partial linearizations in map
	// order; in sorted order the same history draws the same page.
	for _, partials := range info.PartialLinearizations() {
		slices.SortFunc(partials, slices.Compare)
	}
	if err := porcupine.Visualize(register, info, w); err != nil {
		return fmt.Errorf("checker: linearizability visualization: %w", err)
	}
	return nil
}
