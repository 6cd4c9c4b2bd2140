package jepsen

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"

	"github.com/anishathalye/porcupine"
)

// opIn is the input of an operation of any model.
type opIn struct {
	key      string
	f        F
	value    Value   // write, put, append
	text     string  // put, append: the string value, decoded
	from, to Value   // cas
	txn      []Micro // txn, with the values its reads returned
}

// opOut is its output: what a read or get returned, or that the outcome is
// unknown (an info operation).
type opOut struct {
	value   Value
	text    string // get: the string read, decoded
	unknown bool
}

// rules are what the model needs to know beyond the operations.
type rules struct {
	// initial is the value every register (every kv key) starts with.
	initial Value
	// anyNil: a read that returned Nil matches any value (Knossos's
	// rule, for EDN histories); else Nil is the value of a register
	// nothing was written to (porcupine's etcd logs).
	anyNil bool
	// keys are a multi-register's registers, sorted.
	keys []Value
}

// model is the porcupine model of m: the sequential specification each
// key's operations are checked against (Partition splits a history by
// key). An operation whose outcome is unknown is always legal: it takes
// effect if it may in the state it is applied to and changes nothing
// otherwise, and because it returns only after the history ends, the
// checker may also place it after every other operation, where it is as
// good as never having happened.
//
//   - cas-register: starts at the initial value (Nil unless given); a
//     write sets it; a read returns it; a cas from A to B sets B when the
//     register holds A and is not legal otherwise (a cas that found
//     another value completes as fail, and failed operations are left out).
//   - multi-register: every register starts at the initial value; a txn
//     applies its micro-operations in order, atomically: a read must
//     return the register's value, a write sets it.
//   - mutex: starts free; acquire is legal when it is free and holds it,
//     release when it is held and frees it.
//   - kv: every key starts at the initial string ("" unless given); a put
//     sets it, an append adds to its end, a get returns it.
//
// With anyNil, a read (or a get, or a txn's read) that returned Nil is
// legal in any state.
func model(m Model, r rules) porcupine.Model {
	pm := porcupine.Model{
		Partition: func(h []porcupine.Operation) [][]porcupine.Operation {
			return partition(h, func(op porcupine.Operation) string { return op.Input.(opIn).key })
		},
		DescribeOperation: func(input, output any) string {
			return describe(input.(opIn), output.(opOut))
		},
		DescribeOperationMetadata: describeMeta,
	}
	matches := func(read, st Value) bool { return read == st || (r.anyNil && read == Nil) }
	switch m {
	case MultiRegister:
		index := make(map[Value]int, len(r.keys))
		for i, k := range r.keys {
			index[k] = i
		}
		pm.Init = func() any {
			vals := make([]string, len(r.keys))
			for i := range vals {
				vals[i] = string(r.initial)
			}
			return strings.Join(vals, "\x00")
		}
		pm.Step = func(state, input, output any) (bool, any) {
			st, in, out := state.(string), input.(opIn), output.(opOut)
			vals := strings.Split(st, "\x00")
			for _, m := range in.txn {
				i := index[m.Key]
				switch {
				case m.F == Write:
					vals[i] = string(m.Value)
				case !matches(m.Value, Value(vals[i])):
					return out.unknown, st
				}
			}
			return true, strings.Join(vals, "\x00")
		}
		pm.Hash = hashString
		pm.DescribeState = func(state any) string {
			vals := strings.Split(state.(string), "\x00")
			parts := make([]string, len(vals))
			for i, v := range vals {
				parts[i] = string(r.keys[i]) + " " + v
			}
			return "{" + strings.Join(parts, ", ") + "}"
		}
	case Mutex:
		pm.Init = func() any { return false }
		pm.Step = func(state, input, output any) (bool, any) {
			held, in, out := state.(bool), input.(opIn), output.(opOut)
			if (in.f == Acquire) == held {
				return out.unknown, held // already held, or not held
			}
			return true, !held
		}
		pm.Hash = func(state any) uint64 {
			if state.(bool) {
				return 1
			}
			return 0
		}
		pm.DescribeState = func(state any) string {
			if state.(bool) {
				return "held"
			}
			return "free"
		}
	case KV:
		initial := ""
		if r.initial != Nil {
			initial = text(r.initial)
		}
		pm.Init = func() any { return initial }
		pm.Step = func(state, input, output any) (bool, any) {
			st, in, out := state.(string), input.(opIn), output.(opOut)
			switch in.f {
			case Put:
				return true, in.text
			case Append:
				return true, st + in.text
			}
			return out.unknown || out.text == st || (r.anyNil && out.value == Nil), st
		}
		pm.Hash = hashString
		pm.DescribeState = func(state any) string { return strconv.Quote(state.(string)) }
	default:
		pm.Init = func() any { return r.initial }
		pm.Step = func(state, input, output any) (bool, any) {
			st, in, out := state.(Value), input.(opIn), output.(opOut)
			switch in.f {
			case Write:
				return true, in.value
			case CAS:
				if st == in.from {
					return true, in.to
				}
				return out.unknown, st
			}
			return out.unknown || matches(out.value, st), st
		}
		pm.Hash = func(state any) uint64 { return hashString(string(state.(Value))) }
		pm.DescribeState = func(state any) string { return string(state.(Value)) }
	}
	return pm
}

func hashString(state any) uint64 {
	h := fnv.New64a()
	h.Write([]byte(state.(string)))
	return h.Sum64()
}

// text is the string an EDN string value holds.
func text(v Value) string {
	s, err := strconv.Unquote(string(v))
	if err != nil {
		return string(v) // not a string: its EDN text
	}
	return s
}

// describe writes an operation for the visualization.
func describe(in opIn, out opOut) string {
	ret := ""
	if out.unknown {
		ret = " → ? (info)"
	}
	switch in.f {
	case Write, Put, Append:
		return fmt.Sprintf("%s(%s)%s", in.f, in.value, ret)
	case CAS:
		return fmt.Sprintf("cas(%s, %s)%s", in.from, in.to, ret)
	case Txn:
		return fmt.Sprintf("txn %s%s", txnString(in.txn), ret)
	case Acquire, Release:
		return fmt.Sprintf("%s()%s", in.f, ret)
	}
	return fmt.Sprintf("%s() → %s", in.f, out.value)
}

// describeMeta names an operation's process and lines.
func describeMeta(info any) string {
	op, ok := info.(*Op)
	switch {
	case !ok:
		return ""
	case op.Type != Info:
		return fmt.Sprintf("process %s, lines %d–%d", op.Process, op.Line, op.EndLine)
	case op.EndLine > 0:
		return fmt.Sprintf("process %s, lines %d–%d, outcome unknown (info)", op.Process, op.Line, op.EndLine)
	}
	return fmt.Sprintf("process %s, line %d, outcome unknown", op.Process, op.Line)
}

// partition groups h by key, keys in the order they first appear.
func partition[T any](h []T, key func(T) string) [][]T {
	index := map[string]int{}
	var out [][]T
	for _, op := range h {
		k := key(op)
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], op)
	}
	return out
}

// operations turns h into porcupine operations by key, keys sorted, and
// counts the indeterminate operations among them. Failed operations never
// happened and are left out, and so are reads and gets without a value
// (they constrain nothing). An operation whose outcome is unknown (Info)
// may take effect at any time after its invocation: it returns after the
// last event of the history. Call and Return are positions in the history,
// so every key shares one time line with the faults.
func operations(h *History) (keys []string, byKey map[string][]porcupine.Operation, infos map[string]int) {
	end := 0
	for _, op := range h.Ops {
		end = max(end, op.Call, op.Return)
	}
	for _, f := range h.Faults {
		end = max(end, f.At)
	}
	clients := map[string]int{}
	byKey = map[string][]porcupine.Operation{}
	infos = map[string]int{}
	for i := range h.Ops {
		op := &h.Ops[i]
		if op.Type == Fail || ((op.F == Read || op.F == Get) && op.Type != OK) {
			continue
		}
		in := opIn{key: op.Key, f: op.F, value: op.Value, from: op.From, to: op.To, txn: op.Txn}
		if op.F == Put || op.F == Append {
			in.text = text(op.Value)
		}
		out := opOut{}
		ret := int64(op.Return)
		switch {
		case op.Type == Info:
			out.unknown = true
			ret = int64(end) + 1
			infos[op.Key]++
		case op.F == Read || op.F == Get:
			out.value, out.text = op.Value, text(op.Value)
		}
		id, ok := clients[op.Process]
		if !ok {
			id = len(clients)
			clients[op.Process] = id
		}
		byKey[op.Key] = append(byKey[op.Key], porcupine.Operation{
			ClientId: id, Input: in, Call: int64(op.Call), Output: out, Return: ret, Metadata: op, // described when drawn
		})
	}
	for k := range byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys, byKey, infos
}

// registers lists the registers a multi-register history's transactions
// name, sorted.
func registers(h *History) []Value {
	var keys []Value
	for _, op := range h.Ops {
		for _, m := range op.Txn {
			keys = append(keys, m.Key)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}
