package report

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/clock"
)

// byInterest is the first n lost writes (all when n is 0) in the order a
// reader wants them (checker.ByInterest).
func byInterest(lost []checker.Lost, n int) []checker.Lost {
	idx := checker.ByInterest(lost, n)
	out := make([]checker.Lost, len(idx))
	for i, j := range idx {
		out[i] = lost[j]
	}
	return out
}

// refText is one line about a write: what, who, where, when, stamp.
func refText(r *checker.Ref) string {
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
		s += ", stamp " + clock.Stamp(r.TS)
	}
	if r.VV != nil {
		s += fmt.Sprintf(", vv %v", r.VV)
	}
	s += fmt.Sprintf(", %s clock %s", r.Node, clock.Offset(r.Offset))
	if len(r.Context) > 0 {
		s += fmt.Sprintf("; had read [%s]", idList(r.Context))
	} else {
		s += "; blind"
	}
	return s
}

// WriteText writes the text report of a result: the verdict, the counts,
// and each finding with its explanation. At most limit findings of each
// kind are listed (0: all).
func WriteText(w io.Writer, r *checker.Result, limit int) error {
	b := bufio.NewWriterSize(w, 64<<10)
	s := r.Summary
	fmt.Fprintln(b, Headline(r))
	if r.Verdict == checker.Invalid {
		for _, u := range r.Unknown {
			fmt.Fprintf(b, "  also undecided: %s\n", u)
		}
	}
	fmt.Fprintf(b, "  ops %d (reads %d, writes %d: %d ok, %d failed, %d indeterminate), faults %d (heals apart)\n",
		s.Ops, s.Reads, s.Writes, s.Acknowledged, s.Failed, s.Indeterminate, FaultsStarted(r.Faults))
	fmt.Fprintf(b, "  %s", checker.Total(&s))
	var kinds []string
	for _, k := range checker.LostKinds {
		if n := s.LostByKind[k]; n > 0 {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
		}
	}
	if len(kinds) > 0 {
		fmt.Fprintf(b, " (by kind: %s)", strings.Join(kinds, ", "))
	}
	fmt.Fprintf(b, ", stale siblings %d, phantoms %d, corrupted %d, future reads %d, divergent keys %d\n",
		s.Stale, s.Phantoms, s.Corrupted, s.FutureReads, s.Divergent)
	if s.Lost > 0 {
		fmt.Fprintf(b, "  %s\n", checker.Losses(&s))
	}
	if s.Inverted > 0 {
		fmt.Fprintf(b, "  %d of the lost writes %s stamped below a write they follow\n", s.Inverted, map[bool]string{true: "was", false: "were"}[s.Inverted == 1])
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
	if len(pres) > 0 && r.Workload == "" { // a workload's store keeps no siblings to preserve
		fmt.Fprintf(b, "  sibling preservation: %s\n", strings.Join(pres, ", "))
	}
	writeRegister(b, r)
	more := func(n int) {
		if limit > 0 && n > limit {
			fmt.Fprintf(b, "  … and %d more (clockwise analyze --full --limit 0 explains every one)\n", n-limit)
		}
	}
	if len(r.Lost) > 0 {
		fmt.Fprintf(b, "\nLost writes:\n")
		for _, l := range byInterest(r.Lost, limit) {
			skew := ""
			switch {
			case l.Skew:
				skew = ", lost to clock skew"
			case l.Above != nil:
				skew = ", stamped below an earlier write (logical stamps: not clock skew)"
			}
			when := ""
			if l.WinnerTime != "" {
				when = ", winner " + string(l.WinnerTime)
			}
			fmt.Fprintf(b, "- %s on %s: %s%s%s\n", l.Write.Write, l.Key, l.Kind, when, skew)
			fmt.Fprintf(b, "    ack:    %s\n", refText(l.Write))
			if l.Above != nil {
				fmt.Fprintf(b, "    above:  %s; %s\n", refText(l.Above), aboveHow(l))
			}
			if l.Winner != nil {
				fmt.Fprintf(b, "    winner: %s\n", refText(l.Winner))
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
			fmt.Fprintf(b, "- %s on %s returned next to %s, which follows it (first at event %d, %s%s)\n",
				st.Write.Write, st.Key, st.Newer.Write, st.Read, Plural(st.Reads, "read"), where)
		}
		more(len(r.Stale))
	}
	if len(r.Phantoms) > 0 {
		fmt.Fprintf(b, "\nPhantoms:\n")
		for _, p := range r.Phantoms {
			fmt.Fprintf(b, "- %s on %s read at event %d: %s\n", p.Write, p.Key, p.Read, p.Why)
		}
	}
	if len(r.Corrupted) > 0 {
		fmt.Fprintf(b, "\nCorrupted reads:\n")
		for _, x := range r.Corrupted {
			fmt.Fprintf(b, "- %s on %s read at event %d (%d reads): %s\n", x.Write.Write, x.Key, x.Read, x.Reads, x.Why)
		}
	}
	if len(r.Future) > 0 {
		fmt.Fprintf(b, "\nFuture reads:\n")
		for _, x := range r.Future {
			fmt.Fprintf(b, "- %s on %s read at event %d: %s\n", x.Write.Write, x.Key, x.Read, x.Why)
		}
	}
	if len(r.Duplicated) > 0 {
		fmt.Fprintf(b, "\nVersions a read listed twice:\n")
		for _, x := range r.Duplicated {
			fmt.Fprintf(b, "- %s on %s read at event %d (%d reads): %s\n", x.Write, x.Key, x.Read, x.Reads, x.Why)
		}
	}
	if len(r.Divergent) > 0 {
		fmt.Fprintf(b, "\nDivergent keys:\n")
		for _, d := range r.Divergent {
			var parts []string
			for _, n := range slices.Sorted(maps.Keys(d.Nodes)) {
				parts = append(parts, fmt.Sprintf("%s [%s]", n, idList(d.Nodes[n])))
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
			fmt.Fprintf(b, "    earlier: %s\n", refText(x.Earlier))
			fmt.Fprintf(b, "    later:   %s\n", refText(x.Later))
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
func writeRegister(b io.Writer, r *checker.Result) {
	s := r.Summary
	if s.Stamped > 0 {
		fmt.Fprintf(b, "  external consistency: %s among %s\n", Plural(s.External, "violation"), Plural(s.Stamped, "timestamped write"))
	} else {
		fmt.Fprintf(b, "  external consistency: not checked (no write carries a timestamp)\n")
	}
	if r.Workload == checker.WorkloadSet {
		fmt.Fprintf(b, "  %s\n", setNotJudged)
	} else {
		writeLinear(b, r)
	}
	if s.CommitWait.Max > 0 {
		fmt.Fprintf(b, "  commit wait (node clocks): p50 %s, p99 %s, max %s over %s\n", Millis(s.CommitWait.P50),
			Millis(s.CommitWait.P99), Millis(s.CommitWait.Max), Plural(s.CommitWait.N, "write"))
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

// writeLinear writes the linearizability line of the registers.
func writeLinear(b io.Writer, r *checker.Result) {
	s := r.Summary
	var keys []string
	for _, l := range r.Linear {
		keys = append(keys, fmt.Sprintf("%s %s", l.Key, l.Result))
	}
	fmt.Fprintf(b, "  linearizable: %s", s.Linearizable)
	if len(keys) > 0 {
		fmt.Fprintf(b, " (%s)", strings.Join(keys, ", "))
	}
	if s.NonLinearizable > 0 {
		fmt.Fprint(b, siblingsWhy(s))
	}
	if r.Visualization != "" {
		fmt.Fprintf(b, "; porcupine's visualization: %s", r.Visualization)
	}
	fmt.Fprintln(b)
}

// Millis formats ns as a duration rounded to 10µs, e.g. "14.48ms".
func Millis(ns int64) string { return time.Duration(ns).Round(10 * time.Microsecond).String() }
