package jepsen

import (
	"slices"
	"strings"
)

// builder pairs a history's events into operations: each process invokes
// one operation at a time and completes it before it invokes the next.
type builder struct {
	h     *History
	pos   int            // position of the next event
	open  map[string]int // process -> index in h.Ops of its open operation
	first int            // the line of the first client operation, which set the model
}

func newBuilder(f Format) *builder {
	return &builder{h: &History{Format: f}, open: map[string]int{}}
}

// supported lists the operations each model has, for error messages.
const supported = ":read, :write and :cas (cas-register), :txn (multi-register), " +
	":acquire and :release (mutex), :get, :put and :append (kv)"

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
	m, ok := modelOf(f)
	switch {
	case !ok && b.h.Format == Porcupine:
		return fieldErr(e.line, "f", "unsupported operation :%s (a register history has :read, :write and :cas)", e.f)
	case !ok:
		return fieldErr(e.line, "f", "unsupported operation :%s (want %s)", e.f, supported)
	case b.h.Format == Porcupine && m != CASRegister:
		return fieldErr(e.line, "f", "unsupported operation :%s (a register history has :read, :write and :cas)", e.f)
	case b.h.Model == "":
		b.h.Model, b.first = m, e.line
	case m != b.h.Model:
		return fieldErr(e.line, "f", ":%s is an operation of a %s, but line %d began a %s history", f, m, b.first, b.h.Model)
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
		case Put, Append:
			v, err := e.str()
			if err != nil {
				return err
			}
			op.Value = v
		case CAS:
			from, to, err := e.pair()
			if err != nil {
				return err
			}
			op.From, op.To = from, to
		case Txn:
			txn, err := e.txn()
			if err != nil {
				return err
			}
			op.Txn = txn
		}
		// A read's invocation may carry a value (Jepsen's generators
		// sometimes leave one there): what it returned is the completion's.
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
	case Get:
		if e.hasVal && e.value.kind == ednNil {
			op.Value = Nil
			break
		}
		v, err := e.str()
		if err != nil {
			return err
		}
		op.Value = v
	case Write, Put, Append:
		if v := e.val(); e.hasVal && v != Nil && v != op.Value {
			return fieldErr(e.line, "value", "ok %s of %s, but line %d invoked a %s of %s", f, v, op.Line, f, op.Value)
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
	case Txn:
		if !e.hasVal || e.value.kind == ednNil {
			break
		}
		txn, err := e.txn()
		if err != nil {
			return err
		}
		if err := sameTxn(e.line, op, txn); err != nil {
			return err
		}
		op.Txn = txn
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

// str is the event's value, which must be a string (kv's values are).
func (e *event) str() (Value, error) {
	if !e.hasVal || e.value.kind != ednString {
		got := "nothing"
		if e.hasVal {
			got = e.value.String()
		}
		return "", fieldErr(e.line, "value", "a :%s needs a string, got %s", e.f, got)
	}
	return Value(e.value.String()), nil
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

// txn reads a transaction: a vector (or list) of [:read k v] and
// [:write k v].
func (e *event) txn() ([]Micro, error) {
	v := e.value
	if !e.hasVal || (v.kind != ednVector && v.kind != ednList) {
		got := "nothing"
		if e.hasVal {
			got = v.String()
		}
		return nil, fieldErr(e.line, "value", "a :txn needs a vector of [:read k v] and [:write k v], got %s", got)
	}
	txn := make([]Micro, 0, len(v.items))
	for _, m := range v.items {
		if m.kind != ednVector || len(m.items) != 3 || m.items[0].kind != ednKeyword ||
			(m.items[0].text != string(Read) && m.items[0].text != string(Write)) {
			return nil, fieldErr(m.line, "value", "a :txn's micro-operation is [:read k v] or [:write k v], got %s", m)
		}
		txn = append(txn, Micro{F: F(m.items[0].text), Key: Value(m.items[1].String()), Value: Value(m.items[2].String())})
	}
	return txn, nil
}

// sameTxn checks that a transaction's completion, txn, is the one op
// invoked: the same micro-operations on the same keys, writing the same
// values.
func sameTxn(line int, op *Op, txn []Micro) error {
	same := len(txn) == len(op.Txn)
	for i := 0; same && i < len(txn); i++ {
		a, b := op.Txn[i], txn[i]
		same = a.F == b.F && a.Key == b.Key && (a.F == Read || a.Value == b.Value)
	}
	if !same {
		return fieldErr(line, "value", "ok txn %s, but line %d invoked txn %s", txnString(txn), op.Line, txnString(op.Txn))
	}
	return nil
}

// txnString writes a transaction as EDN.
func txnString(txn []Micro) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, m := range txn {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("[:" + string(m.F) + " " + string(m.Key) + " " + string(m.Value) + "]")
	}
	b.WriteByte(']')
	return b.String()
}

// finish returns the history. Operations still open were cut off by the end
// of the history: their outcome is unknown (Info, Return -1).
func (b *builder) finish() *History {
	b.h.Ops = slices.Clip(b.h.Ops)
	return b.h
}
