package jepsen

import (
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/anishathalye/porcupine"
)

// regIn is the input of a register operation.
type regIn struct {
	key      string
	f        F
	value    Value // write
	from, to Value // cas
}

// regOut is its output: what a read returned, or that the outcome is
// unknown (an info write or cas).
type regOut struct {
	value   Value
	unknown bool
}

// casRegister is the sequential specification of a Jepsen register over
// values, one per key (Partition splits a history by key): it starts at
// Nil; a write sets it; a read returns it; a cas from A to B sets B when the
// register holds A and is not legal otherwise (a cas that found another
// value completes as fail, and failed operations are left out). A write or
// cas whose outcome is unknown is always legal: the cas sets To if the
// register holds From and changes nothing otherwise, and because it returns
// only after the history ends, the checker may also place it after every
// other operation, where it is as good as never having happened.
var casRegister = porcupine.Model{
	Partition: func(h []porcupine.Operation) [][]porcupine.Operation {
		return partition(h, func(op porcupine.Operation) string { return op.Input.(regIn).key })
	},
	Init: func() any { return Nil },
	Step: func(state, input, output any) (bool, any) {
		st, in, out := state.(Value), input.(regIn), output.(regOut)
		switch in.f {
		case Write:
			return true, in.value
		case CAS:
			if st == in.from {
				return true, in.to
			}
			return out.unknown, st
		}
		return out.unknown || out.value == st, st
	},
	Hash: func(state any) uint64 {
		h := fnv.New64a()
		h.Write([]byte(state.(Value)))
		return h.Sum64()
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(regIn), output.(regOut)
		ret := ""
		if out.unknown {
			ret = " → ? (info)"
		}
		switch in.f {
		case Write:
			return fmt.Sprintf("write(%s)%s", in.value, ret)
		case CAS:
			return fmt.Sprintf("cas(%s, %s)%s", in.from, in.to, ret)
		}
		return fmt.Sprintf("read() → %s", out.value)
	},
	DescribeState: func(state any) string { return string(state.(Value)) },
	DescribeOperationMetadata: func(info any) string {
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
	},
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
// counts the indeterminate writes and cas among them. Failed operations
// never happened and are left out, and so are reads without a value (they
// constrain nothing). An operation whose outcome is unknown (Info) may take
// effect at any time after its invocation: it returns after the last event
// of the history. Call and Return are positions in the history, so every
// key shares one time line with the faults.
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
		if op.Type == Fail || (op.F == Read && op.Type != OK) {
			continue
		}
		in := regIn{key: op.Key, f: op.F, value: op.Value, from: op.From, to: op.To}
		out := regOut{}
		ret := int64(op.Return)
		switch {
		case op.Type == Info:
			out.unknown = true
			ret = int64(end) + 1
			infos[op.Key]++
		case op.F == Read:
			out.value = op.Value
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
