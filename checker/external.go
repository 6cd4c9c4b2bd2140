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
// before it began. It returns how many acknowledged writes carried a
// timestamp, and those writes by ack (stable: in invoke order when they
// tie), which earliest starts from.
func (c *check) external(key string) (stamped int, byAck []*Write) {
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
	var top *Write // the highest-stamped write acknowledged so far
	// At most one finding for each write.
	found := make([]External, 0, len(ws))
	i := 0
	for _, w := range byStart {
		for ; i < len(byEnd) && byEnd[i].End < w.Start; i++ {
			if top == nil || stampAbove(byEnd[i], top) {
				top = byEnd[i]
			}
		}
		if top != nil && !stampAbove(w, top) {
			found = append(found, External{Key: key, Earlier: c.ref(top), Later: c.ref(w)})
		}
	}
	if byInvoke := func(a, b External) int { return cmp.Compare(a.Later.Invoke, b.Later.Invoke) }; !slices.IsSortedFunc(found, byInvoke) {
		slices.SortStableFunc(found, byInvoke)
	}
	if c.res.External == nil {
		c.res.External = found // a part's first key: no copy
	} else {
		c.res.External = append(c.res.External, found...)
	}
	return len(ws), byEnd
}
