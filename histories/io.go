package histories

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// Writer appends events to a stream, one JSON line each. It buffers whole
// lines and writes them out in batches of about 4 KiB of complete lines, so
// the file grows as the run goes and whatever reached it is always a
// sequence of complete lines.
type Writer struct {
	w     io.Writer
	buf   []byte
	limit int
	err   error
}

// NewWriter returns a Writer that writes to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w, limit: 4 << 10} }

// Write encodes e as one line. Errors are sticky: after the first, every call
// returns it.
func (w *Writer) Write(e *Event) error {
	if w.err != nil {
		return w.err
	}
	w.buf = e.AppendJSON(w.buf)
	w.buf = append(w.buf, '\n')
	if len(w.buf) >= w.limit {
		return w.Flush()
	}
	return nil
}

// Flush writes every buffered line.
func (w *Writer) Flush() error {
	if w.err != nil || len(w.buf) == 0 {
		return w.err
	}
	if _, err := w.w.Write(w.buf); err != nil {
		w.err = fmt.Errorf("histories: write: %w", err)
	}
	w.buf = w.buf[:0]
	return w.err
}

// Encode writes a whole history to w.
func Encode(w io.Writer, h []Event) error {
	hw := NewWriter(w)
	for i := range h {
		if err := hw.Write(&h[i]); err != nil {
			return err
		}
	}
	return hw.Flush()
}

// WriteFile writes a whole history to a file.
func WriteFile(path string, h []Event) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("histories: %w", err)
	}
	if err := Encode(f, h); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// LineError is a malformed line: its number (from 1), the field at fault
// (empty when the line is not JSON at all) and what is wrong.
type LineError struct {
	Line  int
	Field string
	Err   error
}

func (e *LineError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("line %d: field %q: %v", e.Line, e.Field, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// ReadFile reads a history file. Errors name the file and, for a malformed
// line, the line and field (see LineError).
func ReadFile(path string) ([]Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("histories: %w", err)
	}
	defer f.Close()
	h, err := Decode(f)
	if err != nil {
		return nil, fmt.Errorf("histories: %s: %w", path, err)
	}
	return h, nil
}

// raw is an Event as decoded, before validation.
type raw struct {
	Index    *int            `json:"index"`
	Time     *int64          `json:"time"`
	Process  string          `json:"process"`
	Type     string          `json:"type"`
	F        string          `json:"f"`
	Key      string          `json:"key"`
	Node     string          `json:"node"`
	Write    string          `json:"write"`
	Value    json.RawMessage `json:"value"`
	Context  []string        `json:"context"`
	Versions []Version       `json:"versions"`
	Meta     *Meta           `json:"meta"`
	Error    string          `json:"error"`
	Offset   *int64          `json:"offset"`
}

var types = []Type{Invoke, OK, Fail, Info}

// Decode reads a history, one JSON event per line; blank lines are skipped.
// It checks what every consumer relies on: index counts events from 0, time
// never goes backwards, type is one of invoke/ok/fail/info, process and f
// are present, and value is a string (or an object of strings, for the
// nemesis). Unknown fields are ignored, so newer writers stay readable.
func Decode(r io.Reader) ([]Event, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	var h []Event
	line := 0
	var last int64
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var in raw
		if err := json.Unmarshal(b, &in); err != nil {
			return h, decodeError(line, err)
		}
		e, err := in.event(len(h), last)
		if err != nil {
			var le *LineError
			if errors.As(err, &le) {
				le.Line = line
			}
			return h, err
		}
		last = e.Time
		h = append(h, e)
	}
	if err := sc.Err(); err != nil {
		return h, fmt.Errorf("histories: line %d: %w", line+1, err)
	}
	return h, nil
}

func (in *raw) event(index int, last int64) (Event, error) {
	bad := func(field, format string, args ...any) (Event, error) {
		return Event{}, &LineError{Field: field, Err: fmt.Errorf(format, args...)}
	}
	switch {
	case in.Index == nil:
		return bad("index", "missing")
	case *in.Index != index:
		return bad("index", "is %d, expected %d (events are numbered from 0, in order)", *in.Index, index)
	case in.Time == nil:
		return bad("time", "missing")
	case *in.Time < last:
		return bad("time", "%d is before the previous event's %d (time never goes backwards)", *in.Time, last)
	case in.Process == "":
		return bad("process", "missing")
	case !slices.Contains(types, Type(in.Type)):
		return bad("type", "is %q, expected one of invoke, ok, fail, info", in.Type)
	case in.F == "":
		return bad("f", "missing")
	}
	e := Event{
		Index: *in.Index, Time: *in.Time, Process: in.Process, Type: Type(in.Type), F: Func(in.F),
		Key: in.Key, Node: in.Node, Write: in.Write, Context: in.Context, Versions: in.Versions,
		Meta: in.Meta, Error: in.Error, Offset: in.Offset,
	}
	if len(in.Value) > 0 && string(in.Value) != "null" {
		switch in.Value[0] {
		case '"':
			if err := json.Unmarshal(in.Value, &e.Value); err != nil {
				return bad("value", "%v", err)
			}
		case '{':
			if err := json.Unmarshal(in.Value, &e.Params); err != nil {
				return bad("value", "expected an object of strings: %v", err)
			}
		default:
			return bad("value", "expected a string, or an object for nemesis events, got %s", in.Value)
		}
	}
	if e.IsWrite() && e.Write == "" {
		return bad("write", "missing on a %s", e.F)
	}
	return e, nil
}

func decodeError(line int, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "(line)"
		}
		return &LineError{Line: line, Field: field, Err: fmt.Errorf("expected %s, got JSON %s", te.Type, te.Value)}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &LineError{Line: line, Err: fmt.Errorf("not valid JSON at byte %d: %v", se.Offset, err)}
	}
	return &LineError{Line: line, Err: err}
}
