package checker

import (
	"fmt"
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
