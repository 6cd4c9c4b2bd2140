package report

import (
	"strings"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/histories"
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

// lostWords names a lost write's fate: "LOST (concurrent-dropped)", or
// "LOST to clock skew (overwritten-by-older)".
func lostWords(l *checker.Lost) string {
	if l.Skew {
		return "LOST to clock skew (" + string(l.Kind) + ")"
	}
	return "LOST (" + string(l.Kind) + ")"
}

// page says it as the report page does: a phrase, and the class that
// colours it.
func (f fate) page() (string, string) {
	switch {
	case f.lost != nil:
		return lostWords(f.lost), "lost"
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

// cell says it as the demo's side-by-side table does, naming the members of
// F (fset) that replaced the write: "overwritten by w5", "deleted by d3".
func (f fate) cell(g *checker.Graph, fset []*checker.Write) string {
	switch {
	case f.lost != nil:
		return lostWords(f.lost)
	case f.survives:
		return "survives"
	case f.w.Type != histories.OK:
		return string(f.w.Type) + ", not kept"
	}
	var by []string
	deleted := true
	for _, x := range fset {
		if g.Precedes(f.w, x) {
			by = append(by, x.Write)
			deleted = deleted && x.Deleted
		}
	}
	switch {
	case len(by) == 0:
		return "gone"
	case deleted:
		return "deleted by " + strings.Join(by, " ")
	}
	return "overwritten by " + strings.Join(by, " ")
}
