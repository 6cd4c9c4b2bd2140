package store

import "strings"

func init() {
	Register("lww", func(node string, _ Options) Strategy { return &LWW{node: node} })
}

// LWW is wall-clock last-write-wins: the coordinator stamps a write with its
// own physical clock and the highest (timestamp, node, write) survives. A
// write stamped lower than what the replica holds is acknowledged and then
// silently discarded: the highest timestamp belongs to the fastest clock,
// not to the latest write.
type LWW struct{ node string }

func (*LWW) Name() string { return "lww" }

func (s *LWW) Put(obj Object, w Write, now int64) (Object, Stamp) {
	sib := Sibling{Version: w.Version, TS: now, Node: s.node}
	return Object{Siblings: []Sibling{highest(obj.Siblings, sib)}}, Stamp{Meta: Meta{TS: now}}
}

func (*LWW) Merge(local, remote Object) Object { return mergeHighest(local, remote) }

func (*LWW) Read(obj Object) ([]Version, Context) { return readHighest(obj) }

// mergeHighest merges two single-version registers (lww, lamport,
// truetime): the highest (timestamp, node, write) survives.
func mergeHighest(local, remote Object) Object {
	if len(remote.Siblings) == 0 {
		return local
	}
	return Object{Siblings: register(local.Siblings, remote.Siblings)}
}

// register returns the single-version register of the highest of the
// stored register and the first of in, sharing either's slice when that is
// the winner.
func register(stored, in []Sibling) []Sibling {
	switch h := highest(stored, in[0]); {
	case len(stored) == 1 && h == stored[0]:
		return stored
	case len(in) == 1 && h == in[0]:
		return in
	default:
		return []Sibling{h}
	}
}

// readHighest reads a single-version register: its version, and its
// timestamp as the context.
func readHighest(obj Object) ([]Version, Context) {
	var ts int64
	if len(obj.Siblings) > 0 {
		ts = obj.Siblings[0].TS
	}
	return obj.Versions(), Context{TS: ts}
}

// highest returns the sibling with the highest (TS, Node, Write) among s and
// the stored single-version register (empty or one sibling).
func highest(stored []Sibling, s Sibling) Sibling {
	if len(stored) == 0 {
		return s
	}
	cur := stored[0]
	switch {
	case s.TS != cur.TS:
		if s.TS > cur.TS {
			return s
		}
	case s.Node != cur.Node:
		if s.Node > cur.Node {
			return s
		}
	case strings.Compare(s.Write, cur.Write) > 0:
		return s
	}
	return cur
}
