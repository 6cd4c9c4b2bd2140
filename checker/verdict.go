package checker

import (
	"fmt"
	"slices"
	"strings"

	"github.com/clockwise-kv/clockwise/checker/results"
)

// Gates that Options.Gate may add to the ones that always apply (lost
// writes, phantoms, corrupted reads, reads from the future, divergence,
// versions a read listed twice).
const (
	GateStale        = "stale"        // stale siblings
	GatePreservation = "preservation" // sibling preservation
	GateLinearizable = "linearizable" // a key not linearizable (undecided: unknown)
	GateExternal     = "external"     // external-consistency violations
	// GateSkew narrows the lost-write gate to the writes lost to clock
	// skew (Lost.Skew): other lost writes, such as last-write-wins's silent
	// picks between concurrent writes, are reported without failing.
	GateSkew = "skew"
)

// gate is a finding that makes a history invalid, or unknown. A gate
// without a name always applies; the others apply when Options.Gate names
// them.
type gate struct {
	name string
	// fail says why the summary's history is invalid, or "" when it is
	// not.
	fail func(s *Summary, o *Options) string
	// unknown: a failure makes the history unknown, not invalid.
	unknown bool
}

// gates are the findings that can make a history invalid, in the order
// Result.Failures gives them.
var gates = []gate{
	{name: "", fail: func(s *Summary, o *Options) string {
		if slices.Contains(o.Gate, GateSkew) {
			return failIf(s.SkewLost, "%s (gated by --gate skew: the other %d lost writes do not fail the run)", Losses(s), s.Lost-s.SkewLost)
		}
		return failIf(s.Lost, "%s", Losses(s))
	}},
	{name: "", fail: func(s *Summary, _ *Options) string {
		return failIf(s.Phantoms, "%d phantom versions read", s.Phantoms)
	}},
	{name: "", fail: func(s *Summary, _ *Options) string {
		return failIf(s.Corrupted, "%d corrupted versions read (another value or deleted flag than written)", s.Corrupted)
	}},
	{name: "", fail: func(s *Summary, _ *Options) string {
		return failIf(s.FutureReads, "%d reads returned a write invoked after they completed (future reads)", s.FutureReads)
	}},
	{name: "", fail: func(s *Summary, _ *Options) string {
		return failIf(s.Divergent, "%d keys divergent after convergence", s.Divergent)
	}},
	{name: "", fail: func(s *Summary, _ *Options) string {
		return failIf(s.Duplicated, "%d versions listed more than once by a read (a store returns each version once)", s.Duplicated)
	}},
	{name: GateStale, fail: func(s *Summary, _ *Options) string { return failIf(s.Stale, "%d stale siblings", s.Stale) }},
	{name: GatePreservation, fail: func(s *Summary, _ *Options) string {
		return failIf(s.Unpreserved, "%d keys did not preserve their siblings", s.Unpreserved)
	}},
	{name: GateLinearizable, fail: func(s *Summary, _ *Options) string {
		return failIf(s.NonLinearizable, "%d keys not linearizable", s.NonLinearizable)
	}},
	{name: GateLinearizable, unknown: true, fail: func(s *Summary, _ *Options) string {
		return failIf(s.LinearUnknown, "linearizability of %d keys unknown within the time limit", s.LinearUnknown)
	}},
	{name: GateExternal, fail: func(s *Summary, _ *Options) string {
		return failIf(s.External, "%d external-consistency violations", s.External)
	}},
	{name: GateSkew}, // narrows the first gate
}

// Total says how many writes were lost of how many that happened: "3 of
// 451 acknowledged writes lost", or, when reads returned writes whose
// outcome was unknown, "3 of 453 writes (451 acknowledged, 2 indeterminate
// but read) lost".
func Total(s *Summary) string {
	if s.SeenIndeterminate > 0 {
		return fmt.Sprintf("%d of %d writes (%d acknowledged, %d indeterminate but read) lost", s.Lost,
			s.Acknowledged+s.SeenIndeterminate, s.Acknowledged, s.SeenIndeterminate)
	}
	return fmt.Sprintf("%d of %d acknowledged %s lost", s.Lost, s.Acknowledged, plural(s.Acknowledged, "write", "writes"))
}

// Losses says how the lost writes divide, the brief's signature first:
// "57 acknowledged writes lost to clock skew; 374 more dropped as
// concurrent writes (2 racing, 372 overwritten by later writes that never
// read them)", then a clause for each other part that has any, so that
// the clauses add up to Summary.Lost.
func Losses(s *Summary) string {
	if n := s.Rest[Absent]; n > 0 && n == s.Lost {
		// The set workload's losses are all of one kind: say them as a
		// fraction of the writes counted, as Total does.
		return fmt.Sprintf("%s (%s): absent from every final read of %s", Total(s), percent(n, s.Acknowledged+s.SeenIndeterminate),
			plural(n, "its set", "their sets"))
	}
	var b strings.Builder
	some := s.SkewLost > 0
	more := func() string {
		if some {
			return " more"
		}
		return ""
	}
	fmt.Fprintf(&b, "%d acknowledged %s lost to clock skew", s.SkewLost, plural(s.SkewLost, "write", "writes"))
	dropped := s.Racing + s.Overwritten
	fmt.Fprintf(&b, "; %d%s dropped as %s", dropped, more(), plural(dropped, "a concurrent write", "concurrent writes"))
	if dropped > 0 {
		fmt.Fprintf(&b, " (%d racing, %d overwritten by %s)", s.Racing, s.Overwritten,
			plural(s.Overwritten, "a later write that never read it", "later writes that never read them"))
	}
	some = some || dropped > 0
	clause := func(n int, one, many string) {
		if n > 0 {
			fmt.Fprintf(&b, "; %d%s %s", n, more(), plural(n, one, many))
			some = true
		}
	}
	clause(s.Misordered, "stamped below an earlier write by a logical clock (not clock skew)",
		"stamped below earlier writes by a logical clock (not clock skew)")
	clause(s.Rest[SuppressedByTombstone], "suppressed by a tombstone", "suppressed by tombstones")
	clause(s.Rest[OverwrittenByOlder], "overwritten by an older write it follows", "overwritten by older writes they follow")
	clause(s.Rest[ConcurrentDropped], "dropped for a concurrent write acknowledged before it began",
		"dropped for concurrent writes acknowledged before they began")
	clause(s.Rest[Missing], "missing: no version of its key survives", "missing: no version of their keys survives")
	clause(s.Rest[Absent], "absent from every final read of its set", "absent from every final read of their sets")
	return b.String()
}

// percent is n of total as a rounded percentage: "52%".
func percent(n, total int) string {
	if total <= 0 {
		return "all"
	}
	return fmt.Sprintf("%d%%", (200*n+total)/(2*total))
}

// part says which clause of Losses counts l.
func part(s *Summary, l *Lost) *int {
	switch {
	case l.Skew:
		return &s.SkewLost
	case l.Above != nil:
		return &s.Misordered
	case l.Kind == ConcurrentDropped && l.WinnerTime == Raced:
		return &s.Racing
	case l.Kind == ConcurrentDropped && l.WinnerTime == Later:
		return &s.Overwritten
	}
	return nil
}

// failIf says why a history fails when it has n > 0 findings.
func failIf(n int, format string, args ...any) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf(format, args...)
}

// Gates lists every gate name Options.Gate accepts.
var Gates = func() []string {
	var names []string
	for _, g := range gates {
		if g.name != "" && !slices.Contains(names, g.name) {
			names = append(names, g.name)
		}
	}
	return names
}()

// verdict sums up the findings and applies the gates: a failure makes the
// history invalid; else a reason it cannot decide makes it unknown; else
// it is valid.
func (c *check) verdict(opts Options) {
	r := c.res
	s := &r.Summary
	s.Lost, s.Stale, s.Phantoms, s.Divergent = len(r.Lost), len(r.Stale), len(r.Phantoms), len(r.Divergent)
	s.Corrupted, s.FutureReads, s.Duplicated = len(r.Corrupted), len(r.Future), len(r.Duplicated)
	for _, l := range r.Lost {
		s.LostByKind[l.Kind]++
		if l.Inverted != nil {
			s.Inverted++
		}
		if p := part(s, &l); p != nil {
			*p++
		} else {
			if s.Rest == nil {
				s.Rest = map[LostKind]int{}
			}
			s.Rest[l.Kind]++
		}
	}
	for _, k := range r.Keys {
		if k.Judged && !k.Preserved {
			s.Unpreserved++
		}
	}
	s.External, s.LinearKeys = len(r.External), len(r.Linear)
	for _, l := range r.Linear {
		switch Verdict(l.Result) {
		case Invalid:
			s.NonLinearizable++
		case Unknown:
			s.LinearUnknown++
		}
	}
	s.Linearizable = Answer(results.LinearVerdict(s.NonLinearizable, s.LinearUnknown))
	for _, g := range gates {
		if g.fail == nil || (g.name != "" && !opts.gated(g.name)) {
			continue
		}
		why := g.fail(s, &opts)
		switch {
		case why == "":
		case g.unknown:
			r.Unknown = append(r.Unknown, why+opts.gatedBy(g.name))
		case g.name != "":
			r.Failures = append(r.Failures, why+opts.gatedBy(g.name))
		default:
			r.Failures = append(r.Failures, why)
		}
	}
	r.Decide()
}
