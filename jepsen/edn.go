package jepsen

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/clockwise-kv/clockwise/histories"
)

// This file is a small reader for EDN as Clojure's printer writes it, which
// is what Jepsen writes: nil, booleans, numbers, strings, characters,
// keywords (namespaced too), symbols, lists, vectors, maps, sets, tagged
// values (#jepsen.history.Op{...}, #inst "...", #object[...]), #_ discards
// and ; comments. Every value remembers the line it starts on, so a caller
// can name the line of a malformed operation and of the field at fault.
//
// A decimal integer is kept in canonical form (3, 3N and +3 are the same
// value); other number-like tokens (floats, ratios, 2.5M, the 0x1234abcd
// identity hashes inside #object[...], ##Inf) are kept as written.

// ednKind is the kind of an EDN value.
type ednKind uint8

const (
	ednNil ednKind = iota
	ednBool
	ednInt     // text: canonical decimal
	ednNumber  // text: as written
	ednString  // text: the decoded string
	ednChar    // text: the character's name as written (a, newline, u00e9)
	ednKeyword // text: without the leading ':'
	ednSymbol
	ednList
	ednVector
	ednMap    // items: key, value, key, value...
	ednSet    // items: the members in the order written
	ednTagged // text: the tag without '#'; items: the one tagged value
)

// ednNode is one EDN value and the line it starts on (from 1).
type ednNode struct {
	kind  ednKind
	text  string
	items []ednNode
	line  int
}

// maxDepth bounds how deeply collections may nest, so that hostile input
// ends in an error instead of a stack that grows without bound.
const maxDepth = 256

// String prints n back as EDN, canonically: the same value always prints
// the same way, and different values print differently.
func (n ednNode) String() string {
	var b strings.Builder
	n.write(&b)
	return b.String()
}

func (n ednNode) write(b *strings.Builder) {
	switch n.kind {
	case ednNil:
		b.WriteString("nil")
	case ednBool, ednInt, ednNumber, ednSymbol:
		b.WriteString(n.text)
	case ednString:
		quote(b, n.text)
	case ednChar:
		b.WriteString(`\` + n.text)
	case ednKeyword:
		b.WriteString(":" + n.text)
	case ednList, ednVector, ednSet:
		open, end := "(", ")"
		switch n.kind {
		case ednVector:
			open, end = "[", "]"
		case ednSet:
			open, end = "#{", "}"
		}
		b.WriteString(open)
		for i, it := range n.items {
			if i > 0 {
				b.WriteByte(' ')
			}
			it.write(b)
		}
		b.WriteString(end)
	case ednMap:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.items); i += 2 {
			if i > 0 {
				b.WriteString(", ")
			}
			n.items[i].write(b)
			b.WriteByte(' ')
			n.items[i+1].write(b)
		}
		b.WriteByte('}')
	case ednTagged:
		b.WriteString("#" + n.text + " ")
		if len(n.items) == 1 {
			n.items[0].write(b)
		}
	}
}

// quote writes s as an EDN string.
func quote(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteRune('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// String names a kind, for error messages.
func (k ednKind) String() string {
	return [...]string{"nil", "a boolean", "an integer", "a number", "a string", "a character",
		"a keyword", "a symbol", "a list", "a vector", "a map", "a set", "a tagged value"}[k]
}

// get returns the value of map n under keyword key, and whether it is
// there.
func (n ednNode) get(key string) (ednNode, bool) {
	for i := 0; i+1 < len(n.items); i += 2 {
		if k := n.items[i]; k.kind == ednKeyword && k.text == key {
			return n.items[i+1], true
		}
	}
	return ednNode{}, false
}

// ednReader reads EDN values one after another from a stream.
type ednReader struct {
	r     io.RuneScanner
	line  int // the line of the next rune
	depth int
}

// newEDNReader reads r, whose first line is line. A reader that reads
// runes itself (a strings.Reader, a bufio.Reader) is read without another
// buffer.
func newEDNReader(r io.Reader, line int) *ednReader {
	rs, ok := r.(io.RuneScanner)
	if !ok {
		rs = bufio.NewReader(r)
	}
	return &ednReader{r: rs, line: line}
}

// errAt is a malformed-input error at line.
func errAt(line int, format string, args ...any) error {
	return &histories.LineError{Line: line, Err: fmt.Errorf(format, args...)}
}

// read returns the next rune; io.EOF at the end.
func (d *ednReader) read() (rune, error) {
	r, size, err := d.r.ReadRune()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return 0, io.EOF
		}
		return 0, errAt(d.line, "%w", err)
	}
	if r == utf8.RuneError && size == 1 {
		return 0, errAt(d.line, "invalid UTF-8")
	}
	if r == '\n' {
		d.line++
	}
	return r, nil
}

// unread puts back the rune read last.
func (d *ednReader) unread(r rune) {
	_ = d.r.UnreadRune() // cannot fail right after a successful ReadRune
	if r == '\n' {
		d.line--
	}
}

func isSpace(r rune) bool {
	return r == ',' || r == '\uFEFF' || unicode.IsSpace(r)
}

func isDelim(r rune) bool {
	return isSpace(r) || strings.ContainsRune(`()[]{}";`, r)
}

// skip skips whitespace, commas and comments, and returns the next rune
// without consuming it (io.EOF at the end).
func (d *ednReader) skip() (rune, error) {
	for {
		r, err := d.read()
		if err != nil {
			return 0, err
		}
		switch {
		case r == ';':
			for r != '\n' {
				if r, err = d.read(); err != nil {
					return 0, err
				}
			}
		case isSpace(r):
		default:
			d.unread(r)
			return r, nil
		}
	}
}

// next reads the next value; io.EOF when only whitespace and comments are
// left.
func (d *ednReader) next() (ednNode, error) {
	for {
		if _, err := d.skip(); err != nil {
			return ednNode{}, err
		}
		n, discarded, err := d.value()
		if err != nil || !discarded {
			return n, err
		}
	}
}

// each calls fn on every value left, in order, and stops at the first
// error.
func (d *ednReader) each(fn func(ednNode) error) error {
	for {
		n, err := d.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(n); err != nil {
			return err
		}
	}
}

// mustNext reads the next value where one is required: inside a
// collection or after a tag. what names the context for the error.
func (d *ednReader) mustNext(line int, what string) (ednNode, error) {
	n, err := d.next()
	if errors.Is(err, io.EOF) {
		return n, errAt(line, "%s ends before its value", what)
	}
	return n, err
}

// value reads the value that starts at the next rune. discarded reports a
// #_ discard, which reads the value after it and yields nothing.
func (d *ednReader) value() (n ednNode, discarded bool, err error) {
	line := d.line
	r, err := d.read()
	if err != nil {
		return n, false, err
	}
	switch {
	case r == '(':
		n, err = d.coll(ednList, ')', line)
	case r == '[':
		n, err = d.coll(ednVector, ']', line)
	case r == '{':
		n, err = d.coll(ednMap, '}', line)
	case r == ')' || r == ']' || r == '}':
		err = errAt(line, "unexpected '%c'", r)
	case r == '"':
		n, err = d.str(line)
	case r == '\\':
		n, err = d.char(line)
	case r == '#':
		return d.dispatch(line)
	default:
		d.unread(r)
		var tok string
		if tok, err = d.token(); err == nil {
			n, err = atom(tok, line)
		}
	}
	return n, false, err
}

// coll reads the members of a list, vector, map or set up to end.
func (d *ednReader) coll(kind ednKind, end rune, line int) (ednNode, error) {
	if d.depth >= maxDepth {
		return ednNode{}, errAt(line, "values nested deeper than %d", maxDepth)
	}
	d.depth++
	defer func() { d.depth-- }()
	n := ednNode{kind: kind, line: line}
	for {
		r, err := d.skip()
		if errors.Is(err, io.EOF) {
			return n, errAt(line, "%s opened here is never closed (expected '%c')", kind, end)
		}
		if err != nil {
			return n, err
		}
		if r == end {
			_, _ = d.read()
			break
		}
		if r == ')' || r == ']' || r == '}' {
			return n, errAt(d.line, "'%c' closes %s opened on line %d, which expects '%c'", r, kind, line, end)
		}
		it, discarded, err := d.value()
		if err != nil {
			return n, err
		}
		if !discarded {
			n.items = append(n.items, it)
		}
	}
	if kind == ednMap && len(n.items)%2 != 0 {
		return n, errAt(line, "map has a key without a value")
	}
	return n, nil
}

// dispatch reads what follows '#': a set, a discard, a symbolic number or
// a tagged value.
func (d *ednReader) dispatch(line int) (ednNode, bool, error) {
	r, err := d.read()
	if errors.Is(err, io.EOF) {
		return ednNode{}, false, errAt(line, "'#' at the end of the input")
	}
	if err != nil {
		return ednNode{}, false, err
	}
	switch {
	case r == '{':
		n, err := d.coll(ednSet, '}', line)
		return n, false, err
	case r == '_':
		if d.depth >= maxDepth {
			return ednNode{}, false, errAt(line, "values nested deeper than %d", maxDepth)
		}
		d.depth++
		_, err := d.mustNext(line, "#_")
		d.depth--
		return ednNode{}, true, err
	case r == '#': // ##Inf, ##-Inf, ##NaN
		tok, err := d.token()
		if err != nil {
			return ednNode{}, false, err
		}
		if tok != "Inf" && tok != "-Inf" && tok != "NaN" {
			return ednNode{}, false, errAt(line, "unknown symbolic value ##%s", tok)
		}
		return ednNode{kind: ednNumber, text: "##" + tok, line: line}, false, nil
	case unicode.IsLetter(r):
		d.unread(r)
		tag, err := d.token()
		if err != nil {
			return ednNode{}, false, err
		}
		if d.depth >= maxDepth {
			return ednNode{}, false, errAt(line, "values nested deeper than %d", maxDepth)
		}
		d.depth++
		v, err := d.mustNext(line, "#"+tag)
		d.depth--
		return ednNode{kind: ednTagged, text: tag, items: []ednNode{v}, line: line}, false, err
	}
	return ednNode{}, false, errAt(line, "unsupported '#%c' (not EDN)", r)
}

// token reads up to the next delimiter.
func (d *ednReader) token() (string, error) {
	var b strings.Builder
	for {
		r, err := d.read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", err
		}
		if isDelim(r) {
			d.unread(r)
			break
		}
		b.WriteRune(r)
	}
	return b.String(), nil
}

// atom turns a token into nil, a boolean, a number, a keyword or a symbol.
func atom(tok string, line int) (ednNode, error) {
	n := ednNode{text: tok, line: line}
	switch {
	case tok == "":
		return n, errAt(line, "unexpected character")
	case tok == "nil":
		n.kind = ednNil
	case tok == "true" || tok == "false":
		n.kind = ednBool
	case tok[0] == ':':
		if len(tok) == 1 || tok[1] == ':' {
			return n, errAt(line, "malformed keyword %q", tok)
		}
		n.kind, n.text = ednKeyword, tok[1:]
	case isDigit(tok[0]) || (len(tok) > 1 && (tok[0] == '+' || tok[0] == '-') && isDigit(tok[1])):
		n.kind = ednNumber
		if i, ok := decimal(tok); ok {
			n.kind, n.text = ednInt, i
		}
	default:
		n.kind = ednSymbol
	}
	return n, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// decimal returns the canonical form of a decimal integer token (an
// optional sign, digits without a leading zero, an optional N).
func decimal(tok string) (string, bool) {
	s := strings.TrimSuffix(tok, "N")
	digits := strings.TrimLeft(s, "+-")
	if len(s)-len(digits) > 1 || digits == "" || (len(digits) > 1 && digits[0] == '0') {
		return "", false
	}
	for i := 0; i < len(digits); i++ {
		if !isDigit(digits[i]) {
			return "", false
		}
	}
	var i big.Int
	if _, ok := i.SetString(s, 10); !ok {
		return "", false
	}
	return i.String(), true
}

// str reads a string up to its closing quote.
func (d *ednReader) str(line int) (ednNode, error) {
	var b strings.Builder
	for {
		r, err := d.read()
		if errors.Is(err, io.EOF) {
			return ednNode{}, errAt(line, "string opened here is never closed")
		}
		if err != nil {
			return ednNode{}, err
		}
		switch r {
		case '"':
			return ednNode{kind: ednString, text: b.String(), line: line}, nil
		case '\\':
			esc, err := d.read()
			if errors.Is(err, io.EOF) {
				return ednNode{}, errAt(line, "string opened here is never closed")
			}
			if err != nil {
				return ednNode{}, err
			}
			switch esc {
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'n':
				b.WriteByte('\n')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case '\\', '"':
				b.WriteRune(esc)
			case 'u':
				var hex [4]rune
				for i := range hex {
					if hex[i], err = d.read(); err != nil {
						return ednNode{}, errAt(d.line, "\\u needs four hexadecimal digits")
					}
				}
				c, perr := strconv.ParseUint(string(hex[:]), 16, 32)
				if perr != nil {
					return ednNode{}, errAt(d.line, "\\u needs four hexadecimal digits, got %q", string(hex[:]))
				}
				b.WriteRune(rune(c))
			default:
				return ednNode{}, errAt(d.line, "unknown escape \\%c in a string", esc)
			}
		default:
			b.WriteRune(r)
		}
	}
}

// char reads a character literal after its backslash: \a, \newline,
// \u00e9.
func (d *ednReader) char(line int) (ednNode, error) {
	r, err := d.read()
	if errors.Is(err, io.EOF) || (err == nil && isSpace(r)) {
		return ednNode{}, errAt(line, "a backslash must be followed by a character")
	}
	if err != nil {
		return ednNode{}, err
	}
	name := string(r)
	if !isDelim(r) {
		rest, err := d.token()
		if err != nil {
			return ednNode{}, err
		}
		name += rest
	}
	if utf8.RuneCountInString(name) > 1 {
		switch {
		case name == "newline", name == "space", name == "tab", name == "return",
			name == "formfeed", name == "backspace":
		case len(name) == 5 && name[0] == 'u':
			if _, err := strconv.ParseUint(name[1:], 16, 32); err != nil {
				return ednNode{}, errAt(line, "unknown character \\%s", name)
			}
		default:
			return ednNode{}, errAt(line, "unknown character \\%s", name)
		}
	}
	return ednNode{kind: ednChar, text: name, line: line}, nil
}
