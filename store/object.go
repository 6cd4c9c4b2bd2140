package store

import (
	"encoding/binary"
	"slices"
	"strings"

	"github.com/clockwise-kv/clockwise/internal/wire"
)

// Version is what a client sees of one stored write: its unique id, its value
// and whether it is a tombstone. It is the history's and the node protocol's
// type too (package internal/wire defines it once).
type Version = wire.Version

// Dot names one event: the Counter-th write coordinated by Node.
type Dot = wire.Dot

// Sibling is a stored version with the metadata its strategy attached.
type Sibling struct {
	Version
	TS   int64  `json:"ts,omitempty"`   // physical or logical timestamp (lww, lamport, truetime)
	Node string `json:"node,omitempty"` // coordinator, the timestamp's tie-breaker
	Dot  Dot    `json:"dot,omitzero"`   // the event that wrote it (dvv)
}

// Object is everything a replica stores for one key: the surviving siblings
// and, for causal strategies, a clock covering them. Objects are values: a
// strategy returns a new Object and never changes one it was given, so an
// Object can be shared between replicas and messages without copying.
type Object struct {
	Siblings []Sibling `json:"siblings"`
	Clock    VV        `json:"clock,omitempty"`
	// Bumped is, for strategies that prune their clock by age (vv-pruned),
	// the local clock reading at which each Clock entry was last advanced,
	// kept as a VV of nanosecond readings with the same actors as Clock.
	// Empty for every other strategy.
	Bumped VV `json:"bumped,omitempty"`
}

// Versions returns the client-visible versions of o's siblings.
func (o Object) Versions() []Version {
	vs := make([]Version, len(o.Siblings))
	for i, s := range o.Siblings {
		vs[i] = s.Version
	}
	return vs
}

// Equal reports whether o and p hold the same siblings, clock and bump
// times.
func (o Object) Equal(p Object) bool {
	return slices.Equal(o.Siblings, p.Siblings) && o.Clock.Compare(p.Clock) == Equal && o.Bumped.Compare(p.Bumped) == Equal
}

// AppendMeta appends o's causal metadata in a compact binary encoding: the
// clock (VV.AppendBinary); then, when o carries bump times, one varint time
// per clock entry in clock order; then each sibling's timestamp with its
// node (when set) and its dot (when set), as varints and length-prefixed
// actor names. Values and write ids are not metadata and are not encoded.
func (o Object) AppendMeta(b []byte) []byte {
	b, _ = o.Clock.AppendBinary(b)
	if len(o.Bumped) > 0 {
		for _, e := range o.Clock {
			b = binary.AppendVarint(b, int64(o.Bumped.Get(e.Node)))
		}
	}
	for _, s := range o.Siblings {
		if s.TS != 0 {
			b = binary.AppendVarint(b, s.TS)
			b = appendName(b, s.Node)
		}
		if s.Dot.Counter != 0 {
			b = appendName(b, s.Dot.Node)
			b = binary.AppendUvarint(b, s.Dot.Counter)
		}
	}
	return b
}

// MetaBytes is the size of o's causal metadata: the length of AppendMeta's
// encoding.
func (o Object) MetaBytes() int {
	var buf [256]byte
	return len(o.AppendMeta(buf[:0]))
}

func appendName(b []byte, name string) []byte {
	b = binary.AppendUvarint(b, uint64(len(name)))
	return append(b, name...)
}

// bySibling orders siblings by write id, the canonical order of an Object.
func bySibling(a, b Sibling) int { return strings.Compare(a.Write, b.Write) }

// union returns the siblings of a and b, one per write id, in canonical order.
// When both hold a write, a's copy is kept.
func union(a, b []Sibling) []Sibling {
	out := make([]Sibling, 0, len(a)+len(b))
	out = append(out, a...)
	for _, s := range b {
		if !slices.ContainsFunc(a, func(t Sibling) bool { return t.Write == s.Write }) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, bySibling)
	return out
}
