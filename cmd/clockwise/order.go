package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/histories"
)

// writeOrder prints, for strategies that stamp writes with a timestamp, the
// total order the timestamps impose on each key's acknowledged writes: the
// store keeps the highest (timestamp, coordinator), and the order says which
// write it dropped for which. Nothing is printed when no write carries a
// timestamp.
func writeOrder(w io.Writer, result *checker.Result, g *checker.Graph) {
	lost := map[string]checker.LostKind{}
	for _, l := range result.Lost {
		lost[l.Write.Write] = l.Kind
	}
	var lines []string
	for _, k := range result.Keys {
		var ws []*checker.Write
		for _, x := range g.Writes(k.Key) {
			if x.Type == histories.OK && x.Meta != nil && x.Meta.TS != 0 {
				ws = append(ws, x)
			}
		}
		if len(ws) == 0 {
			continue
		}
		slices.SortFunc(ws, func(a, b *checker.Write) int {
			return cmp.Or(cmp.Compare(a.Meta.TS, b.Meta.TS), cmp.Compare(a.Node, b.Node), cmp.Compare(a.Write, b.Write))
		})
		parts := make([]string, len(ws))
		for i, x := range ws {
			note := ""
			if kind, ok := lost[x.Write]; ok {
				note = ", LOST: " + string(kind)
			}
			parts[i] = fmt.Sprintf("%s (ts %d, %s%s)", x.Write, x.Meta.TS, x.Node, note)
		}
		lines = append(lines, fmt.Sprintf("    %s: %s", k.Key, strings.Join(parts, " < ")))
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(w, "\n  total order of the timestamps (ties broken by node; the store keeps the highest):\n")
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
}
