package checker

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/clock"
)

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

// LostByInterest orders the lost writes for a reader: the skew signature
// first (overwritten-by-older, then tombstones, then losses stamped below a
// write they follow), history order within each.
func (r *Result) LostByInterest() []Lost {
	lost := r.Lost
	rank := func(l Lost) int {
		switch {
		case l.Kind == OverwrittenByOlder:
			return 0
		case l.Kind == SuppressedByTombstone:
			return 1
		case l.Inverted != nil:
			return 2
		}
		return 3
	}
	out := slices.Clone(lost)
	slices.SortStableFunc(out, func(a, b Lost) int { return rank(a) - rank(b) })
	return out
}

// describe is one line about a write: what, who, where, when, stamp.
func describe(r *Ref) string {
	what := "write"
	if r.Deleted {
		what = "delete"
	}
	s := fmt.Sprintf("%s %s", what, r.Write)
	if !r.Deleted {
		s += fmt.Sprintf(" (value %q)", r.Value)
	}
	s += fmt.Sprintf(" by %s via %s", r.Process, r.Node)
	if r.Ack >= 0 {
		s += fmt.Sprintf(", %s at %s (event %d)", r.Type, clock.Seconds(r.End), r.Ack)
	} else {
		s += fmt.Sprintf(", invoked at %s (event %d), never completed", clock.Seconds(r.Start), r.Invoke)
	}
	if r.TS != 0 {
		s += fmt.Sprintf(", ts %d", r.TS)
	}
	if r.VV != nil {
		s += fmt.Sprintf(", vv %v", r.VV)
	}
	s += fmt.Sprintf(", %s clock %s", r.Node, clock.Offset(r.Offset))
	if len(r.Context) > 0 {
		s += fmt.Sprintf("; had read [%s]", strings.Join(r.Context, " "))
	} else {
		s += "; blind"
	}
	return s
}

// WriteText writes the short text report: the verdict, the counts, and each
// finding with its explanation. At most limit findings of each kind are
// listed (0: all).
func (r *Result) WriteText(w io.Writer, limit int) error {
	b := bufio.NewWriterSize(w, 64<<10)
	s := r.Summary
	if r.Valid {
		fmt.Fprintf(b, "VALID: %d acknowledged writes, none lost\n", s.Acknowledged)
	} else {
		fmt.Fprintf(b, "INVALID: %s\n", strings.Join(r.Failures, "; "))
	}
	fmt.Fprintf(b, "  ops %d (reads %d, writes %d: %d ok, %d failed, %d indeterminate), faults %d\n",
		s.Ops, s.Reads, s.Writes, s.Acknowledged, s.Failed, s.Indeterminate, s.Faults)
	fmt.Fprintf(b, "  lost %d", s.Lost)
	var kinds []string
	for _, k := range LostKinds {
		if n := s.LostByKind[k]; n > 0 {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
		}
	}
	if len(kinds) > 0 {
		fmt.Fprintf(b, " (%s)", strings.Join(kinds, ", "))
	}
	fmt.Fprintf(b, ", stale siblings %d, phantoms %d, divergent keys %d\n", s.Stale, s.Phantoms, s.Divergent)
	if s.Inverted > 0 {
		fmt.Fprintf(b, "  %d of the lost writes were stamped below a write they follow: clock skew\n", s.Inverted)
	}
	var pres []string
	for _, k := range r.Keys {
		if !k.Judged {
			continue
		}
		mark := "yes"
		if !k.Preserved {
			mark = "no"
		}
		pres = append(pres, fmt.Sprintf("%s %s", k.Key, mark))
	}
	if len(pres) > 0 {
		fmt.Fprintf(b, "  sibling preservation: %s\n", strings.Join(pres, ", "))
	}
	r.writeRegister(b)
	more := func(n int) {
		if limit > 0 && n > limit {
			fmt.Fprintf(b, "  … and %d more in report.txt and results.json\n", n-limit)
		}
	}
	if len(r.Lost) > 0 {
		fmt.Fprintf(b, "\nLost writes:\n")
		for i, l := range r.LostByInterest() {
			if limit > 0 && i == limit {
				break
			}
			fmt.Fprintf(b, "- %s on %s: %s\n", l.Write.Write, l.Key, l.Kind)
			fmt.Fprintf(b, "    ack:    %s\n", describe(l.Write))
			if l.Winner != nil {
				fmt.Fprintf(b, "    winner: %s\n", describe(l.Winner))
			}
			if l.Inverted != nil && (l.Winner == nil || l.Inverted.Write != l.Winner.Write) {
				fmt.Fprintf(b, "    above:  %s\n", describe(l.Inverted))
			}
			fmt.Fprintf(b, "    why:    %s\n", l.Why)
		}
		more(len(r.Lost))
	}
	if len(r.Stale) > 0 {
		fmt.Fprintf(b, "\nStale siblings (not data loss):\n")
		for i, st := range r.Stale {
			if limit > 0 && i == limit {
				break
			}
			where := ""
			if st.Final {
				where = ", final state included"
			}
			fmt.Fprintf(b, "- %s on %s returned next to %s, which follows it (first at event %d, %d reads%s)\n",
				st.Write.Write, st.Key, st.Newer.Write, st.Read, st.Reads, where)
		}
		more(len(r.Stale))
	}
	if len(r.Phantoms) > 0 {
		fmt.Fprintf(b, "\nPhantoms:\n")
		for _, p := range r.Phantoms {
			fmt.Fprintf(b, "- %s on %s read at event %d: %s\n", p.Write, p.Key, p.Read, p.Why)
		}
	}
	if len(r.Divergent) > 0 {
		fmt.Fprintf(b, "\nDivergent keys:\n")
		for _, d := range r.Divergent {
			var parts []string
			for _, n := range slices.Sorted(maps.Keys(d.Nodes)) {
				parts = append(parts, fmt.Sprintf("%s [%s]", n, strings.Join(d.Nodes[n], " ")))
			}
			fmt.Fprintf(b, "- %s: %s\n", d.Key, strings.Join(parts, ", "))
		}
	}
	if len(r.External) > 0 {
		fmt.Fprintf(b, "\nExternal-consistency violations:\n")
		for i, x := range r.External {
			if limit > 0 && i == limit {
				break
			}
			fmt.Fprintf(b, "- %s on %s, after %s\n", x.Later.Write, x.Key, x.Earlier.Write)
			fmt.Fprintf(b, "    earlier: %s\n", describe(x.Earlier))
			fmt.Fprintf(b, "    later:   %s\n", describe(x.Later))
			fmt.Fprintf(b, "    why:     %s\n", x.Why)
		}
		more(len(r.External))
	}
	for _, n := range r.Notes {
		fmt.Fprintf(b, "note: %s\n", n)
	}
	return b.Flush()
}

// writeRegister writes the summary lines of the register checks: external
// consistency, linearizability, commit wait and metadata size.
func (r *Result) writeRegister(b io.Writer) {
	s := r.Summary
	if s.Stamped > 0 {
		fmt.Fprintf(b, "  external consistency: %d violations among %d timestamped writes\n", s.External, s.Stamped)
	} else {
		fmt.Fprintf(b, "  external consistency: not checked (no write carries a timestamp)\n")
	}
	var keys []string
	for _, l := range r.Linear {
		keys = append(keys, fmt.Sprintf("%s %s", l.Key, l.Result))
	}
	fmt.Fprintf(b, "  linearizable: %s", s.Linearizable)
	if len(keys) > 0 {
		fmt.Fprintf(b, " (%s)", strings.Join(keys, ", "))
	}
	if r.Visualization != "" {
		fmt.Fprintf(b, "; porcupine's visualization: %s", r.Visualization)
	}
	fmt.Fprintln(b)
	if s.CommitWait.Max > 0 {
		fmt.Fprintf(b, "  commit wait (node clocks): p50 %s, p99 %s, max %s over %d writes\n", Millis(s.CommitWait.P50),
			Millis(s.CommitWait.P99), Millis(s.CommitWait.Max), s.CommitWait.N)
	}
	if s.WriteLatency.N > 0 {
		fmt.Fprintf(b, "  write latency (true time): p50 %s, p99 %s, max %s\n", Millis(s.WriteLatency.P50),
			Millis(s.WriteLatency.P99), Millis(s.WriteLatency.Max))
	}
	if s.MetaBytes.Writes > 0 {
		fmt.Fprintf(b, "  causal metadata per key: mean %.1f bytes, max %d; reads returning siblings %d\n",
			s.MetaBytes.Mean, s.MetaBytes.Max, s.SiblingReads)
	}
}

// Millis formats ns as a duration rounded to 10µs, e.g. "14.48ms".
func Millis(ns int64) string { return time.Duration(ns).Round(10 * time.Microsecond).String() }
