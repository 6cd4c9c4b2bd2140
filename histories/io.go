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
// lines and writes them out a page of the file at a time, so the file grows
// as the run goes and whatever reached it is a sequence of complete lines.
//
// A process killed outright (SIGKILL) inside a write(2) that spans pages of
// a file may leave only the first pages of it on disk: Linux checks for a
// fatal signal between pages, and a writer throttled by writeback sleeps
// there. So no write crosses a page boundary (Page bytes from where the
// Writer began) except one holding a single line that does, written alone
// the moment it is complete.
type Writer struct {
	w   io.Writer
	buf []byte
	off int64 // bytes written to w
	err error
}

// Page is the file page size the Writer keeps its writes within.
const Page = 4 << 10

// NewWriter returns a Writer that writes to w, from its start.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write encodes e as one line. Errors are sticky: after the first, every call
// returns it.
func (w *Writer) Write(e *Event) error {
	if w.err != nil {
		return w.err
	}
	n := len(w.buf)
	w.buf = e.AppendJSON(w.buf)
	w.buf = append(w.buf, '\n')
	boundary := (w.off/Page + 1) * Page
	if w.off+int64(len(w.buf)) <= boundary {
		if w.off+int64(len(w.buf)) == boundary {
			return w.Flush()
		}
		return nil
	}
	// The new line crosses the page boundary: the lines before it fill the
	// page as far as they go, and the line goes out by itself.
	w.write(w.buf[:n])
	w.write(w.buf[n:])
	w.buf = w.buf[:0]
	return w.err
}

// write writes b, whole lines, to w.
func (w *Writer) write(b []byte) {
	if w.err != nil || len(b) == 0 {
		return
	}
	n, err := w.w.Write(b)
	w.off += int64(n)
	if err != nil {
		w.err = fmt.Errorf("histories: write: %w", err)
	}
}

// Flush writes every buffered line.
func (w *Writer) Flush() error {
	w.write(w.buf)
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
	f, err := Load(path)
	if err != nil {
		return nil, err
	}
	if f.Cut != nil {
		return f.Events, fmt.Errorf("histories: %s: %w", path, f.Cut)
	}
	return f.Events, nil
}

// File is a history as read from a file, as far as its lines are whole.
type File struct {
	Events []Event
	Lines  []int // Lines[i] is the line (from 1) Events[i] came from
	// Cut is the file's last line when it was cut short: no newline at its
	// end and not valid JSON, as a writer killed mid-line leaves it. It is
	// left out of Events. Nil when the file ends in a whole line.
	Cut *LineError
}

// Line returns the line the event with index i came from, or 0 when there
// is no such event.
func (f *File) Line(i int) int {
	if i < 0 || i >= len(f.Lines) {
		return 0
	}
	return f.Lines[i]
}

// Load reads a history file as Decode reads a stream, except that a last
// line cut short is left out and reported in File.Cut rather than failing
// the whole file. Errors name the file and, for a malformed line, the line
// and field (see LineError).
func Load(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("histories: %w", err)
	}
	defer f.Close()
	h, err := DecodeFile(f)
	if err != nil {
		return nil, fmt.Errorf("histories: %s: %w", path, err)
	}
	return h, nil
}

// ScanFile reads a history file as Scan reads a stream. Errors name the
// file as Load's do.
func ScanFile(path string, fn func(e *Event, line int) error) (cut *LineError, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("histories: %w", err)
	}
	defer f.Close()
	if cut, err = Scan(f, fn); err != nil {
		return nil, fmt.Errorf("histories: %s: %w", path, err)
	}
	return cut, nil
}

// MaxLine is the longest line Decode reads; no event comes near it.
const MaxLine = 64 << 20

// bom is the UTF-8 byte order mark some editors put at the start of a file.
const bom = "\xef\xbb\xbf"

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
	// value is a string "value" as the scanner read it (hasValue), in
	// place of Value.
	value    string
	hasValue bool
}

var (
	types = []Type{Invoke, OK, Fail, Info}
	ops   = []Func{Read, Write, Delete}
)

// Decode reads a history, one JSON event per line; blank lines are skipped,
// and so is a UTF-8 byte order mark before the first. It checks what every
// consumer relies on: index counts events from 0, time never goes
// backwards, type is one of invoke/ok/fail/info, process and f are
// present, a client's or the final reads' f is read, write or delete, an
// operation names its key, and value is a string (or an object of strings,
// for the nemesis). Unknown fields are ignored, so newer writers stay
// readable. A line longer than MaxLine is an error naming it.
func Decode(r io.Reader) ([]Event, error) {
	f, err := DecodeFile(r)
	if err == nil && f.Cut != nil {
		err = f.Cut
	}
	if f == nil {
		return nil, err
	}
	return f.Events, err
}

// DecodeFile reads a history as Decode does, but leaves out a last line
// cut short (File.Cut) instead of failing. On an error it returns the
// events before the malformed line too.
func DecodeFile(r io.Reader) (*File, error) {
	f := &File{}
	cut, err := Scan(r, func(e *Event, line int) error {
		f.Events = append(f.Events, *e)
		f.Lines = append(f.Lines, line)
		return nil
	})
	f.Cut = cut
	return f, err
}

// Scan reads a history as DecodeFile does, one event at a time, without
// keeping any: it calls fn with each event and the line (from 1) it came
// from, and stops at fn's first error, which it returns. fn may keep what
// the event holds (its strings, slices and metadata are its own) but not
// the pointer, which the next event reuses. A last line cut short is left
// out and returned as cut.
//
// The lines are read and parsed by a goroutine of Scan's own, a batch of
// events ahead of fn, so that reading a long history and what fn does with
// it take two cores.
func Scan(r io.Reader, fn func(e *Event, line int) error) (cut *LineError, err error) {
	full := make(chan *batch, batches)
	free := make(chan *batch, batches+2)
	stop := make(chan struct{})
	var scanErr error
	go func() {
		defer close(full)
		b := &batch{}
		send := func() bool {
			select {
			case full <- b:
			case <-stop:
				return false
			}
			select {
			case b = <-free:
				b.events, b.lines = b.events[:0], b.lines[:0]
			default:
				b = &batch{}
			}
			return true
		}
		cut, scanErr = scan(r, func(e *Event, line int) error {
			b.events = append(b.events, *e)
			b.lines = append(b.lines, line)
			if len(b.events) == batchSize && !send() {
				return errStopped
			}
			return nil
		})
		if len(b.events) > 0 {
			send()
		}
	}()
	var fnErr error
	for b := range full {
		for i := 0; fnErr == nil && i < len(b.events); i++ {
			if fnErr = fn(&b.events[i], b.lines[i]); fnErr != nil {
				close(stop)
			}
		}
		select {
		case free <- b:
		default:
		}
	}
	if fnErr != nil {
		return nil, fnErr
	}
	return cut, scanErr
}

// batch is events Scan's reader parsed, with their lines, on their way to
// fn.
type batch struct {
	events []Event
	lines  []int
}

// batchSize is how many events a batch holds, and batches how many are
// read ahead of fn at most.
const (
	batchSize = 2048
	batches   = 4
)

// errStopped stops the reader when fn has failed.
var errStopped = errors.New("stopped")

// scan is Scan on one goroutine: it reads and parses each line in turn
// and calls fn with it.
func scan(r io.Reader, fn func(e *Event, line int) error) (cut *LineError, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	sc := newScanner()
	line, events := 0, 0
	var last int64
	var buf []byte
	var in raw
	var e Event
	for {
		line++
		b, whole, err := readLine(br, buf[:0])
		buf = b
		if err == errLong {
			return nil, &LineError{Line: line, Err: fmt.Errorf("longer than %d MiB: no history event is that long", MaxLine>>20)}
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("histories: line %d: %w", line, err)
		}
		if line == 1 {
			b = bytes.TrimPrefix(b, []byte(bom))
		}
		if t := bytes.TrimSpace(b); len(t) > 0 {
			if !sc.line(t, &in) {
				in = raw{}
				if jerr := json.Unmarshal(t, &in); jerr != nil {
					le := decodeError(line, jerr)
					if !whole {
						return le, nil
					}
					return nil, le
				}
			}
			var eerr error
			e, eerr = in.event(events, last)
			if eerr != nil {
				var le *LineError
				if errors.As(eerr, &le) {
					le.Line = line
				}
				return nil, eerr
			}
			last = e.Time
			events++
			if err := fn(&e, line); err != nil {
				return nil, err
			}
		}
		if err == io.EOF {
			return nil, nil
		}
	}
}

var errLong = errors.New("line too long")

// readLine reads one line into buf, without its newline; whole reports
// that the newline was there. At the end of the input it returns io.EOF
// with whatever the last line held.
func readLine(br *bufio.Reader, buf []byte) (b []byte, whole bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > MaxLine+1 {
			return buf, false, errLong
		}
		buf = append(buf, chunk...)
		switch err {
		case nil:
			return buf[:len(buf)-1], true, nil
		case bufio.ErrBufferFull:
			continue
		}
		return buf, false, err
	}
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
	case in.Process != Nemesis && !slices.Contains(ops, Func(in.F)):
		return bad("f", "is %q, expected read, write or delete (only the nemesis records other events)", in.F)
	case slices.Contains(ops, Func(in.F)) && in.Key == "":
		return bad("key", "missing on a %s", in.F)
	}
	e := Event{
		Index: *in.Index, Time: *in.Time, Process: in.Process, Type: Type(in.Type), F: Func(in.F),
		Key: in.Key, Node: in.Node, Write: in.Write, Context: in.Context, Versions: in.Versions,
		Meta: in.Meta, Error: in.Error, Offset: in.Offset,
	}
	if in.hasValue {
		e.Value = in.value
	} else if len(in.Value) > 0 && string(in.Value) != "null" {
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

func decodeError(line int, err error) *LineError {
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
