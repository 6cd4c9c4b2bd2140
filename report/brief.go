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

// Headline is the verdict with its reason in one line: VALID, INVALID with
// every failure, the lost writes first as checker.Losses divides them
// ("INVALID: 57 acknowledged writes lost to clock skew; 374 more dropped as
// concurrent writes (0 racing, 374 overwritten by later writes that never
// read them)"), or UNKNOWN with every reason the history cannot decide.
func Headline(r *checker.Result) string {
	v := strings.ToUpper(r.Verdict.String()) // in capitals, where the eye lands
	switch r.Verdict {
	case checker.Valid:
		if r.Summary.Lost > 0 { // --gate skew: only losses to clock skew fail a run
			return v + ": " + checker.Losses(&r.Summary) + " (only losses to clock skew fail the run: --gate skew)"
		}
		return fmt.Sprintf("%s: %s, none lost", v, Plural(r.Summary.Acknowledged, "acknowledged write"))
	case checker.Invalid:
		return v + ": " + strings.Join(r.Failures, "; ")
	}
	return v + ": " + strings.Join(r.Unknown, "; ")
}

// findingList is one kind of finding, listed one line each.
type findingList struct {
	Title string // "Lost writes", plural, capitalized
	Note  string // in brackets after the title, e.g. "not data loss"
	N     int    // findings of the kind
	Lines []string
}

// findingLists are the result's findings, one list per kind that has
// any, in the order a reader wants them: what lost data first. Each list
// words its first limit findings (all when limit is 0) and counts the
// rest.
func findingLists(r *checker.Result, limit int) []findingList {
	var out []findingList
	add := func(title, note string, n int, line func(i int) string) {
		if n == 0 {
			return
		}
		f := findingList{Title: title, Note: note, N: n}
		for i := 0; i < n && (limit <= 0 || i < limit); i++ {
			f.Lines = append(f.Lines, line(i))
		}
		out = append(out, f)
	}
	note := ""
	if n := r.Summary.SkewLost; n > 0 {
		note = fmt.Sprintf("%d lost to clock skew, listed first", n)
	}
	lost := byInterest(r.Lost, limit)
	add("Lost writes", note, len(r.Lost), func(i int) string { return lostBrief(lost[i]) })
	add("Phantoms", "", len(r.Phantoms), func(i int) string {
		p := r.Phantoms[i]
		return fmt.Sprintf("%s on %s read at event %d: %s", p.Write, p.Key, p.Read, p.Why)
	})
	add("Corrupted reads", "", len(r.Corrupted), func(i int) string {
		c := r.Corrupted[i]
		return fmt.Sprintf("%s on %s read at event %d: %s", c.Write.Write, c.Key, c.Read, c.Why)
	})
	add("Reads from the future", "", len(r.Future), func(i int) string {
		f := r.Future[i]
		return fmt.Sprintf("%s on %s read at event %d: %s", f.Write.Write, f.Key, f.Read, f.Why)
	})
	add("Versions a read listed twice", "", len(r.Duplicated), func(i int) string {
		d := r.Duplicated[i]
		return fmt.Sprintf("%s on %s read at event %d: %s", d.Write, d.Key, d.Read, d.Why)
	})
	add("Divergent keys", "", len(r.Divergent), func(i int) string {
		d := r.Divergent[i]
		var parts []string
		for _, n := range slices.SortedFunc(maps.Keys(d.Nodes), CompareNames) {
			parts = append(parts, fmt.Sprintf("%s [%s]", n, idList(d.Nodes[n])))
		}
		return fmt.Sprintf("%s: %s", d.Key, strings.Join(parts, ", "))
	})
	add("External-consistency violations", "", len(r.External), func(i int) string {
		x := r.External[i]
		return fmt.Sprintf("%s on %s, acknowledged after %s, stamped %s against its %s",
			x.Later.Write, x.Key, x.Earlier.Write, BriefStamp(x.Later.TS), BriefStamp(x.Earlier.TS))
	})
	add("Stale siblings", "not data loss", len(r.Stale), func(i int) string {
		st := r.Stale[i]
		return fmt.Sprintf("%s on %s returned next to %s, which follows it (%s)", st.Write.Write, st.Key, st.Newer.Write, Plural(st.Reads, "read"))
	})
	return out
}

// lostBrief is a lost write in one line: what was lost, when, with which
// stamp; what beat it when it was written, if a write did; and to what it
// was lost in the end.
func lostBrief(l checker.Lost) string {
	w := l.Write
	what := string(l.Kind)
	if l.Skew {
		what = "lost to clock skew"
	}
	s := fmt.Sprintf("%s on %s, %s: %s", w.Write, l.Key, what, refBrief(w))
	if a := l.Above; a != nil {
		s += fmt.Sprintf("; stamped below %s (%s), %s", a.Write, refBrief(a), aboveHow(l))
		if !l.Skew {
			s += " (logical stamps: not clock skew)"
		}
	}
	if l.Winner != nil {
		lost := "; lost to "
		if l.Above != nil {
			lost = "; in the end lost to "
		}
		s += lost + l.Winner.Write + " (" + refBrief(l.Winner) + ")"
		if l.Above == nil {
			s += timingBrief(l.WinnerTime)
		}
	} else if l.Kind == checker.Absent {
		s += "; absent from the final reads"
		if l.Isolated != "" {
			s += "; " + w.Node + " cut off by the partition " + l.Isolated
		}
	} else {
		s += "; nothing survived"
	}
	return s
}

// aboveHow says how a lost write's Above precedes it.
func aboveHow(l checker.Lost) string {
	if l.AboveRead {
		return "which it read"
	}
	return "acknowledged before it began"
}

// timingBrief says how a winner relates to the lost write in real time.
func timingBrief(t checker.Timing) string {
	switch t {
	case checker.Raced:
		return ", racing it"
	case checker.Later:
		return ", a later write that never read it"
	case checker.Earlier:
		return ", acknowledged before it began"
	}
	return ""
}

// refBrief is a write in a few words: who, where, when, its stamp and the
// serving node's clock.
func refBrief(r *checker.Ref) string {
	s := fmt.Sprintf("%s via %s", r.Process, r.Node)
	if r.Ack >= 0 {
		s += " at " + BriefTime(r.End)
	} else {
		s += ", invoked at " + BriefTime(r.Start) + ", never completed"
	}
	if r.Offset != nil && *r.Offset != 0 {
		s += ", clock " + clock.Signed(time.Duration(*r.Offset).Round(time.Millisecond).Nanoseconds())
	}
	if r.TS != 0 {
		s += ", stamp " + BriefStamp(r.TS)
	}
	return s
}

// BriefTime is a true time to the millisecond.
func BriefTime(ns int64) string { return time.Duration(ns).Round(time.Millisecond).String() }

// BriefStamp is a timestamp as Stamp writes it, a physical one to the
// millisecond.
func BriefStamp(ts int64) string { return clock.StampTo(ts, time.Millisecond) }

// Brief is what the compact terminal report says: the run in a line or
// two, the counts, a few findings of each kind, where the full reports
// are, the command that replays the run (and its make form) and, last,
// where the eye lands, the verdict.
type Brief struct {
	Head   []string // the run in a line or two
	Result *checker.Result
	Limit  int      // findings listed per kind; 0: all
	Width  int      // wrap lines to this many columns; 0: no wrapping
	Files  []string // the full reports, "report.html: path", …
	Replay string   // the command that replays the run; empty when unknown
	Make   string   // the same through make ("make check STRATEGY=lww SEED=1"); empty: none
	Seed   string   // the run's seed; empty when unknown
	Rerun  bool     // a real cluster's run: the command runs it again, not byte for byte
}

// WriteBrief writes the compact report b describes.
func WriteBrief(w io.Writer, b Brief) error {
	out := bufio.NewWriter(w)
	para := func(indent, hang int, text string) {
		for _, l := range wrap(text, b.Width, indent, hang) {
			fmt.Fprintln(out, l)
		}
	}
	// Paths are never broken: a reader copies them.
	for i, h := range b.Head {
		fmt.Fprintf(out, "%s%s\n", strings.Repeat(" ", 2*min(i, 1)), h)
	}
	if len(b.Head) > 0 {
		fmt.Fprintln(out)
	}
	r := b.Result
	for _, l := range briefCounts(r) {
		para(2, 4, l)
	}
	for _, f := range findingLists(r, b.Limit) {
		n := f.N
		title := fmt.Sprintf("%s (%d", f.Title, n)
		if n > len(f.Lines) {
			title = fmt.Sprintf("%s (%d of %d", f.Title, len(f.Lines), n)
		}
		if f.Note != "" {
			title += "; " + f.Note
		}
		fmt.Fprintf(out, "\n%s):\n", title)
		for _, l := range f.Lines {
			para(2, 4, "- "+l)
		}
		if n > len(f.Lines) {
			fmt.Fprintf(out, "  … and %d more\n", n-len(f.Lines))
		}
	}
	for _, n := range r.Notes {
		para(0, 4, "note: "+n)
	}
	if len(b.Files) > 0 {
		fmt.Fprintln(out)
		para(0, 2, "Each finding with its story, the timeline and plots:")
		for _, f := range b.Files {
			fmt.Fprintf(out, "  %s\n", f)
		}
	}
	fmt.Fprintln(out)
	how := "replay"
	if b.Rerun {
		how = "run again (real timing decides the history: not byte for byte)"
	}
	switch {
	case b.Replay != "" && b.Seed != "":
		para(0, 4, fmt.Sprintf("seed %s; %s: %s", b.Seed, how, b.Replay))
	case b.Replay != "":
		para(0, 4, how+": "+b.Replay)
	}
	if b.Replay != "" && b.Make != "" {
		para(2, 4, "or: "+b.Make)
	}
	para(0, 4, Headline(r))
	if r.Verdict == checker.Invalid {
		for _, u := range r.Unknown {
			para(2, 4, "also undecided: "+u)
		}
	}
	return out.Flush()
}

// briefCounts are the compact report's count lines.
func briefCounts(r *checker.Result) []string {
	s := r.Summary
	lines := []string{fmt.Sprintf("%s: %s, %s (%d ok, %d failed, %d unknown outcome); %s",
		Plural(s.Ops, "operation"), Plural(s.Reads, "read"), Plural(s.Writes, "write"), s.Acknowledged, s.Failed, s.Indeterminate,
		Plural(FaultsStarted(r.Faults), "fault"))}
	lost := "lost: " + checker.Total(&s)
	var kinds []string
	for _, k := range checker.LostKinds {
		if n := s.LostByKind[k]; n > 0 {
			kinds = append(kinds, fmt.Sprintf("%d %s", n, k))
		}
	}
	if len(kinds) > 0 {
		lost += " (by kind: " + strings.Join(kinds, ", ") + ")"
	}
	lines = append(lines, lost)
	lines = append(lines, strings.Join([]string{Plural(s.Stale, "stale sibling"), Plural(s.Phantoms, "phantom"),
		Plural(s.Corrupted, "corrupted read"), Plural(s.FutureReads, "read") + " from the future", Plural(s.Divergent, "divergent key")}, ", "))
	var other []string
	if s.Stamped > 0 {
		other = append(other, Plural(s.External, "external-consistency violation"))
	}
	lin := "linearizable: " + s.Linearizable.String()
	if r.Workload == checker.WorkloadSet {
		lin = setNotJudged
	} else if s.NonLinearizable > 0 {
		lin += fmt.Sprintf(" (%d of %s not%s)", s.NonLinearizable, Plural(s.LinearKeys, "key"), siblingsWhy(s))
	} else if s.LinearUnknown > 0 {
		lin += fmt.Sprintf(" (%d of %s undecided)", s.LinearUnknown, Plural(s.LinearKeys, "key"))
	}
	other = append(other, lin)
	return append(lines, strings.Join(other, "; "))
}

// setNotJudged stands for the linearizability line of the set workload,
// whose keys are sets, not registers.
const setNotJudged = "linearizable: not judged: a set is not a register"

// siblingsWhy is why keys are not linearizable when reads returned
// siblings: a key that keeps concurrent writes side by side is not a single
// register, as a sibling strategy means it not to be.
func siblingsWhy(s checker.Summary) string {
	if s.SiblingReads == 0 {
		return ""
	}
	return ": keys that keep siblings are not a single register"
}

// Plural writes n and the noun, adding s unless n is 1: "1 read", "2
// reads".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// wrap breaks text into lines of at most width columns (0: no wrapping), the
// first indented by indent spaces, the rest by hang more. A word longer than
// a line stays whole.
func wrap(text string, width, indent, hang int) []string {
	pad := strings.Repeat(" ", indent)
	if width <= 0 {
		return []string{pad + text}
	}
	var lines []string
	line := pad
	for _, word := range strings.Fields(text) {
		if strings.TrimSpace(line) != "" && len([]rune(line))+1+len([]rune(word)) > width {
			lines = append(lines, line)
			line = strings.Repeat(" ", indent+hang)
		}
		if strings.TrimSpace(line) != "" {
			line += " "
		}
		line += word
	}
	return append(lines, line)
}

// idList writes write ids in numeric order: w9 before w17 before w103.
func idList(ids []string) string {
	return strings.Join(slices.SortedFunc(slices.Values(ids), CompareNames), " ")
}
