package page

import (
	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/report"
)

// fate is what became of a write, against its key's final set F: it was
// lost, it survives (it is in F), it failed or its outcome is unknown, or
// a surviving version that follows it replaced it.
type fate struct {
	w        *checker.Write
	lost     *checker.Lost
	survives bool
	judged   bool // the key had final reads
}

// fateOf judges w; inF is F by id, lost the result's lost writes by id.
func fateOf(w *checker.Write, inF map[string]bool, lost map[string]*checker.Lost, judged bool) fate {
	return fate{w: w, lost: lost[w.Write], survives: inF[w.Write], judged: judged}
}

// words say it as the page does: a phrase, and the class that colours it.
func (f fate) words() (string, string) {
	switch {
	case f.lost != nil:
		return report.LostWords(f.lost), "lost"
	case f.survives:
		return "survives", "final"
	case f.w.Type == histories.Fail:
		return "failed", "failed"
	case f.w.Type == histories.Info:
		return "unknown outcome", "info"
	case !f.judged:
		return "not judged (no final reads)", "info"
	}
	return "superseded by a write that follows it", "superseded"
}
