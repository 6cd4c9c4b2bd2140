package report

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/histories"
)

// Story is one play of a scripted scenario under one strategy, as the demo
// tells it.
type Story struct {
	Scenario string // the scenario's name
	Title    string // what the scenario sets up, in one line
	Strategy string
	History  []histories.Event
	Analysis *checker.Analysis
	Result   *checker.Result
}

// strategyTitles say in a few words what each strategy is.
var strategyTitles = map[string]string{
	"lww":       "wall-clock last-write-wins",
	"vv":        "version vectors, node actors",
	"lamport":   "Lamport clocks",
	"truetime":  "TrueTime commit-wait",
	"vv-pruned": "version vectors, pruned",
	"dvv":       "dotted version vectors",
}

// WriteStory tells a story: every operation with its acknowledgement, the
// final reads, the order timestamps impose, the causal relation between the
// writes (from what clients read) and the checker's verdict, each lost write
// explained.
func WriteStory(w io.Writer, s Story) error {
	g, result := s.Analysis.Graph, s.Result
	lost := lostByWrite(result)
	title := s.Strategy
	if t := strategyTitles[s.Strategy]; t != "" {
		title += ": " + t
	}
	fmt.Fprintf(w, "━━ scenario %s · strategy %s\n   %s\n\n", s.Scenario, title, s.Title)
	open := map[string]histories.Event{}
	for _, e := range s.History {
		switch {
		case e.IsFault():
			fmt.Fprintf(w, "  %9s  %-7s %s %s\n", clock.Seconds(e.Time), "nemesis", e.F, Params(e.Params))
		case e.Process == histories.Final:
		case e.Type == histories.Invoke:
			open[e.Process] = e
		default:
			inv := open[e.Process]
			line := fmt.Sprintf("  %9s  %-7s %-38s %s", clock.Seconds(e.Time), e.Process, opText(inv), outcome(e))
			if l, ok := lost[e.Write]; ok {
				if l.Skew {
					line += fmt.Sprintf("  ← acknowledged, then LOST to clock skew (stamped below %s; %s)", l.Above.Write, l.Kind)
				} else {
					line += fmt.Sprintf("  ← acknowledged, then LOST (%s)", l.Kind)
				}
			}
			fmt.Fprintln(w, line)
		}
	}
	converged := "the replicas converged"
	for _, f := range result.Faults {
		if f.F == histories.Unconverged {
			converged = "the replicas did NOT converge"
		}
	}
	fmt.Fprintf(w, "\n  final reads, after every fault healed and %s:\n", converged)
	for _, k := range result.Keys {
		fmt.Fprintf(w, "    %s → %s\n", k.Key, finalText(s.History, k.Key))
	}
	writeOrder(w, result, g)
	fmt.Fprintf(w, "\n  causality, from what the clients read:\n")
	for _, k := range result.Keys {
		ws := g.Writes(k.Key)
		for i, a := range ws {
			for _, b := range ws[i+1:] {
				switch g.Relation(a, b) {
				case checker.Before:
					fmt.Fprintf(w, "    %s → %s  happens-before: %s\n", a.Write, b.Write, because(g, a, b))
				case checker.After:
					fmt.Fprintf(w, "    %s → %s  happens-before: %s\n", b.Write, a.Write, because(g, b, a))
				default:
					fmt.Fprintf(w, "    %s ∥ %s  concurrent: neither client had read the other's write\n", a.Write, b.Write)
				}
			}
		}
	}
	fmt.Fprintf(w, "\n  verdict: ")
	if err := WriteText(&indent{w: w, prefix: "  "}, result, 0); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w)
	return err
}

// lostByWrite indexes a result's lost writes by write id.
func lostByWrite(res *checker.Result) map[string]*checker.Lost {
	lost := map[string]*checker.Lost{}
	for i := range res.Lost {
		lost[res.Lost[i].Write.Write] = &res.Lost[i]
	}
	return lost
}

// because says why b follows a: b's client read a, or read versions that
// follow a.
func because(g *checker.Graph, a, b *checker.Write) string {
	verb := "wrote"
	if b.Deleted {
		verb = "deleted"
	}
	var via []string
	for _, p := range b.Parents() {
		if p == a {
			return fmt.Sprintf("%s read %s, then %s %s", b.Process, a.Write, verb, b.Write)
		}
		if g.Precedes(a, p) {
			via = append(via, p.Write)
		}
	}
	follow := "follows"
	if len(via) > 1 {
		follow = "follow"
	}
	return fmt.Sprintf("%s read %s, which %s %s, then %s %s", b.Process, strings.Join(via, " and "), follow, a.Write, verb, b.Write)
}

func opText(e histories.Event) string {
	switch e.F {
	case histories.Read:
		return fmt.Sprintf("read %s via %s", e.Key, e.Node)
	case histories.Delete:
		return fmt.Sprintf("delete %s (%s) via %s, %s", e.Key, e.Write, e.Node, ctxText(e.Context))
	}
	return fmt.Sprintf("write %s=%s (%s) via %s, %s", e.Key, e.Value, e.Write, e.Node, ctxText(e.Context))
}

func ctxText(ctx []string) string {
	if len(ctx) == 0 {
		return "blind"
	}
	return "read [" + strings.Join(ctx, " ") + "]"
}

func outcome(e histories.Event) string {
	s := string(e.Type)
	switch {
	case e.F == histories.Read && e.Type == histories.OK:
		s += " " + readText(e.Versions)
	case e.Meta != nil && e.Meta.TS != 0:
		s += fmt.Sprintf(" ts %d", e.Meta.TS)
		if e.Offset != nil && *e.Offset != 0 {
			s += fmt.Sprintf(" (%s's clock %s)", e.Node, clock.Signed(*e.Offset))
		}
	case e.Meta != nil && e.Meta.Dot != nil:
		s += fmt.Sprintf(" dot %s:%d vv %v", e.Meta.Dot.Node, e.Meta.Dot.Counter, VV(e.Meta.VV))
	case e.Meta != nil && e.Meta.VV != nil:
		s += fmt.Sprintf(" vv %v", VV(e.Meta.VV))
	}
	if e.Error != "" {
		s += " (" + e.Error + ")"
	}
	return s
}

// readText is what a read returned, as the demo writes it: "[w1=a
// d2=(deleted)]", "not found" when it returned nothing, "not found [...]"
// when it returned only tombstones.
func readText(vs []histories.Version) string {
	s := "[" + Versions(vs, "=(deleted)") + "]"
	switch {
	case len(vs) == 0:
		return "not found"
	case !histories.Found(vs):
		return "not found " + s
	}
	return s
}

// finalText summarises a key's final reads: "[w1=a] on n1 n2 n3".
func finalText(h []histories.Event, key string) string {
	var order []string
	nodes := map[string][]string{}
	for _, e := range h {
		if e.Process == histories.Final && e.Type == histories.OK && e.Key == key {
			v := readText(e.Versions)
			if _, ok := nodes[v]; !ok {
				order = append(order, v)
			}
			nodes[v] = append(nodes[v], e.Node)
		}
	}
	var parts []string
	for _, v := range order {
		parts = append(parts, fmt.Sprintf("%s on %s", v, strings.Join(nodes[v], " ")))
	}
	return strings.Join(parts, "; ")
}

// writeOrder prints, for strategies that stamp writes with a timestamp, the
// total order the timestamps impose on each key's acknowledged writes: the
// store keeps the highest (timestamp, coordinator), and the order says which
// write it dropped for which. Nothing is printed when no write carries a
// timestamp.
func writeOrder(w io.Writer, result *checker.Result, g *checker.Graph) {
	lost := lostByWrite(result)
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
			if l, ok := lost[x.Write]; ok {
				note = ", LOST: " + string(l.Kind)
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

// indent prefixes every line but the first with prefix.
type indent struct {
	w      io.Writer
	prefix string
	mid    bool
}

func (in *indent) Write(p []byte) (int, error) {
	for _, line := range strings.SplitAfter(string(p), "\n") {
		if line == "" {
			continue
		}
		if in.mid && line != "\n" {
			if _, err := io.WriteString(in.w, in.prefix); err != nil {
				return 0, err
			}
		}
		if _, err := io.WriteString(in.w, line); err != nil {
			return 0, err
		}
		in.mid = strings.HasSuffix(line, "\n")
	}
	return len(p), nil
}
