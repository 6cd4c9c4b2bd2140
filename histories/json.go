package histories

import (
	"maps"
	"slices"
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends e's JSON encoding (without a newline) to b. Field order
// is fixed and maps are written with sorted keys, so equal events always
// encode to equal bytes.
func (e *Event) AppendJSON(b []byte) []byte {
	b = append(b, `{"index":`...)
	b = strconv.AppendInt(b, int64(e.Index), 10)
	b = append(b, `,"time":`...)
	b = strconv.AppendInt(b, e.Time, 10)
	b = appendField(b, "process", e.Process, true)
	b = appendField(b, "type", string(e.Type), true)
	b = appendField(b, "f", string(e.F), true)
	b = appendField(b, "key", e.Key, false)
	b = appendField(b, "node", e.Node, false)
	b = appendField(b, "write", e.Write, false)
	switch {
	case e.Params != nil:
		b = append(b, `,"value":`...)
		b = appendStringMap(b, e.Params)
	case e.Value != "" || (e.F == Write && e.Type == Invoke):
		b = appendField(b, "value", e.Value, true)
	}
	if e.Context != nil || (e.Type == Invoke && e.IsWrite()) {
		b = append(b, `,"context":[`...)
		for i, c := range e.Context {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, c)
		}
		b = append(b, ']')
	}
	if e.Versions != nil || (e.Type == OK && e.F == Read) {
		b = append(b, `,"versions":[`...)
		for i, v := range e.Versions {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"write":`...)
			b = appendString(b, v.Write)
			b = append(b, `,"value":`...)
			b = appendString(b, v.Value)
			b = append(b, `,"deleted":`...)
			b = strconv.AppendBool(b, v.Deleted)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if e.Meta != nil {
		b = append(b, `,"meta":`...)
		b = appendMeta(b, e.Meta)
	}
	b = appendField(b, "error", e.Error, false)
	if e.Offset != nil {
		b = append(b, `,"offset":`...)
		b = strconv.AppendInt(b, *e.Offset, 10)
	}
	return append(b, '}')
}

// appendMeta appends m's JSON encoding: fields in order, each left out
// when zero (a VV that is empty but not nil is written as {}).
func appendMeta(b []byte, m *Meta) []byte {
	b = append(b, '{')
	first := true
	sep := func(name string) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, name)
		b = append(b, ':')
	}
	if m.TS != 0 {
		sep("ts")
		b = strconv.AppendInt(b, m.TS, 10)
	}
	if m.VV != nil {
		sep("vv")
		b = append(b, '{')
		var buf [8]string // the nodes of a cluster this small sort on the stack
		nodes := buf[:0]
		for k := range m.VV {
			nodes = append(nodes, k)
		}
		slices.Sort(nodes)
		for i, k := range nodes {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = strconv.AppendUint(b, m.VV[k], 10)
		}
		b = append(b, '}')
	}
	if m.Dot != nil {
		sep("dot")
		b = append(b, `{"node":`...)
		b = appendString(b, m.Dot.Node)
		b = append(b, `,"counter":`...)
		b = strconv.AppendUint(b, m.Dot.Counter, 10)
		b = append(b, '}')
	}
	if m.Wait != 0 {
		sep("wait")
		b = strconv.AppendInt(b, m.Wait, 10)
	}
	if m.Bytes != 0 {
		sep("bytes")
		b = strconv.AppendInt(b, int64(m.Bytes), 10)
	}
	return append(b, '}')
}

func appendField(b []byte, name, v string, always bool) []byte {
	if v == "" && !always {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendString(b, v)
}

func appendStringMap(b []byte, m map[string]string) []byte {
	b = append(b, '{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, m[k])
	}
	return append(b, '}')
}

const hex = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, as
// encoding/json does.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
