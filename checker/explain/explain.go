// Package explain writes the Why of a finding: the prose results.json
// carries, in the words the report shows, written from the finding itself
// (package results) and what the checker knew when it found it; and the
// words of a summary's losses, the headline (Total, Losses).
package explain

import (
	"fmt"
	"strings"

	"github.com/clockwise-kv/clockwise/checker/results"
	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/histories"
)

func clockOf(w *results.Ref) string {
	return fmt.Sprintf("%s's clock %s", w.Node, clock.Offset(w.Offset))
}

// lost says why w was lost to win. del, if not nil, is a tombstone that
// deleted win after it had won (del's client read win, not w); until is
// Lost.Until.
func lost(kind results.LostKind, w, win *results.Ref, older bool, del *results.Ref, until int64) string {
	var b strings.Builder
	stamps := w.TS != 0 && win.TS != 0
	survived := "survived"
	if del != nil {
		survived = "won"
	}
	switch kind {
	case results.OverwrittenByOlder:
		fmt.Fprintf(&b, "%s follows %s: %s had read it (or a write that follows it) before writing. Yet %s %s", w.Write, win.Write, w.Process, win.Write, survived)
		if stamps {
			fmt.Fprintf(&b, ", because its timestamp %d is higher than %s's %d by %s: %s was stamped by %s, %s by %s. The highest timestamp belongs to the fastest clock, not to the latest write.",
				win.TS, w.Write, w.TS, clock.Delta(win.TS, w.TS, 0), win.Write, clockOf(win), w.Write, clockOf(w))
		} else {
			fmt.Fprintf(&b, " and the causally newer %s was discarded.", w.Write)
		}
	case results.ConcurrentDropped:
		fmt.Fprintf(&b, "%s and %s were concurrent: neither client had read the other's write. Both were acknowledged, yet the store kept only %s", w.Write, win.Write, win.Write)
		if stamps {
			fmt.Fprintf(&b, " (timestamp %d, %s, against %d, %s)", win.TS, clockOf(win), w.TS, clockOf(w))
		}
		fmt.Fprintf(&b, " and silently dropped %s instead of keeping both as siblings.", w.Write)
	case results.SuppressedByTombstone:
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
			fmt.Fprintf(&b, ": its timestamp %d (%s) is above %s's %d (%s) by %s", win.TS, clockOf(win), w.Write, w.TS, clockOf(w), clock.Delta(win.TS, w.TS, 0))
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
func inverted(w, a *results.Ref) string {
	return fmt.Sprintf("Note that %s was stamped %d, below the %d of %s, a write it follows (%s): under timestamp order it lost the moment it was written, whatever survived at the end. That is clock skew.",
		w.Write, w.TS, a.TS, a.Write, clockOf(a))
}

// refWords is a write in a few words for a story: who, where, when it was
// acknowledged, its stamp.
func refWords(w *results.Ref) string {
	at := "never acknowledged"
	if w.End >= 0 {
		at = "acknowledged at " + clock.Seconds(w.End)
	}
	return fmt.Sprintf("%s via %s, %s, stamp %s", w.Process, w.Node, at, clock.Stamp(w.TS))
}

// aboveText says what beat w when it was written: a, an earlier write
// stamped above it, which w's client had read (read) or which was
// acknowledged before w began. skew: both stamps are physical clock
// readings.
func aboveText(w, a *results.Ref, read, skew bool) string {
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
func timingText(t results.Timing, w, win *results.Ref) string {
	switch t {
	case results.Raced:
		return " In real time the two overlapped: a true race."
	case results.Later:
		return fmt.Sprintf(" In real time %s began at %s, after %s was acknowledged at %s, without having read it: an overwrite a register would also make, where siblings keep both.",
			win.Write, clock.Seconds(win.Start), w.Write, clock.Seconds(w.End))
	case results.Earlier:
		return fmt.Sprintf(" In real time %s was acknowledged at %s, before %s began at %s.",
			win.Write, clock.Seconds(win.End), w.Write, clock.Seconds(w.Start))
	}
	return ""
}

// External says why e.Later, which began after e.Earlier was acknowledged,
// breaks external consistency.
func External(e *results.External) string {
	a, b := e.Earlier, e.Later
	rel := "lower than"
	switch {
	case a.TS == b.TS && a.Node == b.Node:
		rel = "equal to"
	case a.TS == b.TS:
		rel = fmt.Sprintf("equal to, and its node %s ranks below %s in the tie-break of,", b.Node, a.Node)
	}
	return fmt.Sprintf("%s was acknowledged at %s and %s began at %s, after it in true time, yet %s's timestamp %d is %s %s's %d (%s by %s, %s by %s): the timestamp order contradicts real time.",
		a.Write, clock.Seconds(a.End), b.Write, clock.Seconds(b.Start), b.Write, b.TS, rel, a.Write, a.TS,
		b.Write, clockOf(b), a.Write, clockOf(a))
}

// Corrupted says how what a read returned for c.Write differs from what
// the write wrote: the read by process through node, completed at event
// ack.
func Corrupted(c *results.Corrupted, process, node string, ack int) string {
	w := c.Write
	wrote := fmt.Sprintf("the value %q", w.Value)
	if w.Deleted {
		wrote = "a tombstone (a delete)"
	}
	got := fmt.Sprintf("the value %q", c.Value)
	if c.Deleted {
		got = "a tombstone (deleted)"
	}
	return fmt.Sprintf("%s's read of %s through %s (event %d) returned %s as %s, but %s wrote %s (event %d): the store returned something no write wrote.",
		process, c.Key, node, ack, w.Write, got, w.Write, wrote, w.Invoke)
}

// Lost writes the Why of l, a lost write found in full: for a write
// stamped below an earlier one, that write first (what beat it when it was
// written), then what survived at the end and how it relates to the lost
// write in real time. older says the winner precedes the lost write
// causally; del, if not nil, is a tombstone that deleted the winner after
// it had won (del's client read the winner, not the lost write).
func Lost(l *results.Lost, older bool, del *results.Ref) string {
	w, win := l.Write, l.Winner
	var s string
	if win == nil {
		s = fmt.Sprintf("%s was acknowledged, but no version of %s survives on any node", w.Write, l.Key)
	} else {
		s = lost(l.Kind, w, win, older, del, l.Until)
		if l.Above == nil {
			s += timingText(l.WinnerTime, w, win)
		}
	}
	switch {
	case l.Above != nil:
		s = aboveText(w, l.Above, l.AboveRead, l.Skew) + " In the end: " + s
	case l.Inverted != nil:
		s += " " + inverted(w, l.Inverted)
	}
	if w.Type == histories.Info {
		s = fmt.Sprintf("%s's outcome was unknown (%s), but a read returned it, so it happened. ", w.Write, w.Type) + s
	}
	return s
}
