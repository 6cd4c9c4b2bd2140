package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/histories"
)

// column is what became of a scenario's writes under one strategy: its
// column of the side-by-side table.
type column struct {
	strategy string
	ids      []string          // writes and deletes, in invoke order
	what     map[string]string // id → the operation, e.g. "c1 write x=a via n2, blind"
	fates    map[string]string // id → what became of it
	keys     []string
	final    map[string]string // key → what the final reads returned
	verdict  string
}

// newColumn sums up one strategy's play of a scenario.
func newColumn(s Story) *column {
	h, result, g := s.History, s.Result, s.Analysis.Graph
	col := &column{strategy: s.Strategy, what: map[string]string{}, fates: map[string]string{}, final: map[string]string{}}
	lost := lostByWrite(result)
	var writes []*checker.Write
	for _, k := range result.Keys {
		col.keys = append(col.keys, k.Key)
		col.final[k.Key] = finalVersions(h, k.Key)
		inF := map[string]bool{}
		var fset []*checker.Write
		for _, id := range k.Final {
			inF[id] = true
			if f := g.Write(id); f != nil {
				fset = append(fset, f)
			}
		}
		for _, w := range g.Writes(k.Key) {
			writes = append(writes, w)
			col.fates[w.Write] = fateCell(w, lost[w.Write], inF[w.Write], g, fset)
		}
	}
	slices.SortFunc(writes, func(a, b *checker.Write) int { return a.Invoke - b.Invoke })
	for _, w := range writes {
		col.ids = append(col.ids, w.Write)
		col.what[w.Write] = writeText(w)
	}
	col.verdict = strings.ToUpper(result.Verdict.String())
	if result.Verdict != checker.Valid {
		col.verdict = Headline(result)
	}
	return col
}

// LostWords names a lost write's fate: "LOST (concurrent-dropped)", or
// "LOST to clock skew (overwritten-by-older)".
func LostWords(l *checker.Lost) string {
	if l.Skew {
		return "LOST to clock skew (" + string(l.Kind) + ")"
	}
	return "LOST (" + string(l.Kind) + ")"
}

// fateCell says what became of write w, against its key's final set F
// (fset), as the side-by-side table does: it was lost, it survives (it is in
// F), it failed or its outcome is unknown, or the members of F that follow
// it replaced it: "overwritten by w5", "deleted by d3".
func fateCell(w *checker.Write, lost *checker.Lost, survives bool, g *checker.Graph, fset []*checker.Write) string {
	switch {
	case lost != nil:
		return LostWords(lost)
	case survives:
		return "survives"
	case w.Type != histories.OK:
		return string(w.Type) + ", not kept"
	}
	var by []string
	deleted := true
	for _, x := range fset {
		if g.Precedes(w, x) {
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

// writeText describes a write without its context, which may differ between
// strategies: "c2 write x=d via n3, after a read".
func writeText(w *checker.Write) string {
	s := fmt.Sprintf("%s write %s=%s via %s", w.Process, w.Key, w.Value, w.Node)
	if w.Deleted {
		s = fmt.Sprintf("%s delete %s via %s", w.Process, w.Key, w.Node)
	}
	if w.Offset != nil && *w.Offset != 0 {
		s += fmt.Sprintf(" (clock %s)", clock.Signed(*w.Offset))
	}
	if len(w.Context) == 0 {
		return s + ", blind"
	}
	return s + ", after a read"
}

// finalVersions is what the final reads of key returned, once when every
// node agrees.
func finalVersions(h []histories.Event, key string) string {
	var seen []string
	for _, e := range h {
		if e.Process == histories.Final && e.Type == histories.OK && e.Key == key {
			if v := readText(e.Versions); !slices.Contains(seen, v) {
				seen = append(seen, v)
			}
		}
	}
	if len(seen) == 1 {
		return seen[0]
	}
	return finalText(h, key)
}

// WriteSideBySide writes a table of what became of each write of a
// scenario under each strategy that played it, then each key's final reads
// and each verdict. The stories are plays of one scenario.
func WriteSideBySide(w io.Writer, stories []Story) {
	if len(stories) == 0 {
		return
	}
	var cols []*column
	for _, s := range stories {
		cols = append(cols, newColumn(s))
	}
	var ids []string
	what := map[string]string{}
	var keys []string
	for _, col := range cols {
		for _, id := range col.ids {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
				what[id] = col.what[id]
			}
		}
		for _, k := range col.keys {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	rows := [][]string{{"write"}}
	for _, col := range cols {
		rows[0] = append(rows[0], col.strategy)
	}
	cell := func(s string) string {
		if s == "" {
			return "—"
		}
		return s
	}
	for _, id := range ids {
		row := []string{fmt.Sprintf("%-4s %s", id, what[id])}
		for _, col := range cols {
			row = append(row, cell(col.fates[id]))
		}
		rows = append(rows, row)
	}
	for _, k := range keys {
		row := []string{"final read of " + k}
		for _, col := range cols {
			row = append(row, cell(col.final[k]))
		}
		rows = append(rows, row)
	}
	row := []string{"verdict"}
	for _, col := range cols {
		row = append(row, col.verdict)
	}
	rows = append(rows, row)

	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	fmt.Fprintf(w, "━━ scenario %s · side by side\n   %s\n\n", stories[0].Scenario, stories[0].Title)
	for _, r := range rows {
		var b strings.Builder
		b.WriteString("  ")
		for i, c := range r {
			if i == len(r)-1 {
				b.WriteString(c)
				break
			}
			fmt.Fprintf(&b, "%-*s  ", width[i], c)
		}
		fmt.Fprintln(w, b.String())
	}
	fmt.Fprintln(w)
}
