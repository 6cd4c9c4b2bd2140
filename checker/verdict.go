package checker

import (
	"fmt"
	"slices"

	"github.com/clockwise-kv/clockwise/checker/explain"
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

// Total says how many writes were lost of how many that happened
// (explain.Total).
func Total(s *Summary) string { return explain.Total(s) }

// Losses says how the lost writes divide, the brief's signature first
// (explain.Losses).
func Losses(s *Summary) string { return explain.Losses(s) }

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
