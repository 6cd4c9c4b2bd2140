package histories

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"sync"
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
	// params is an object "value" as the scanner read it, in place of
	// Value.
	params map[string]string
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
// operation names its key, a read ok lists its versions ([] when it found
// nothing; missing or null is an error, not an empty read), and value is a string (or an object of strings,
// for the nemesis). Unknown fields are ignored, so newer writers stay
// readable. A line longer than MaxLine is an error naming it.
func Decode(r io.Reader) ([]Event, error) {
	f, err := DecodeFile(r)
	if err == nil && f.Cut != nil {
		err = f.Cut
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
// Scan reads the input a chunk of whole lines at a time on a goroutine of
// its own and parses the chunks on as many goroutines as GOMAXPROCS (at
// most maxParsers), each with a scanner of its own; fn gets the events in
// order, on the caller's goroutine, while later chunks are parsed. What
// depends on the events before a line (its index, its time) is checked
// there, in the order a line's checks always run.
func Scan(r io.Reader, fn func(e *Event, line int) error) (cut *LineError, err error) {
	parsers := min(max(runtime.GOMAXPROCS(0), 1), maxParsers)
	read := make(chan *chunk, parsers)
	parsed := make(chan *chunk, 2*parsers)
	// At most chunks chunks are made; the reader waits for one of them to
	// come back once it has made them all, so a long history is read
	// through the same few buffers.
	chunks := 4*parsers + 2
	free := make(chan *chunk, chunks)
	stop := make(chan struct{})
	go readChunks(r, read, free, stop, chunks)
	var wg sync.WaitGroup
	for range parsers {
		wg.Go(func() {
			sc := newScanner()
			for c := range read {
				c.parse(sc)
				select {
				case parsed <- c:
				case <-stop:
				}
			}
		})
	}
	go func() {
		wg.Wait()
		close(parsed)
	}()
	// The chunks come back in any order and are taken in turn.
	pending := map[int]*chunk{}
	next, events := 0, 0
	var last int64
	done := false
	for c := range parsed {
		if done {
			continue // draining, so that every goroutine ends
		}
		pending[c.seq] = c
		for !done {
			c, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			cut, err = c.deliver(&events, &last, fn)
			if err == nil && cut == nil && c.err != nil {
				err = c.err
			}
			if err != nil || cut != nil || c.eof {
				done = true
				close(stop)
				break
			}
			select {
			case free <- c:
			default:
			}
		}
	}
	if !done {
		// The reader stopped without an end: it cannot, but say so.
		return nil, errors.New("histories: the history ended before its last chunk")
	}
	return cut, err
}

// maxParsers bounds the goroutines that parse a history's chunks.
const maxParsers = 4

// chunkSize is about how many bytes of whole lines a chunk holds: small
// enough that the few chunks in flight hold little, large enough that
// passing one on costs nothing beside parsing it.
const chunkSize = 256 << 10

// A chunk is whole lines of a history on their way from the reader through
// a parser to fn.
type chunk struct {
	seq  int
	data []byte // whole lines, each ending in a newline but the input's last
	line int    // the line its first line is
	n    int    // the newlines in data
	eof  bool   // the input ends with it
	err  error  // reading stopped after its lines, with this error
	out  []parsedLine
}

// parsedLine is a line as a parser leaves it: an event, or why it is not
// one. The checks that need the events before it are left to deliver.
type parsedLine struct {
	e      Event
	line   int
	index  bool // the line has an index (e.Index), a time (e.Time)
	time   bool
	decode *LineError // not an object of the format; cut: the input's last line, without its newline
	cut    bool
	err    error // a check of the event's own fields failed
}

// readChunks reads r into chunks of whole lines and sends them out in
// order, until the input ends, reading fails or stop is closed. It makes
// at most most chunks, and then takes the ones that come back on free.
func readChunks(r io.Reader, out chan<- *chunk, free <-chan *chunk, stop <-chan struct{}, most int) {
	defer close(out)
	line := 1
	var carry []byte        // the start of a line the last chunk did not hold
	made, size := 0, 64<<10 // a new chunk's buffer: grown to chunkSize as the input asks
	for seq := 0; ; seq++ {
		var c *chunk
		if made < most {
			select {
			case c = <-free:
			default:
				c = &chunk{data: make([]byte, 0, size)}
				made++
			}
		} else {
			select {
			case c = <-free:
			case <-stop:
				return
			}
		}
		c.data, c.out, c.err, c.eof = c.data[:0], c.out[:0], nil, false
		c.seq, c.line = seq, line
		c.data = append(c.data, carry...)
		var rerr error
		start, scanned := 0, 0 // the last line starts at start; c.data[:scanned] is searched
		for {
			if i := bytes.IndexByte(c.data[scanned:], '\n'); i >= 0 {
				if scanned+i-start > MaxLine { // the line that newline ends
					rerr = errLong
					break
				}
				start = scanned + bytes.LastIndexByte(c.data[scanned:], '\n') + 1
			}
			scanned = len(c.data)
			if rerr != nil || (len(c.data) >= chunkSize && start > 0) {
				break
			}
			if len(c.data)-start > MaxLine {
				rerr = errLong
				break
			}
			if len(c.data) == cap(c.data) {
				c.data = slices.Grow(c.data, len(c.data))
			}
			n, err := r.Read(c.data[len(c.data):cap(c.data)])
			c.data, rerr = c.data[:len(c.data)+n], err
		}
		if rerr == io.EOF && len(c.data)-start > MaxLine+1 {
			rerr = errLong // the last line, without a newline, may be one byte longer
		}
		size = max(size, min(cap(c.data), 2*chunkSize)) // the next new chunk starts as large
		c.n = bytes.Count(c.data[:start], []byte{'\n'})
		last := line + c.n // the line that starts at start
		switch rerr {
		case nil: // whole lines; the rest begins the next chunk
			carry = append(carry[:0], c.data[start:]...)
			c.data = c.data[:start]
		case io.EOF: // the last line, from start, has no newline
			c.eof = true
		case errLong:
			c.data = c.data[:start]
			c.err = &LineError{Line: last, Err: fmt.Errorf("longer than %d MiB: no history event is that long", MaxLine>>20)}
		default:
			c.data = c.data[:start]
			c.err = fmt.Errorf("histories: line %d: %w", last, rerr)
		}
		line = last
		select {
		case out <- c:
		case <-stop:
			return
		}
		if rerr != nil {
			return
		}
	}
}

// parse parses the chunk's lines into c.out.
func (c *chunk) parse(sc *scanner) {
	rest, line := c.data, c.line
	c.out = slices.Grow(c.out[:0], c.n+1)
	var in raw
	for len(rest) > 0 {
		b, whole := rest, false
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			b, rest, whole = rest[:i], rest[i+1:], true
		} else {
			rest = nil
		}
		if line == 1 {
			b = bytes.TrimPrefix(b, []byte(bom))
		}
		if t := bytes.TrimSpace(b); len(t) > 0 {
			c.out = append(c.out, parsedLine{})
			parseLine(sc, &in, t, line, whole, &c.out[len(c.out)-1])
		}
		line++
	}
}

// parseLine parses one line, not blank, of the history into p, which is
// zero: in place, as a parsed line is large.
func parseLine(sc *scanner, in *raw, t []byte, line int, whole bool, p *parsedLine) {
	p.line = line
	if !sc.line(t, in) {
		*in = raw{}
		if jerr := json.Unmarshal(t, in); jerr != nil {
			p.decode, p.cut = decodeError(line, jerr), !whole
			return
		}
	}
	p.index, p.time = in.Index != nil, in.Time != nil
	var err error
	if err = in.fields(&p.e); err != nil {
		// fields gives no event on an error; deliver still checks these.
		if p.index {
			p.e.Index = *in.Index
		}
		if p.time {
			p.e.Time = *in.Time
		}
		var le *LineError
		if errors.As(err, &le) {
			le.Line = line
		}
		p.err = err
	}
}

// deliver checks each of the chunk's events against those before it and
// gives it to fn. The first error ends it: a line that is not an event
// (or, the input's last line cut short, cut), or fn's.
func (c *chunk) deliver(events *int, last *int64, fn func(e *Event, line int) error) (cut *LineError, err error) {
	for i := range c.out {
		p := &c.out[i]
		if p.decode != nil {
			if p.cut {
				return p.decode, nil
			}
			return nil, p.decode
		}
		var index *int
		var time *int64
		if p.index {
			index = &p.e.Index
		}
		if p.time {
			time = &p.e.Time
		}
		if err := sequence(index, time, *events, *last); err != nil {
			err.Line = p.line
			return nil, err
		}
		if p.err != nil {
			return nil, p.err
		}
		*last = p.e.Time
		*events++
		if err := fn(&p.e, p.line); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

var errLong = errors.New("line too long")

// sequence checks what a line's place in the history decides: its index
// and time, as a line gives them (nil when missing), for the index-th
// event after one at time last. Its LineError names no line.
func sequence(i *int, t *int64, index int, last int64) *LineError {
	bad := func(field, format string, args ...any) *LineError {
		return &LineError{Field: field, Err: fmt.Errorf(format, args...)}
	}
	switch {
	case i == nil:
		return bad("index", "missing")
	case *i != index:
		return bad("index", "is %d, expected %d (events are numbered from 0, in order)", *i, index)
	case t == nil:
		return bad("time", "missing")
	case *t < last:
		return bad("time", "%d is before the previous event's %d (time never goes backwards)", *t, last)
	}
	return nil
}

// fields makes the event of a line whose index and time sequence has
// checked, or not yet, in e: it checks the rest. On an error e is left
// zero.
func (in *raw) fields(e *Event) error {
	bad := func(field, format string, args ...any) error {
		*e = Event{}
		return &LineError{Field: field, Err: fmt.Errorf(format, args...)}
	}
	switch {
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
	case in.Type == string(OK) && in.F == string(Read) && in.Versions == nil:
		// A read that says nothing of what it found would count as an
		// empty read, and prove losses it never saw.
		return bad("versions", "missing (or null) on a read ok: a read lists what it returned, [] when it found nothing")
	}
	*e = Event{
		Process: in.Process, Type: Type(in.Type), F: Func(in.F),
		Key: in.Key, Node: in.Node, Write: in.Write, Context: in.Context, Versions: in.Versions,
		Meta: in.Meta, Error: in.Error, Offset: in.Offset,
	}
	if in.Index != nil {
		e.Index = *in.Index
	}
	if in.Time != nil {
		e.Time = *in.Time
	}
	if in.hasValue {
		e.Value = in.value
	} else if in.params != nil {
		e.Params = in.params
	} else if len(in.Value) > 0 && string(in.Value) != "null" {
		switch in.Value[0] {
		case '"':
			var v string
			if err := json.Unmarshal(in.Value, &v); err != nil {
				return bad("value", "%v", err)
			}
			e.Value = v
		case '{':
			var params map[string]string
			if err := json.Unmarshal(in.Value, &params); err != nil {
				return bad("value", "expected an object of strings: %v", err)
			}
			e.Params = params
		default:
			return bad("value", "expected a string, or an object for nemesis events, got %s", in.Value)
		}
	}
	if e.IsWrite() && e.Write == "" {
		return bad("write", "missing on a %s", e.F)
	}
	return nil
}

func decodeError(line int, err error) *LineError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field == "" {
		return &LineError{Line: line, Err: fmt.Errorf("expected an event, a JSON object, got JSON %s: a history is one JSON object a line, not one JSON document", te.Value)}
	}
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
