package checker

import (
	"cmp"
	"slices"

	"github.com/clockwise-kv/clockwise/histories"
)

// external checks external consistency for the writes that carry a
// timestamp (register strategies: meta.ts): for two acknowledged writes to
// a key where one completed before the other began, in true time, the later
// one must carry the strictly larger stamp, compared as the store compares
// them: (timestamp, node), the node breaking ties between equal timestamps
// (equal Lamport counters). Each later write that breaks
// this is reported once, against the highest-stamped write acknowledged
// before it began.
//
// It orders the key's stamped writes and counts the violations: the
// acknowledged writes that carried a timestamp by ack (stable: in invoke
// order when they tie) are what lost writes' earliest starts from, and
// the count is the room keysAside gives describe in Result.External.
func (c *check) external(key string) *stamps {
	ws := make([]*Write, 0, len(c.g.byKey[key]))
	for _, w := range c.g.byKey[key] {
		if w.Type == histories.OK && ts(w) != 0 {
			ws = append(ws, w)
		}
	}
	byEnd := slices.Clone(ws)
	slices.SortStableFunc(byEnd, func(a, b *Write) int { return cmp.Compare(a.End, b.End) })
	// The writes come in invoke order, which is by start in a history
	// whose time never goes backwards, as a decoded one's never does.
	byStart := ws
	if !slices.IsSortedFunc(ws, func(a, b *Write) int { return cmp.Compare(a.Start, b.Start) }) {
		byStart = slices.Clone(ws)
		slices.SortStableFunc(byStart, func(a, b *Write) int { return cmp.Compare(a.Start, b.Start) })
	}
	s := &stamps{key: key, byStart: byStart, byAck: byEnd}
	s.violations(func(_, _ *Write) { s.n++ })
	return s
}

// stamps are a key's acknowledged writes that carry a timestamp, in the
// orders external checks them in, and how many violations they hold.
type stamps struct {
	key     string
	byStart []*Write
	byAck   []*Write
	n       int
}

// violations calls found with each later write that breaks external
// consistency and the write it is reported against, in start order.
func (s *stamps) violations(found func(earlier, later *Write)) {
	var top *Write // the highest-stamped write acknowledged so far
	i := 0
	for _, w := range s.byStart {
		for ; i < len(s.byAck) && s.byAck[i].End < w.Start; i++ {
			if top == nil || stampAbove(s.byAck[i], top) {
				top = s.byAck[i]
			}
		}
		if top != nil && !stampAbove(w, top) {
			found(top, w) // at most one finding for each write
		}
	}
}

// describe appends the key's violations to the part's External, which
// has room for them, in invoke order.
func (c *check) describe(s *stamps) {
	at := len(c.res.External)
	s.violations(func(earlier, later *Write) {
		c.res.External = append(c.res.External, External{Key: s.key, Earlier: c.ref(earlier), Later: c.ref(later)})
	})
	found := c.res.External[at:]
	if byInvoke := func(a, b External) int { return cmp.Compare(a.Later.Invoke, b.Later.Invoke) }; !slices.IsSortedFunc(found, byInvoke) {
		slices.SortStableFunc(found, byInvoke)
	}
}
