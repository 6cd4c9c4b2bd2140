package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/histories"
)

// side is what became of a scenario's writes under one strategy.
type side struct {
	strategy string
	ids      []string          // writes and deletes, in invoke order
	what     map[string]string // id → the operation, e.g. "c1 write x=a via n2, blind"
	fate     map[string]string // id → what became of it
	keys     []string
	final    map[string]string // key → what the final reads returned
	verdict  string
}

// newSide sums up one strategy's play of a scenario from its history and
// the checker's verdict.
func newSide(strategy string, h []histories.Event, result *checker.Result, g *checker.Graph) *side {
	sd := &side{strategy: strategy, what: map[string]string{}, fate: map[string]string{}, final: map[string]string{}}
	lost := map[string]checker.Lost{}
	for _, l := range result.Lost {
		lost[l.Write.Write] = l
	}
	var writes []*checker.Write
	for _, k := range result.Keys {
		sd.keys = append(sd.keys, k.Key)
		sd.final[k.Key] = finalVersions(h, k.Key)
		var fset []*checker.Write
		for _, id := range k.Final {
			if f := g.Write(id); f != nil {
				fset = append(fset, f)
			}
		}
		for _, w := range g.Writes(k.Key) {
			writes = append(writes, w)
			sd.fate[w.Write] = fate(w, lost, k.Final, fset, g)
		}
	}
	slices.SortFunc(writes, func(a, b *checker.Write) int { return a.Invoke - b.Invoke })
	for _, w := range writes {
		sd.ids = append(sd.ids, w.Write)
		sd.what[w.Write] = writeText(w)
	}
	sd.verdict = "VALID"
	if !result.Valid {
		sd.verdict = "INVALID: " + strings.Join(result.Failures, "; ")
	}
	return sd
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

// fate says what became of w: it survives, was lost, or was overwritten or
// deleted by a surviving version that follows it.
func fate(w *checker.Write, lost map[string]checker.Lost, final []string, fset []*checker.Write, g *checker.Graph) string {
	if l, ok := lost[w.Write]; ok {
		return "LOST (" + string(l.Kind) + ")"
	}
	if slices.Contains(final, w.Write) {
		return "survives"
	}
	if w.Type != histories.OK {
		return string(w.Type) + ", not kept"
	}
	var by []string
	deleted := true
	for _, f := range fset {
		if g.Precedes(w, f) {
			by = append(by, f.Write)
			deleted = deleted && f.Deleted
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

// finalVersions is what the final reads of key returned, once when every
// node agrees.
func finalVersions(h []histories.Event, key string) string {
	var seen []string
	for _, e := range h {
		if e.Process == histories.Final && e.Type == histories.OK && e.Key == key {
			if v := versionsText(e.Versions); !slices.Contains(seen, v) {
				seen = append(seen, v)
			}
		}
	}
	if len(seen) == 1 {
		return seen[0]
	}
	return finalText(h, key)
}

// sideBySide prints a table of what became of each write of sc under each
// strategy, then each key's final reads and each verdict.
func sideBySide(w io.Writer, sc harness.Scenario, sides []*side) {
	var ids []string
	what := map[string]string{}
	var keys []string
	for _, sd := range sides {
		for _, id := range sd.ids {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
				what[id] = sd.what[id]
			}
		}
		for _, k := range sd.keys {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	rows := [][]string{{"write"}}
	for _, sd := range sides {
		rows[0] = append(rows[0], sd.strategy)
	}
	cell := func(s string) string {
		if s == "" {
			return "—"
		}
		return s
	}
	for _, id := range ids {
		row := []string{fmt.Sprintf("%-4s %s", id, what[id])}
		for _, sd := range sides {
			row = append(row, cell(sd.fate[id]))
		}
		rows = append(rows, row)
	}
	for _, k := range keys {
		row := []string{"final read of " + k}
		for _, sd := range sides {
			row = append(row, cell(sd.final[k]))
		}
		rows = append(rows, row)
	}
	row := []string{"verdict"}
	for _, sd := range sides {
		row = append(row, sd.verdict)
	}
	rows = append(rows, row)

	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	fmt.Fprintf(w, "━━ scenario %s · side by side\n   %s\n\n", sc.Name, sc.Title)
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
