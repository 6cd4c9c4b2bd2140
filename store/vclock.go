package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Order is the causal relation between two clocks.
type Order int

const (
	Equal      Order = iota // the same history
	Before                  // the receiver happened before the argument
	After                   // the receiver happened after the argument
	Concurrent              // neither descends the other
)

func (o Order) String() string {
	switch o {
	case Equal:
		return "equal"
	case Before:
		return "before"
	case After:
		return "after"
	case Concurrent:
		return "concurrent"
	}
	return fmt.Sprintf("Order(%d)", int(o))
}

// Entry is one actor's counter in a version vector.
type Entry struct {
	Node    string
	Counter uint64
}

// VV is a version vector: one counter per actor, kept sorted by actor and
// without zero counters, so equal vectors have equal representations. A VV is
// a value: every method returns a new vector and never changes its receiver.
type VV []Entry

// Get returns node's counter, 0 when node has no entry.
func (v VV) Get(node string) uint64 {
	i, ok := slices.BinarySearchFunc(v, node, func(e Entry, n string) int { return strings.Compare(e.Node, n) })
	if !ok {
		return 0
	}
	return v[i].Counter
}

// Set returns a copy of v with node's counter set to c.
func (v VV) Set(node string, c uint64) VV {
	i, ok := slices.BinarySearchFunc(v, node, func(e Entry, n string) int { return strings.Compare(e.Node, n) })
	out := make(VV, 0, len(v)+1)
	out = append(out, v[:i]...)
	if c > 0 {
		out = append(out, Entry{node, c})
	}
	if ok {
		i++
	}
	return append(out, v[i:]...)
}

// Inc returns a copy of v with node's counter advanced by one.
func (v VV) Inc(node string) VV { return v.Set(node, v.Get(node)+1) }

// Merge returns the join of v and w: the entry-wise maximum.
func (v VV) Merge(w VV) VV {
	out := make(VV, 0, max(len(v), len(w)))
	i, j := 0, 0
	for i < len(v) && j < len(w) {
		switch c := strings.Compare(v[i].Node, w[j].Node); {
		case c < 0:
			out = append(out, v[i])
			i++
		case c > 0:
			out = append(out, w[j])
			j++
		default:
			out = append(out, Entry{v[i].Node, max(v[i].Counter, w[j].Counter)})
			i++
			j++
		}
	}
	out = append(out, v[i:]...)
	return append(out, w[j:]...)
}

// Compare returns how v relates to w.
func (v VV) Compare(w VV) Order {
	less, greater := false, false // some entry of v is below / above w's
	i, j := 0, 0
	for i < len(v) || j < len(w) {
		var a, b uint64
		switch {
		case j == len(w) || (i < len(v) && v[i].Node < w[j].Node):
			a = v[i].Counter
			i++
		case i == len(v) || w[j].Node < v[i].Node:
			b = w[j].Counter
			j++
		default:
			a, b = v[i].Counter, w[j].Counter
			i++
			j++
		}
		if a < b {
			less = true
		} else if a > b {
			greater = true
		}
		if less && greater {
			return Concurrent
		}
	}
	switch {
	case less:
		return Before
	case greater:
		return After
	}
	return Equal
}

// Descends reports whether v has seen everything w has (v ≥ w).
func (v VV) Descends(w VV) bool {
	o := v.Compare(w)
	return o == Equal || o == After
}

// AppendBinary appends v's compact binary encoding to b: the number of
// entries, then each entry's length-prefixed actor name and its counter, all
// as unsigned varints. It implements encoding.BinaryAppender and never fails.
func (v VV) AppendBinary(b []byte) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(len(v)))
	for _, e := range v {
		b = appendName(b, e.Node)
		b = binary.AppendUvarint(b, e.Counter)
	}
	return b, nil
}

// String formats v as {n1:2 n2:1}.
func (v VV) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, e := range v {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s:%d", e.Node, e.Counter)
	}
	b.WriteByte('}')
	return b.String()
}

// MarshalJSON encodes v as an object from actor to counter.
func (v VV) MarshalJSON() ([]byte, error) {
	m := make(map[string]uint64, len(v))
	for _, e := range v {
		m[e.Node] = e.Counter
	}
	return json.Marshal(m)
}

// UnmarshalJSON decodes an object from actor to counter.
func (v *VV) UnmarshalJSON(b []byte) error {
	var m map[string]uint64
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*v = FromMap(m)
	return nil
}

// FromMap builds a VV from a map of counters.
func FromMap(m map[string]uint64) VV {
	v := make(VV, 0, len(m))
	for n, c := range m {
		if c > 0 {
			v = append(v, Entry{n, c})
		}
	}
	slices.SortFunc(v, func(a, b Entry) int { return strings.Compare(a.Node, b.Node) })
	return v
}

// Map returns v as a map from actor to counter.
func (v VV) Map() map[string]uint64 {
	m := make(map[string]uint64, len(v))
	for _, e := range v {
		m[e.Node] = e.Counter
	}
	return m
}
