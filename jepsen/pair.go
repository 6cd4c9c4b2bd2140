package jepsen

import (
	"slices"
)

// builder pairs a history's events into operations: each process invokes
// one operation at a time and completes it before it invokes the next.
type builder struct {
	h    *History
	pos  int            // position of the next event
	open map[string]int // process -> index in h.Ops of its open operation
}

func newBuilder(f Format) *builder {
	return &builder{h: &History{Format: f}, open: map[string]int{}}
}

// add takes the next event.
func (b *builder) add(e event) error {
	pos := b.pos
	b.pos++
	switch e.typ {
	case Invoke, OK, Fail, Info:
	default:
		return fieldErr(e.line, "type", "unknown type :%s (want :invoke, :ok, :fail or :info)", e.typ)
	}
	if isNemesis(e.process) {
		v := ""
		if e.hasVal {
			v = e.value.String()
		}
		b.h.Faults = append(b.h.Faults, Fault{At: pos, Line: e.line, Type: e.typ, F: e.f, Value: v})
		return nil
	}
	switch e.process.kind {
	case ednInt, ednKeyword, ednString, ednSymbol:
	default:
		return fieldErr(e.process.line, "process", "want a process number, got %s", e.process)
	}
	proc := e.process.String()
	f := F(e.f)
	switch f {
	case Read, Write, CAS:
	default:
		return fieldErr(e.line, "f", "unsupported operation :%s (a register history has :read, :write and :cas)", e.f)
	}
	key := ""
	if e.key != nil {
		key = e.key.String()
	}
	if e.typ == Invoke {
		if i, ok := b.open[proc]; ok {
			o := b.h.Ops[i]
			return fieldErr(e.line, "process", "process %s invokes :%s while its :%s from line %d has not completed", proc, f, o.F, o.Line)
		}
		op := Op{Key: key, Process: proc, F: f, Type: Info, Value: Nil, From: Nil, To: Nil, Call: pos, Return: -1, Line: e.line}
		switch f {
		case Write:
			op.Value = e.val()
		case CAS:
			from, to, err := e.pair()
			if err != nil {
				return err
			}
			op.From, op.To = from, to
		}
		b.open[proc] = len(b.h.Ops)
		b.h.Ops = append(b.h.Ops, op)
		return nil
	}
	i, ok := b.open[proc]
	if !ok {
		return fieldErr(e.line, "process", "process %s completes :%s, which it never invoked", proc, f)
	}
	op := &b.h.Ops[i]
	if op.F != f {
		return fieldErr(e.line, "f", ":%s completes the :%s that process %s invoked at line %d", f, op.F, proc, op.Line)
	}
	if e.key != nil && key != op.Key {
		return fieldErr(e.line, "key", "key %s completes the operation on key %s invoked at line %d", key, op.Key, op.Line)
	}
	delete(b.open, proc)
	op.Type, op.Return, op.EndLine = e.typ, pos, e.line
	if e.typ != OK {
		return nil
	}
	switch f {
	case Read:
		op.Value = e.val()
	case Write:
		if v := e.val(); e.hasVal && v != Nil && v != op.Value {
			return fieldErr(e.line, "value", "ok write of %s, but line %d invoked a write of %s", v, op.Line, op.Value)
		}
	case CAS:
		if e.hasVal && e.value.kind != ednNil {
			from, to, err := e.pair()
			if err != nil {
				return err
			}
			if from != op.From || to != op.To {
				return fieldErr(e.line, "value", "ok cas [%s %s], but line %d invoked cas [%s %s]", from, to, op.Line, op.From, op.To)
			}
		}
	}
	return nil
}

// val is the event's value; Nil when it has none.
func (e *event) val() Value {
	if !e.hasVal {
		return Nil
	}
	return Value(e.value.String())
}

// pair reads a cas's [from to].
func (e *event) pair() (from, to Value, err error) {
	v := e.value
	if !e.hasVal || v.kind != ednVector || len(v.items) != 2 {
		got := "nothing"
		if e.hasVal {
			got = v.String()
		}
		return "", "", fieldErr(e.line, "value", "a cas needs [from to], got %s", got)
	}
	return Value(v.items[0].String()), Value(v.items[1].String()), nil
}

// finish returns the history. Operations still open were cut off by the end
// of the history: their outcome is unknown (Info, Return -1).
func (b *builder) finish() *History {
	b.h.Ops = slices.Clip(b.h.Ops)
	return b.h
}
