package checker

import (
	"fmt"
	"strings"

	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/histories"
)

// The Why of each finding: results.json carries it, so the checker writes
// it, in the words the report shows.

func clockOf(w *Write) string {
	return fmt.Sprintf("%s's clock %s", w.Node, clock.Offset(w.Offset))
}

// explain says why w was lost to win. del, if not nil, is a tombstone that
// deleted win after it had won (del's client read win, not w); until is
// Lost.Until.
func explain(kind LostKind, w, win *Write, older bool, del *Write, until int64) string {
	var b strings.Builder
	stamps := ts(w) != 0 && ts(win) != 0
	survived := "survived"
	if del != nil {
		survived = "won"
	}
	switch kind {
	case OverwrittenByOlder:
		fmt.Fprintf(&b, "%s follows %s: %s had read it (or a write that follows it) before writing. Yet %s %s", w.Write, win.Write, w.Process, win.Write, survived)
		if stamps {
			fmt.Fprintf(&b, ", because its timestamp %d is higher than %s's %d by %s: %s was stamped by %s, %s by %s. The highest timestamp belongs to the fastest clock, not to the latest write.",
				ts(win), w.Write, ts(w), clock.Delta(ts(win), ts(w), 0), win.Write, clockOf(win), w.Write, clockOf(w))
		} else {
			fmt.Fprintf(&b, " and the causally newer %s was discarded.", w.Write)
		}
	case ConcurrentDropped:
		fmt.Fprintf(&b, "%s and %s were concurrent: neither client had read the other's write. Both were acknowledged, yet the store kept only %s", w.Write, win.Write, win.Write)
		if stamps {
			fmt.Fprintf(&b, " (timestamp %d, %s, against %d, %s)", ts(win), clockOf(win), ts(w), clockOf(w))
		}
		fmt.Fprintf(&b, " and silently dropped %s instead of keeping both as siblings.", w.Write)
	case SuppressedByTombstone:
		switch {
		case older:
			fmt.Fprintf(&b, "%s follows the delete %s: %s had read the tombstone before writing over it. Yet the tombstone %s", w.Write, win.Write, w.Process, survived)
		case w.Start > win.End && win.End >= 0:
			fmt.Fprintf(&b, "%s was written after the delete %s had completed, without reading it (concurrent). Yet the tombstone %s", w.Write, win.Write, survived)
		case w.End < win.Start && w.End >= 0:
			fmt.Fprintf(&b, "%s was acknowledged before the delete %s began, but the delete's client never read it (concurrent). Yet the tombstone %s", w.Write, win.Write, survived)
		default:
			fmt.Fprintf(&b, "%s and the delete %s were concurrent: neither client had read the other's. Yet the tombstone %s", w.Write, win.Write, survived)
		}
		if stamps {
			fmt.Fprintf(&b, ": its timestamp %d (%s) is above %s's %d (%s) by %s", ts(win), clockOf(win), w.Write, ts(w), clockOf(w), clock.Delta(ts(win), ts(w), 0))
			if until > 0 {
				fmt.Fprintf(&b, ", so the key stays dead until at least %s, when clocks on true time reach it", clock.Seconds(until))
			} else {
				fmt.Fprintf(&b, ", so %s loses to it until its clock passes that timestamp", w.Node)
			}
		}
		fmt.Fprintf(&b, ". %s was acknowledged and then suppressed.", w.Write)
	}
	if del != nil {
		fmt.Fprintf(&b, " Later the delete %s removed %s: its client had read %s, not %s, so the delete did not suppress %s.", del.Write, win.Write, win.Write, w.Write, w.Write)
	}
	return b.String()
}

// inverted says that w was stamped below a, a write it follows.
func inverted(w, a *Write) string {
	return fmt.Sprintf("Note that %s was stamped %d, below the %d of %s, a write it follows (%s): under timestamp order it lost the moment it was written, whatever survived at the end. That is clock skew.",
		w.Write, ts(w), ts(a), a.Write, clockOf(a))
}

// refWords is a write in a few words for a story: who, where, when it was
// acknowledged, its stamp.
func refWords(w *Write) string {
	at := "never acknowledged"
	if w.End >= 0 {
		at = "acknowledged at " + clock.Seconds(w.End)
	}
	return fmt.Sprintf("%s via %s, %s, stamp %s", w.Process, w.Node, at, clock.Stamp(ts(w)))
}

// aboveText says what beat w when it was written: a, an earlier write
// stamped above it, which w's client had read (read) or which was
// acknowledged before w began. skew: both stamps are physical clock
// readings.
func aboveText(w, a *Write, read, skew bool) string {
	what := a.Write
	if a.Deleted {
		what = "the delete " + a.Write
	}
	how := "which it read"
	if !read {
		how = fmt.Sprintf("before %s began at %s", w.Write, clock.Seconds(w.Start))
	}
	s := fmt.Sprintf("%s (%s) was stamped below %s (%s, %s): under timestamp order it never won.",
		w.Write, refWords(w), what, refWords(a), how)
	if skew {
		return s + fmt.Sprintf(" %s was stamped by %s, %s by %s: the highest timestamp belongs to the fastest clock, not to the latest write. That is clock skew.",
			a.Write, clockOf(a), w.Write, clockOf(w))
	}
	return s + " The stamps are logical counters, not clock readings: the stamp contradicted real time, which is not clock skew."
}

// timingText says how the winner win relates to w in real time.
func timingText(t Timing, w, win *Write) string {
	switch t {
	case Raced:
		return " In real time the two overlapped: a true race."
	case Later:
		return fmt.Sprintf(" In real time %s began at %s, after %s was acknowledged at %s, without having read it: an overwrite a register would also make, where siblings keep both.",
			win.Write, clock.Seconds(win.Start), w.Write, clock.Seconds(w.End))
	case Earlier:
		return fmt.Sprintf(" In real time %s was acknowledged at %s, before %s began at %s.",
			win.Write, clock.Seconds(win.End), w.Write, clock.Seconds(w.Start))
	}
	return ""
}

// explainExternal says why b, which began after a was acknowledged, breaks external consistency.
func explainExternal(a, b *Write) string {
	rel := "lower than"
	switch {
	case ts(a) == ts(b) && a.Node == b.Node:
		rel = "equal to"
	case ts(a) == ts(b):
		rel = fmt.Sprintf("equal to, and its node %s ranks below %s in the tie-break of,", b.Node, a.Node)
	}
	return fmt.Sprintf("%s was acknowledged at %s and %s began at %s, after it in true time, yet %s's timestamp %d is %s %s's %d (%s by %s, %s by %s): the timestamp order contradicts real time.",
		a.Write, clock.Seconds(a.End), b.Write, clock.Seconds(b.Start), b.Write, ts(b), rel, a.Write, ts(a),
		b.Write, clockOf(b), a.Write, clockOf(a))
}

// explainCorrupted says how what op returned for w differs from what w
// wrote.
func explainCorrupted(op *Op, w *Write, v histories.Version) string {
	wrote := fmt.Sprintf("the value %q", w.Value)
	if w.Deleted {
		wrote = "a tombstone (a delete)"
	}
	got := fmt.Sprintf("the value %q", v.Value)
	if v.Deleted {
		got = "a tombstone (deleted)"
	}
	return fmt.Sprintf("%s's read of %s through %s (event %d) returned %s as %s, but %s wrote %s (event %d): the store returned something no write wrote.",
		op.Process, op.Key, op.Node, op.Complete, w.Write, got, w.Write, wrote, w.Invoke)
}
