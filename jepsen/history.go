package jepsen

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/clockwise-kv/clockwise/histories"
)

// Format names a history format this package reads.
type Format string

// The formats.
const (
	// Porcupine is the Jepsen etcd log that porcupine's test suite ships
	// (test_data/jepsen/etcd_NNN.log): one operation event per line,
	// "INFO  jepsen.util - PROCESS<TAB>:TYPE<TAB>:F<TAB>VALUE", a single
	// register.
	Porcupine Format = "porcupine"
	// EDN is a Jepsen register history (history.edn): one operation map per
	// value, either inside one vector or list or one after another, plain
	// or tagged (#jepsen.history.Op{...}).
	EDN Format = "edn"
)

// Formats lists the formats, for usage messages.
var Formats = []Format{Porcupine, EDN}

// ParseFormat returns the format called name.
func ParseFormat(name string) (Format, error) {
	for _, f := range Formats {
		if string(f) == name {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown history format %q (want %s or %s)", name, Porcupine, EDN)
}

// Type is the type of an operation event, as Jepsen writes it.
type Type string

// The event types. An operation is an Invoke followed by one completion.
const (
	Invoke Type = "invoke"
	OK     Type = "ok"   // took effect; a read returned its value
	Fail   Type = "fail" // definitely did not take effect
	Info   Type = "info" // outcome unknown: may take effect at any time after its invoke
)

// F is an operation of one of the models.
type F string

// The operations, by model.
const (
	// cas-register
	Read  F = "read"
	Write F = "write"
	CAS   F = "cas" // compare-and-set: write To if the register holds From
	// multi-register
	Txn F = "txn" // a transaction of reads and writes of registers by key (Op.Txn)
	// mutex
	Acquire F = "acquire"
	Release F = "release"
	// kv: porcupine's key-value store of strings, by :key
	Get    F = "get"
	Put    F = "put"
	Append F = "append" // adds the value to the end of the key's string
)

// Model is the sequential specification a history is judged against, as
// Knossos names it.
type Model string

// The models.
const (
	// CASRegister is a register, one per key, with read, write and cas
	// (Knossos's cas-register).
	CASRegister Model = "cas-register"
	// MultiRegister is a set of registers by key, read and written only
	// in transactions (:txn of [:read k v] and [:write k v]), each
	// atomic (Knossos's multi-register).
	MultiRegister Model = "multi-register"
	// Mutex is a lock, one per key, with acquire and release (Knossos's
	// mutex).
	Mutex Model = "mutex"
	// KV is a map of strings with get, put and append, by key
	// (porcupine's kv test model).
	KV Model = "kv"
)

// Models lists the models, for usage messages.
var Models = []Model{CASRegister, MultiRegister, Mutex, KV}

// ParseModel returns the model called name.
func ParseModel(name string) (Model, error) {
	for _, m := range Models {
		if string(m) == name {
			return m, nil
		}
	}
	return "", fmt.Errorf("unknown model %q (want %s)", name, modelNames())
}

func modelNames() string {
	names := make([]string, len(Models))
	for i, m := range Models {
		names[i] = string(m)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// modelOf is the model whose operation f is.
func modelOf(f F) (Model, bool) {
	switch f {
	case Read, Write, CAS:
		return CASRegister, true
	case Txn:
		return MultiRegister, true
	case Acquire, Release:
		return Mutex, true
	case Get, Put, Append:
		return KV, true
	}
	return "", false
}

// Micro is one micro-operation of a transaction: [:read k v] or
// [:write k v].
type Micro struct {
	F     F     // Read or Write
	Key   Value // the register, as EDN
	Value Value // write: the value written; read: the value read (Nil: any)
}

// Value is a register value: its canonical EDN text ("3", ":a", "\"x\"",
// "[1 2]"). Values compare equal exactly when their texts do; 3 and 3N are
// the same value.
type Value string

// Nil is the value of a register nothing was written to, and the value of a
// read that found nothing. In an EDN history, a read that completes with
// Nil matches any value, as in Knossos's models: it says nothing of what
// was there.
const Nil Value = "nil"

// ParseValue reads s, one EDN value (an initial value given on the command
// line), into its canonical text.
func ParseValue(s string) (Value, error) {
	var vals []ednNode
	if err := newEDNReader(strings.NewReader(s), 1).each(func(n ednNode) error {
		vals = append(vals, n)
		return nil
	}); err != nil {
		var le *histories.LineError
		if errors.As(err, &le) {
			err = le.Err
		}
		return "", fmt.Errorf("%q is not an EDN value: %w", s, err)
	}
	if len(vals) != 1 {
		return "", fmt.Errorf("%q is not one EDN value (it holds %d)", s, len(vals))
	}
	return Value(vals[0].String()), nil
}

// Op is one operation of a history: its invocation and its completion.
type Op struct {
	Key     string // the key ("" in a single-register history)
	Process string // the process that ran it, as the history names it
	F       F
	Type    Type    // OK, Fail or Info; Info too when the history ended before a completion
	Value   Value   // write, put, append: the value written; read, get: the value read (Nil unless OK)
	From    Value   // cas: the value expected
	To      Value   // cas: the value written if From was there
	Txn     []Micro // txn: its micro-operations, with the values its completion read when OK

	// Call and Return are the positions of the invocation and the
	// completion among the history's events, from 0 (nemesis events
	// count); Return is -1 when the history ended first. Only their order
	// matters: an operation precedes another in real time when its Return
	// is below the other's Call.
	Call, Return int
	// Line and EndLine are the lines of the invocation and the completion
	// (EndLine 0 when there is none).
	Line, EndLine int
}

// Fault is a nemesis event: a fault injected or healed. It does not enter
// the register model.
type Fault struct {
	At    int // position among the history's events, as Op.Call
	Line  int
	Type  Type
	F     string // the fault as the history names it (:start, :kill, ...)
	Value string // its value, as EDN
}

// History is a history read from a file that clockwise did not write.
type History struct {
	Format Format
	// Model is the model its operations belong to; "" when it has no
	// client operation.
	Model  Model
	Ops    []Op    // client operations, in invocation order
	Faults []Fault // nemesis events, in order
}

// Use requires h to be judged against m: an operation of another model is
// an error naming its line. A history without client operations takes m.
func (h *History) Use(m Model) error {
	if h.Model == "" || h.Model == m {
		h.Model = m
		return nil
	}
	op := h.Ops[0]
	return fieldErr(op.Line, "f", "the model is %s, but :%s is an operation of a %s", m, op.F, h.Model)
}

// Keys returns the keys of h's operations, sorted.
func (h *History) Keys() []string {
	var keys []string
	for _, op := range h.Ops {
		keys = append(keys, op.Key)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// Decode reads a history in format f from r. A malformed history is an error
// that names the line and, where one is at fault, the field (a
// *histories.LineError).
func Decode(r io.Reader, f Format) (*History, error) {
	switch f {
	case Porcupine:
		return DecodeLog(r)
	case EDN:
		return DecodeEDN(r)
	}
	_, err := ParseFormat(string(f))
	return nil, err
}

// ReadFile reads the history file path in format f. Errors name the file.
func ReadFile(path string, f Format) (*History, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("jepsen: %w", err)
	}
	defer file.Close()
	h, err := Decode(file, f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return h, nil
}

// event is one history event before pairing.
type event struct {
	line    int
	process ednNode
	typ     Type
	f       string
	value   ednNode
	key     *ednNode // the :key field, when there is one
	hasVal  bool
}

// maxLine bounds a line of a Jepsen log.
const maxLine = 16 << 20

// logLine is a line of a Jepsen log that records an operation event.
var logLine = regexp.MustCompile(`^[A-Z]+\s+jepsen\.util\s+-\s+(.*)$`)

// DecodeLog reads porcupine's Jepsen etcd log format: one event per line,
// "INFO  jepsen.util - PROCESS<TAB>:TYPE<TAB>:F<TAB>VALUE", where the
// fields are EDN values (a value of :timed-out on a fail or info line is
// the error, not a value). Blank lines are skipped; any other line is an
// error.
func DecodeLog(r io.Reader) (*History, error) {
	b := newBuilder(Porcupine)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	line := 0
	var fields []ednNode
	for sc.Scan() {
		line++
		text := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		m := logLine.FindStringSubmatch(text)
		if m == nil {
			return nil, errAt(line, `not a Jepsen operation log line (want "INFO  jepsen.util - PROCESS<TAB>:TYPE<TAB>:F<TAB>VALUE")`)
		}
		fields = fields[:0]
		err := newEDNReader(strings.NewReader(m[1]), line).each(func(n ednNode) error {
			fields = append(fields, n)
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(fields) < 3 {
			return nil, errAt(line, "want PROCESS, :TYPE, :F and VALUE, got %d fields", len(fields))
		}
		e := event{line: line, process: fields[0]}
		var typ string
		if err := e.keyword(fields[1], "type", &typ); err != nil {
			return nil, err
		}
		e.typ = Type(typ)
		if err := e.keyword(fields[2], "f", &e.f); err != nil {
			return nil, err
		}
		if len(fields) > 3 {
			e.value, e.hasVal = fields[3], true
		}
		if err := b.add(e); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, errAt(line+1, "line longer than %d MiB", maxLine>>20)
		}
		return nil, errAt(line+1, "%w", err)
	}
	return b.finish(), nil
}

// DecodeEDN reads a Jepsen history in EDN: operation maps (plain or tagged,
// as #jepsen.history.Op{...}) inside one top-level vector or list, or one
// after another. Each map has :process, :type and :f; :value as Jepsen's
// workloads write it (a cas carries [from to], a txn its micro-operations);
// an optional :key. The operations decide the model (History.Model): :read,
// :write and :cas a cas-register, :txn a multi-register, :acquire and
// :release a mutex, :get, :put and :append porcupine's kv. A history whose
// reads are invoked with [k nil] comes from Jepsen's independent keys: every
// value is then a [key value] tuple. Operations of :process :nemesis are
// faults. Other fields (:time, :index, :error, ...) are ignored.
func DecodeEDN(r io.Reader) (*History, error) {
	d := newEDNReader(r, 1)
	var events []event
	add := func(n ednNode) error {
		e, err := opEvent(n)
		if err == nil {
			events = append(events, e)
		}
		return err
	}
	first, err := d.skip()
	switch {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, err
	case first == '[' || first == '(':
		end := ']'
		if first == '(' {
			end = ')'
		}
		open := d.line
		_, _ = d.read()
		for {
			r, err := d.skip()
			if errors.Is(err, io.EOF) {
				return nil, errAt(open, "the history's '%c' is never closed", first)
			}
			if err != nil {
				return nil, err
			}
			if r == end {
				_, _ = d.read()
				break
			}
			n, discarded, err := d.value()
			if err != nil {
				return nil, err
			}
			if discarded {
				continue
			}
			if err := add(n); err != nil {
				return nil, err
			}
		}
		if n, err := d.next(); !errors.Is(err, io.EOF) {
			if err != nil {
				return nil, err
			}
			return nil, errAt(n.line, "%s after the end of the history", n.kind)
		}
	default:
		if err := d.each(add); err != nil {
			return nil, err
		}
	}
	tuples, err := independent(events)
	if err != nil {
		return nil, err
	}
	b := newBuilder(EDN)
	for _, e := range events {
		if tuples && !isNemesis(e.process) {
			if err := e.untuple(); err != nil {
				return nil, err
			}
		}
		if err := b.add(e); err != nil {
			return nil, err
		}
	}
	return b.finish(), nil
}

// opEvent reads one operation map.
func opEvent(n ednNode) (event, error) {
	if n.kind == ednTagged {
		n = n.items[0]
	}
	if n.kind != ednMap {
		return event{}, errAt(n.line, "want an operation map, got %s", n.kind)
	}
	e := event{line: n.line}
	seen := map[string]bool{}
	for i := 0; i < len(n.items); i += 2 {
		if k := n.items[i]; k.kind == ednKeyword {
			if seen[k.text] {
				return e, fieldErr(k.line, k.text, "appears twice")
			}
			seen[k.text] = true
		}
	}
	var ok bool
	if e.process, ok = n.get("process"); !ok {
		return e, fieldErr(n.line, "process", "missing")
	}
	typ, ok := n.get("type")
	if !ok {
		return e, fieldErr(n.line, "type", "missing")
	}
	var t string
	if err := e.keyword(typ, "type", &t); err != nil {
		return e, err
	}
	e.typ = Type(t)
	f, ok := n.get("f")
	if !ok {
		return e, fieldErr(n.line, "f", "missing")
	}
	if err := e.keyword(f, "f", &e.f); err != nil {
		return e, err
	}
	e.value, e.hasVal = n.get("value")
	if k, ok := n.get("key"); ok {
		e.key = &k
	}
	return e, nil
}

// fieldErr is a malformed field of the operation at line.
func fieldErr(line int, field, format string, args ...any) error {
	return &histories.LineError{Line: line, Field: ":" + field, Err: fmt.Errorf(format, args...)}
}

// keyword reads a keyword field (:type or :f) into dst.
func (e *event) keyword(n ednNode, field string, dst *string) error {
	if n.kind != ednKeyword {
		return fieldErr(n.line, field, "want a keyword, got %s", n)
	}
	*dst = n.text
	return nil
}

func isNemesis(p ednNode) bool { return p.kind == ednKeyword && p.text == "nemesis" }

// independent reports whether events come from Jepsen's independent keys:
// a read invoked with a [k nil] tuple. A read invoked with any other value
// says nothing (Knossos reads a read's value from its completion), and a
// history with an explicit :key field is not read as tuples.
func independent(events []event) (bool, error) {
	for _, e := range events {
		if !isNemesis(e.process) && e.typ == Invoke && e.f == string(Read) && e.hasVal &&
			e.value.kind == ednVector && len(e.value.items) == 2 && e.value.items[1].kind == ednNil {
			if e.key != nil {
				return false, fieldErr(e.line, "value", "a read invoked with a [key nil] tuple needs no :key")
			}
			return true, nil
		}
	}
	return false, nil
}

// untuple splits a [key value] tuple of Jepsen's independent keys into the
// event's key and value.
func (e *event) untuple() error {
	if e.key != nil {
		return fieldErr(e.line, "key", "a history of [key value] tuples has no :key field")
	}
	v := e.value
	if !e.hasVal || v.kind != ednVector || len(v.items) != 2 {
		what := "nothing"
		if e.hasVal {
			what = v.String()
		}
		return fieldErr(e.line, "value", "want a [key value] tuple (reads are invoked with [k nil] in this history), got %s", what)
	}
	e.key, e.value = &v.items[0], v.items[1]
	return nil
}
