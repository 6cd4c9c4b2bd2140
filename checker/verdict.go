package checker

import (
	"fmt"
	"slices"
	"strings"

	"github.com/anishathalye/porcupine"
)

// Verdict is what a check concludes, as porcupine's CheckResult: Valid
// (porcupine's Ok), Invalid (Illegal) or Unknown, when the history cannot
// decide, which is never a pass. The zero Verdict is Unknown.
//
// A Verdict is written as valid, invalid or unknown. Two fields of a
// Result spell it as they always have: each key's linearizability in
// porcupine's words (LinearResult) and the summary's as the answer to
// whether the property holds (Answer).
type Verdict uint8

// Verdicts.
const (
	Unknown Verdict = iota
	Valid
	Invalid
)

// LinearResult is a key's linearizability Verdict in porcupine's words: ok,
// illegal, unknown.
type LinearResult Verdict

// Answer is a Verdict on whether a property holds: yes, no, unknown.
type Answer Verdict

// words spell the verdicts, indexed by Verdict.
type words [3]string

var (
	verdictWords = words{"unknown", "valid", "invalid"}
	linearWords  = words{"unknown", "ok", "illegal"}
	answerWords  = words{"unknown", "yes", "no"}
)

func (w *words) text(v Verdict) ([]byte, error) {
	if int(v) >= len(w) {
		return nil, fmt.Errorf("checker: no verdict %d", v)
	}
	return []byte(w[v]), nil
}

func (w *words) parse(b []byte) (Verdict, error) {
	for i, s := range w {
		if string(b) == s {
			return Verdict(i), nil
		}
	}
	return Unknown, fmt.Errorf("checker: verdict %q is not one of %s", b, strings.Join(w[:], ", "))
}

func (w *words) string(v Verdict) string {
	b, err := w.text(v)
	if err != nil {
		return fmt.Sprintf("Verdict(%d)", v)
	}
	return string(b)
}

func (v Verdict) String() string                    { return verdictWords.string(v) }
func (v Verdict) MarshalText() ([]byte, error)      { return verdictWords.text(v) }
func (v *Verdict) UnmarshalText(b []byte) error     { return parseInto(&verdictWords, b, v) }
func (r LinearResult) String() string               { return linearWords.string(Verdict(r)) }
func (r LinearResult) MarshalText() ([]byte, error) { return linearWords.text(Verdict(r)) }
func (r *LinearResult) UnmarshalText(b []byte) error {
	return parseInto(&linearWords, b, (*Verdict)(r))
}
func (a Answer) String() string                { return answerWords.string(Verdict(a)) }
func (a Answer) MarshalText() ([]byte, error)  { return answerWords.text(Verdict(a)) }
func (a *Answer) UnmarshalText(b []byte) error { return parseInto(&answerWords, b, (*Verdict)(a)) }

func parseInto(w *words, b []byte, v *Verdict) (err error) {
	*v, err = w.parse(b)
	return err
}

// verdictOf reads porcupine's result.
func verdictOf(r porcupine.CheckResult) Verdict {
	switch r {
	case porcupine.Ok:
		return Valid
	case porcupine.Illegal:
		return Invalid
	}
	return Unknown
}

// Gates that Options.Gate may add to the ones that always apply (lost
// writes, phantoms, divergence).
const (
	GateStale        = "stale"        // stale siblings
	GatePreservation = "preservation" // sibling preservation
	GateLinearizable = "linearizable" // a key not linearizable, or undecided
	GateExternal     = "external"     // external-consistency violations
)

// gate is a finding that makes a history invalid. A gate without a name
// always applies; the others apply when Options.Gate names them.
type gate struct {
	name string
	// fail says why the summary's history is invalid, or "" when it is
	// not.
	fail func(s *Summary) string
}

// gates are the findings that can make a history invalid, in the order
// Result.Failures gives them.
var gates = []gate{
	{"", func(s *Summary) string {
		return failIf(s.Lost, "%d of %d acknowledged writes lost", s.Lost, s.Acknowledged)
	}},
	{"", func(s *Summary) string { return failIf(s.Phantoms, "%d phantom versions read", s.Phantoms) }},
	{"", func(s *Summary) string {
		return failIf(s.Divergent, "%d keys divergent after convergence", s.Divergent)
	}},
	{GateStale, func(s *Summary) string { return failIf(s.Stale, "%d stale siblings", s.Stale) }},
	{GatePreservation, func(s *Summary) string {
		return failIf(s.Unpreserved, "%d keys did not preserve their siblings", s.Unpreserved)
	}},
	{GateLinearizable, func(s *Summary) string {
		return failIf(s.NonLinearizable, "%d keys not linearizable", s.NonLinearizable)
	}},
	{GateLinearizable, func(s *Summary) string {
		return failIf(s.LinearUnknown, "linearizability of %d keys unknown within the time limit", s.LinearUnknown)
	}},
	{GateExternal, func(s *Summary) string { return failIf(s.External, "%d external-consistency violations", s.External) }},
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

// verdict sums up the findings and applies the gates.
func (c *check) verdict(opts Options) {
	r := c.res
	s := &r.Summary
	s.Lost, s.Stale, s.Phantoms, s.Divergent = len(r.Lost), len(r.Stale), len(r.Phantoms), len(r.Divergent)
	for _, l := range r.Lost {
		s.LostByKind[l.Kind]++
		if l.Inverted != nil {
			s.Inverted++
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
	s.Linearizable = Answer(LinearVerdict(s.NonLinearizable, s.LinearUnknown))
	for _, g := range gates {
		if g.name != "" && !slices.Contains(opts.Gate, g.name) {
			continue
		}
		if why := g.fail(s); why != "" {
			if g.name != "" {
				why += fmt.Sprintf(" (gated by --gate %s)", g.name)
			}
			r.Failures = append(r.Failures, why)
		}
	}
	r.Valid = len(r.Failures) == 0
}
