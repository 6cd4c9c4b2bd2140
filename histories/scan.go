package histories

import (
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// scanner parses one history line the way encoding/json would decode it
// into raw, but only for the plain form a history takes: an object of the
// known fields, each at most once, with strings free of escapes and valid
// UTF-8 and integers without fraction or exponent. Given anything else it
// gives up, and the line is decoded by encoding/json, whose result and
// errors are the reference (FuzzScan holds the scanner to them). The
// strings that repeat from line to line (process, type, f, key, node, the
// nodes of the metadata) are interned; the others (write ids, values,
// errors) are made in arenas, many to an allocation, and a read's versions,
// a context's ids, offsets and metadata in slabs, so that a history of
// millions of lines is not millions of small objects for the collector.
type scanner struct {
	b      []byte
	i      int
	intern map[string]string
	recent [256]string // the interned strings last seen, by recentSlot
	// index and time hold the line's index and time, which raw points
	// at until the event is made; offsets and metas are allocated a slab
	// at a time, an event keeping its own element.
	index   int
	time    int64
	offsets []int64
	metas   []Meta
	// A read's versions and a context's ids are read into vbuf and sbuf,
	// then copied into the slabs, a slab for many lines.
	vbuf        []Version
	sbuf        []string
	versionSlab []Version
	stringSlab  []string
	// arena holds the bytes of the strings that do not repeat (write ids,
	// values, errors), many strings to an allocation.
	arena []byte
}

// arena is the size of the scanner's string arenas, and maxArenaString the
// longest string made in one.
const (
	arena          = 32 << 10
	maxArenaString = 1 << 10
)

// slab is how many offsets, metadata, versions or context ids the scanner
// allocates at once.
const slab = 1024

// maxInterned bounds the interned strings, so a history with a new key on
// every line does not keep them all twice.
const maxInterned = 4096

func newScanner() *scanner { return &scanner{intern: map[string]string{}} }

// line fills in from b; false means the line is not in the plain form and
// in holds nothing of use.
func (s *scanner) line(b []byte, in *raw) bool {
	*in = raw{}
	s.b, s.i = b, 0
	if !s.eat('{') {
		return false
	}
	var seen uint32
	if s.eat('}') {
		return s.end()
	}
	for {
		bit := s.known()
		if bit == 0 {
			name, ok := s.str()
			if !ok || !s.eat(':') {
				return false
			}
			bit = rawField(name)
		}
		if bit == 0 || seen&bit != 0 {
			return false // unknown or repeated: encoding/json decides
		}
		seen |= bit
		if !s.field(bit, in) {
			return false
		}
		if s.eat(',') {
			continue
		}
		return s.eat('}') && s.end()
	}
}

const (
	fIndex uint32 = 1 << iota
	fTime
	fProcess
	fType
	fF
	fKey
	fNode
	fWrite
	fValue
	fContext
	fVersions
	fMeta
	fError
	fOffset
)

// known reads a field's name and colon written as clockwise writes them,
// with no white space or escape, and returns its bit; it returns 0 and
// reads nothing when the line goes on otherwise (str and rawField
// decide). A name's first letter tells it, or one of two.
func (s *scanner) known() uint32 {
	b := s.b[s.i:]
	if len(b) < 4 || b[0] != '"' {
		return 0
	}
	for _, i := range byFirst[b[1]] {
		if i == 0 {
			break
		}
		if f := &fieldNames[i-1]; len(b) >= len(f.text) && string(b[:len(f.text)]) == f.text {
			s.i += len(f.text)
			return f.bit
		}
	}
	return 0
}

// fieldNames are the fields' names as known reads them, and byFirst the
// names by their first letter, as 1 + an index into fieldNames.
var (
	fieldNames [14]struct {
		text string
		bit  uint32
	}
	byFirst [256][2]uint8
)

func init() {
	for i, name := range []string{"index", "time", "process", "type", "f", "key", "node", "write", "value", "context", "versions", "meta", "error", "offset"} {
		fieldNames[i].text, fieldNames[i].bit = `"`+name+`":`, uint32(1)<<i
		at := &byFirst[name[0]]
		at[min(at[0], 1)] = uint8(i + 1)
	}
}

// rawField is the bit of the field named name, 0 for an unknown name.
func rawField(name []byte) uint32 {
	switch string(name) {
	case "index":
		return fIndex
	case "time":
		return fTime
	case "process":
		return fProcess
	case "type":
		return fType
	case "f":
		return fF
	case "key":
		return fKey
	case "node":
		return fNode
	case "write":
		return fWrite
	case "value":
		return fValue
	case "context":
		return fContext
	case "versions":
		return fVersions
	case "meta":
		return fMeta
	case "error":
		return fError
	case "offset":
		return fOffset
	}
	return 0
}

func (s *scanner) field(bit uint32, in *raw) bool {
	var ok bool
	switch bit {
	case fIndex:
		var n int64
		if n, ok = s.int(); ok && int64(int(n)) == n {
			s.index = int(n)
			in.Index = &s.index
		}
	case fTime:
		if s.time, ok = s.int(); ok {
			in.Time = &s.time
		}
	case fOffset:
		var n int64
		if n, ok = s.int(); ok {
			if len(s.offsets) == 0 {
				s.offsets = make([]int64, slab)
			}
			in.Offset = &s.offsets[0]
			*in.Offset, s.offsets = n, s.offsets[1:]
		}
	case fProcess:
		in.Process, ok = s.interned()
	case fType:
		in.Type, ok = s.word()
	case fF:
		in.F, ok = s.word()
	case fKey:
		in.Key, ok = s.interned()
	case fNode:
		in.Node, ok = s.interned()
	case fWrite:
		in.Write, ok = s.string()
	case fError:
		in.Error, ok = s.string()
	case fValue:
		s.ws()
		switch {
		case s.i < len(s.b) && s.b[s.i] == '"':
			in.value, ok = s.string()
			in.hasValue = ok
		case s.i < len(s.b) && s.b[s.i] == '{': // a nemesis event's parameters
			params := map[string]string{}
			ok = s.object(func(name string) bool {
				v, ok := s.string()
				params[name] = v
				return ok
			})
			in.params = params
		}
	case fContext:
		in.Context, ok = s.strings()
	case fVersions:
		in.Versions, ok = s.versions()
	case fMeta:
		in.Meta, ok = s.meta()
	}
	return ok
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// eat skips white space and then c, if c is next.
func (s *scanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c { // no white space: as clockwise writes
		s.i++
		return true
	}
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// end reports that nothing but white space is left.
func (s *scanner) end() bool {
	s.ws()
	return s.i == len(s.b)
}

// str returns the bytes of a plain string, which alias the line.
func (s *scanner) str() ([]byte, bool) {
	if !s.eat('"') {
		return nil, false
	}
	b, start, ascii := s.b, s.i, true
	for i := start; i < len(b); i++ {
		switch strByte[b[i]] {
		case strPlain:
		case strQuote:
			s.i = i + 1
			if !ascii && !utf8.Valid(b[start:i]) {
				return nil, false // encoding/json replaces invalid bytes
			}
			return b[start:i], true
		case strEscape:
			return nil, false
		case strHigh:
			ascii = false
		}
	}
	return nil, false
}

// What a byte is inside a string, to str.
const (
	strPlain  = iota
	strQuote  // its end
	strEscape // a backslash or a control character: encoding/json decides
	strHigh   // part of a multi-byte character
)

var strByte = func() (t [256]byte) {
	for c := range t {
		switch {
		case c == '"':
			t[c] = strQuote
		case c == '\\' || c < 0x20:
			t[c] = strEscape
		case c >= utf8.RuneSelf:
			t[c] = strHigh
		}
	}
	return t
}()

func (s *scanner) string() (string, bool) {
	b, ok := s.str()
	if !ok || len(b) == 0 {
		return "", ok
	}
	if len(b) > maxArenaString {
		return string(b), true
	}
	if len(b) > cap(s.arena)-len(s.arena) {
		s.arena = make([]byte, 0, arena)
	}
	start := len(s.arena)
	s.arena = append(s.arena, b...)
	// The arena's bytes are never written again once appended, so the
	// string made over them is immutable, as a string must be.
	return unsafe.String(&s.arena[start], len(b)), true
}

// word reads a type or an operation, returning the histories' own
// constant for a known one (which compares with it at once) and an
// interned string for any other.
func (s *scanner) word() (string, bool) {
	b, ok := s.str()
	if !ok {
		return "", false
	}
	switch string(b) {
	case "invoke":
		return string(Invoke), true
	case "ok":
		return string(OK), true
	case "read":
		return string(Read), true
	case "write":
		return string(Write), true
	case "fail":
		return string(Fail), true
	case "info":
		return string(Info), true
	case "delete":
		return string(Delete), true
	}
	return s.internBytes(b), true
}

func (s *scanner) interned() (string, bool) {
	b, ok := s.str()
	if !ok {
		return "", false
	}
	return s.internBytes(b), true
}

// internBytes returns b as a string, the same string for the same bytes.
// A small cache, indexed by the length and the ends of b, answers the
// strings that repeat on every line before the map is asked.
func (s *scanner) internBytes(b []byte) string {
	slot := &s.recent[recentSlot(b)]
	if *slot == string(b) && len(b) > 0 {
		return *slot
	}
	v, ok := s.intern[string(b)]
	if !ok {
		v = string(b)
		if len(s.intern) < maxInterned {
			s.intern[v] = v
		}
	}
	*slot = v
	return v
}

// recentSlot is b's place in scanner.recent: a hash of its length, its
// first, middle and last bytes, which gives the strings of a run (c1…c10,
// k1…k5, n1…n9, invoke, ok, read, write, and the fields of a version and
// of the metadata) slots of their own, so that each is answered without
// the map, in a few instructions whatever its length.
func recentSlot(b []byte) int {
	n := len(b)
	if n == 0 {
		return 0
	}
	h := uint32(n)<<24 | uint32(b[0])<<16 | uint32(b[n-1])<<8 | uint32(b[n/2])
	return int((h * 0x27d4eb2f) >> 24)
}

// int reads an integer as JSON writes one: no fraction, no exponent.
func (s *scanner) int() (int64, bool) {
	s.ws()
	b, i := s.b, s.i
	start := i
	if i < len(b) && b[i] == '-' {
		i++
	}
	digits := i
	var n int64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0') // wraps past 18 digits, and then is not used
	}
	s.i = i
	if i == digits || (b[digits] == '0' && i > digits+1) {
		return 0, false
	}
	if i < len(b) && (b[i] == '.' || b[i] == 'e' || b[i] == 'E') {
		return 0, false
	}
	if i-digits < 19 { // fits: no int64 has fewer than 19 digits and overflows
		if digits > start {
			n = -n
		}
		return n, true
	}
	n, err := strconv.ParseInt(string(b[start:i]), 10, 64)
	return n, err == nil
}

func (s *scanner) uint() (uint64, bool) {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '-' {
		return 0, false
	}
	n, ok := s.int()
	return uint64(n), ok && n >= 0
}

// strings reads an array of plain strings; [] is an empty, non-nil slice,
// as encoding/json decodes it.
func (s *scanner) strings() ([]string, bool) {
	if !s.eat('[') {
		return nil, false
	}
	if s.eat(']') {
		return []string{}, true
	}
	got := s.sbuf[:0]
	for {
		v, ok := s.string()
		if !ok {
			return nil, false
		}
		got = append(got, v)
		if s.eat(',') {
			continue
		}
		s.sbuf = got[:0]
		if !s.eat(']') {
			return nil, false
		}
		// Copied into a slab as versions are.
		if len(got) > len(s.stringSlab) {
			s.stringSlab = make([]string, max(slab, len(got)))
		}
		out := s.stringSlab[:len(got):len(got)]
		s.stringSlab = s.stringSlab[len(got):]
		copy(out, got)
		clear(got)
		return out, true
	}
}

func (s *scanner) versions() ([]Version, bool) {
	if !s.eat('[') {
		return nil, false
	}
	if s.eat(']') {
		return []Version{}, true
	}
	read := s.vbuf[:0]
	for {
		var v Version
		if !s.object(func(name string) bool {
			var ok bool
			switch name {
			case "write":
				v.Write, ok = s.string()
			case "value":
				v.Value, ok = s.string()
			case "deleted":
				v.Deleted, ok = s.bool()
			}
			return ok
		}) {
			return nil, false
		}
		read = append(read, v)
		if s.eat(',') {
			continue
		}
		s.vbuf = read[:0]
		if !s.eat(']') {
			return nil, false
		}
		// The read's versions are copied out of the scanner's buffer into
		// a slab that many reads share, each its own part of it (capped, so
		// that no append reaches the next read's).
		if len(read) > len(s.versionSlab) {
			s.versionSlab = make([]Version, max(slab, len(read)))
		}
		out := s.versionSlab[:len(read):len(read)]
		s.versionSlab = s.versionSlab[len(read):]
		copy(out, read)
		clear(read)
		return out, true
	}
}

func (s *scanner) meta() (*Meta, bool) {
	if len(s.metas) == 0 {
		s.metas = make([]Meta, slab)
	}
	m := &s.metas[0]
	s.metas = s.metas[1:]
	ok := s.object(func(name string) bool {
		var ok bool
		switch name {
		case "ts":
			m.TS, ok = s.int()
		case "wait":
			m.Wait, ok = s.int()
		case "bytes":
			var n int64
			n, ok = s.int()
			m.Bytes = int(n)
			ok = ok && int64(m.Bytes) == n
		case "vv":
			m.VV = map[string]uint64{}
			ok = s.object(func(node string) bool {
				var ok bool
				m.VV[node], ok = s.uint()
				return ok
			})
		case "dot":
			d := &Dot{}
			m.Dot = d
			ok = s.object(func(name string) bool {
				var ok bool
				switch name {
				case "node":
					d.Node, ok = s.interned()
				case "counter":
					d.Counter, ok = s.uint()
				}
				return ok
			})
		}
		return ok
	})
	return m, ok
}

// object reads an object, calling field for each member's value (the
// scanner at its start); field returns false for a name it does not know.
// A name given twice gives up (encoding/json would merge or replace).
func (s *scanner) object(field func(name string) bool) bool {
	if !s.eat('{') {
		return false
	}
	if s.eat('}') {
		return true
	}
	var buf [4]string // the names seen, on the stack for an object this small
	names := buf[:0]
	for {
		b, ok := s.str()
		if !ok || !s.eat(':') {
			return false
		}
		name := s.internBytes(b)
		for _, n := range names {
			if n == name {
				return false
			}
		}
		names = append(names, name)
		if !field(name) {
			return false
		}
		if s.eat(',') {
			continue
		}
		return s.eat('}')
	}
}

func (s *scanner) bool() (bool, bool) {
	s.ws()
	rest := s.b[s.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		s.i += 4
		return true, true
	case len(rest) >= 5 && string(rest[:5]) == "false":
		s.i += 5
		return false, true
	}
	return false, false
}
