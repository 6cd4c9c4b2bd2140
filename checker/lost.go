package checker

import (
	"slices"

	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/histories"
)

// losses is what a key's lost writes are found from, and how many there
// are (lostWrites), made before the check knows where in Result.Lost they go.
type losses struct {
	writes []*Write // the key's
	fset   []*Write // the members of F the history wrote (see finalSet)
	lost   []bool   // by Write.n: the write is lost
	after  [][]bool // after[i][n]: writes that follow fset[i]
	n      int      // lost writes
	byAck  []*Write // the acknowledged writes with a stamp, by ack (external)
}

// losses finds which of a key's writes are lost: acknowledged (or
// indeterminate and returned by a read: it happened), not in F, and
// followed by no member of F. fset is the members of F the history wrote
// (see finalSet).
func (c *check) losses(key string, fset []*Write) *losses {
	writes := c.g.byKey[key]
	covered := reach(len(writes), fset, parentsOf)
	var after [][]bool
	for _, f := range fset {
		after = append(after, reach(len(writes), []*Write{f}, kidsOf))
	}
	// A write of the key is in F when it is in fset: final asks by
	// position. covered becomes the lost writes.
	final := make([]bool, len(writes))
	for _, f := range fset {
		final[f.n] = true
	}
	n := 0
	for _, w := range writes {
		covered[w.n] = c.happened(w) && !final[w.n] && !covered[w.n]
		if covered[w.n] {
			n++
		}
	}
	return &losses{writes: writes, fset: fset, lost: covered, after: after, n: n}
}

// lostWrites appends a key's lost writes (losses) to the findings, and
// what their Whys are written from to c.whyLost.
func (c *check) lostWrites(ls *losses) {
	writes, fset, after := ls.writes, ls.fset, ls.after
	// Room for them all: a history of many losses copies none.
	c.res.Lost, c.whyLost = slices.Grow(c.res.Lost, ls.n), slices.Grow(c.whyLost, ls.n)
	var top []*Write // top[n]: the ancestor of writes[n] with the highest timestamp
	var early *earlier
	for _, w := range writes {
		if !ls.lost[w.n] {
			continue
		}
		if top == nil {
			top, early = highestAncestors(writes), earliest(ls.byAck)
		}
		l, why := c.lost(w, fset, after)
		var inverted *Write // the write w follows but was stamped below
		if a := top[w.n]; a != nil && ts(w) != 0 && stampAbove(a, w) {
			l.Inverted, inverted = c.ref(a), a
		}
		// What beat w when it was written: an acknowledged write stamped
		// above it that preceded it causally (the highest of its
		// ancestors), or else in real time (the highest of those
		// acknowledged before w began).
		if ts(w) != 0 {
			above, read := inverted, true
			if above != nil && above.Type != histories.OK {
				above = nil
			}
			if above == nil {
				above, read = early.highest(w.Start), false
				if above != nil && !stampAbove(above, w) {
					above = nil
				}
			}
			if above != nil {
				l.Above, l.AboveRead = c.ref(above), read
				l.Skew = clock.Physical(ts(w)) && clock.Physical(ts(above))
			}
		}
		c.res.Lost = append(c.res.Lost, l)
		c.whyLost = append(c.whyLost, why)
	}
}

// timing says how win relates to w in real time.
func timing(w, win *Write) Timing {
	switch {
	case win.End >= 0 && win.End < w.Start:
		return Earlier
	case w.End >= 0 && w.End < win.Start:
		return Later
	}
	return Raced
}

// earlier finds, for a moment, the acknowledged write of a key with the
// highest stamp among those acknowledged before it: the writes sorted by
// ack, and the highest stamp of each prefix.
type earlier struct {
	end []int64  // acks, ascending
	top []*Write // top[i]: the highest stamp among the first i+1
}

// earliest makes an earlier from a key's acknowledged writes with a
// stamp, sorted by ack (external's byAck).
func earliest(byAck []*Write) *earlier {
	acked := byAck
	if len(acked) > 0 && acked[0].End < 0 { // acknowledged, yet never completed: only a history made in memory says so
		acked = slices.DeleteFunc(slices.Clone(acked), func(w *Write) bool { return w.End < 0 })
	}
	e := &earlier{end: make([]int64, len(acked)), top: make([]*Write, len(acked))}
	for i, w := range acked {
		e.end[i], e.top[i] = w.End, w
		if i > 0 && !stampAbove(w, e.top[i-1]) {
			e.top[i] = e.top[i-1]
		}
	}
	return e
}

// highest is the write with the highest stamp acknowledged before t, or
// nil.
func (e *earlier) highest(t int64) *Write {
	i, _ := slices.BinarySearch(e.end, t) // the first ack at or after t
	if i == 0 {
		return nil
	}
	return e.top[i-1]
}

// lostWhy is what a lost write's Why is written from besides the finding
// (explain.Lost), kept until the check knows which lost writes it
// explains.
type lostWhy struct {
	older bool   // the winner precedes the lost write
	del   *Write // the tombstone that deleted the winner after it won
}

// highestAncestors finds, for each of a key's writes (in invoke order), the
// ancestor with the highest timestamp, in one pass: a write's ancestors were
// invoked before it.
func highestAncestors(writes []*Write) []*Write {
	top := make([]*Write, len(writes))
	for _, w := range writes {
		var best *Write
		for _, p := range w.parents {
			if p.n >= w.n {
				continue // not a possible ancestor in a well-formed history
			}
			for _, cand := range []*Write{p, top[p.n]} {
				if cand != nil && (best == nil || stampAbove(cand, best)) {
					best = cand
				}
			}
		}
		top[w.n] = best
	}
	return top
}

// lost finds why w is gone: it picks the winner among the final versions
// (one that precedes w if any, else the highest timestamp) and classifies.
// It returns the finding without its Why, and what to write it from.
func (c *check) lost(w *Write, fset []*Write, after [][]bool) (Lost, lostWhy) {
	l := Lost{Key: w.Key, Write: c.ref(w)}
	if len(fset) == 0 {
		l.Kind = Missing
		return l, lostWhy{}
	}
	var win *Write
	older := false
	for i, f := range fset {
		if after[i][w.n] {
			win, older = f, true
			break
		}
	}
	if win == nil {
		win = fset[0]
		for _, f := range fset[1:] {
			if ts(f) > ts(win) {
				win = f
			}
		}
	}
	// A tombstone that began after w was acknowledged is blamed only when
	// its client saw nothing that explains the loss better; a tombstone it
	// saw may in turn be no better, so look further back.
	var del *Write // the tombstone that deleted the winner after it won
	for win.Deleted && !older && w.Complete >= 0 && w.End < win.Start {
		a, o := c.beforeDelete(w, win)
		if a == nil {
			break
		}
		if del == nil {
			del = win
		}
		win, older = a, o
	}
	l.Winner, l.WinnerTime = c.ref(win), timing(w, win)
	switch {
	case win.Deleted:
		l.Kind = SuppressedByTombstone
		l.Until = c.until(w, win)
	case older:
		l.Kind = OverwrittenByOlder
	default:
		l.Kind = ConcurrentDropped
	}
	return l, lostWhy{older: older, del: del}
}

// beforeDelete looks for what w, acknowledged before the delete d began,
// really lost to: a write d's client had read (or one it follows) that
// outranks w and precedes it (older reports true) or, failing that, is
// concurrent with it. It returns nil when d's client saw nothing that
// explains the loss: then d itself suppressed w.
func (c *check) beforeDelete(w, d *Write) (*Write, bool) {
	writes := c.g.byKey[w.Key]
	past := reach(len(writes), []*Write{d}, parentsOf)
	var prec, conc *Write
	for _, a := range writes {
		if !past[a.n] || a == w || !outranks(a, w) {
			continue
		}
		switch {
		case c.g.Precedes(a, w):
			prec = a // writes come in invoke order: the last is the latest
		case !c.g.Precedes(w, a) && (conc == nil || ts(a) > ts(conc)):
			conc = a
		}
	}
	if prec != nil {
		return prec, true
	}
	return conc, false
}

// outranks reports whether a's timestamp is above w's, or either is unknown.
func outranks(a, w *Write) bool { return ts(a) == 0 || ts(w) == 0 || ts(a) > ts(w) }

// until is the earliest true time at which a clock on true time reaches
// tombstone d's stamp: until then d outranks every write such a clock
// stamps, and the key stays dead. It is 0 when the history's stamps are not
// physical clock readings, or when that moment is not after w's ack (d is no
// far-future tombstone for w: w lost to it because its own clock was behind).
func (c *check) until(w, d *Write) int64 {
	if !c.physical || ts(d) == 0 {
		return 0
	}
	if u := ts(d) - c.epoch.Max; u > w.End {
		return u
	}
	return 0
}

// epoch is what a history's stamps tell of the clocks' reading at true
// time 0: it lies between Min and Max.
type epoch struct{ Min, Max int64 }

// epochOf bounds the clock reading at true time 0 that the history's stamps
// imply. A physical stamp is that reading + t + offset, for the true time t
// at which the write was stamped, between its invoke and its ack; so each
// acknowledged write with a stamp and an offset bounds the reading, and the
// bounds of every write must overlap. When they do not (logical clocks, or
// no stamps at all), ok is false.
func epochOf(ops []*Op) (e epoch, ok bool) {
	for _, op := range ops {
		if !op.isWrite() || op.Type != histories.OK ||
			op.Meta == nil || op.Meta.TS == 0 || op.Offset == nil {
			continue
		}
		base := op.Meta.TS - *op.Offset
		lo, hi := base-op.End, base-op.Start
		if ok {
			lo, hi = max(lo, e.Min), min(hi, e.Max)
		}
		e, ok = epoch{lo, hi}, true
	}
	return e, ok && e.Min <= e.Max
}

// stampAbove reports whether a's stamp is above b's as the register
// strategies compare them: by timestamp, then by the node that stamped it.
func stampAbove(a, b *Write) bool {
	return ts(a) > ts(b) || (ts(a) == ts(b) && a.Node > b.Node)
}

func ts(w *Write) int64 {
	if w.Meta == nil {
		return 0
	}
	return w.Meta.TS
}
