package results

import (
	"fmt"
	"strings"
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
		return nil, fmt.Errorf("results: no verdict %d", v)
	}
	return []byte(w[v]), nil
}

func (w *words) parse(b []byte) (Verdict, error) {
	for i, s := range w {
		if string(b) == s {
			return Verdict(i), nil
		}
	}
	return Unknown, fmt.Errorf("results: verdict %q is not one of %s", b, strings.Join(w[:], ", "))
}

func (w *words) string(v Verdict) string {
	b, err := w.text(v)
	if err != nil {
		return fmt.Sprintf("Verdict(%d)", v)
	}
	return string(b)
}

// Jepsen returns the verdict as Jepsen's :valid? writes it: true, false or
// :unknown.
func (v Verdict) Jepsen() string {
	switch v {
	case Valid:
		return "true"
	case Invalid:
		return "false"
	}
	return ":unknown"
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

// Decide sets r.Verdict and r.Valid from the failures and the reasons to doubt.
func (r *Result) Decide() {
	switch {
	case len(r.Failures) > 0:
		r.Verdict = Invalid
	case len(r.Unknown) > 0:
		r.Verdict = Unknown
	default:
		r.Verdict = Valid
	}
	r.Valid = r.Verdict == Valid
}

// Undecided adds a reason the history cannot decide, found outside it (a
// run interrupted before its end): a history valid so far becomes unknown.
func (r *Result) Undecided(why string) {
	r.Unknown = append(r.Unknown, why)
	r.Decide()
}

// LinearVerdict sums up per-key verdicts: Invalid when some key is not
// linearizable, else Unknown when some key is undecided, else Valid.
func LinearVerdict(illegal, unknown int) Verdict {
	switch {
	case illegal > 0:
		return Invalid
	case unknown > 0:
		return Unknown
	}
	return Valid
}
