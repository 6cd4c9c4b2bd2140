package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/report"
	"github.com/clockwise-kv/clockwise/store"
)

// strategyTitles say in a few words what each strategy is.
var strategyTitles = map[string]string{
	"lww":       "wall-clock last-write-wins",
	"vv":        "version vectors, node actors",
	"lamport":   "Lamport clocks",
	"truetime":  "TrueTime commit-wait",
	"vv-pruned": "version vectors, pruned",
	"dvv":       "dotted version vectors",
}

func newDemo() *cobra.Command {
	var strategies, scenarios []string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Play the scripted scenarios and show what each strategy keeps and loses",
		Long: `demo plays scripted scenarios (the same output every run) against each
strategy and prints what happened: every operation with its acknowledgement, the
final reads, the causal relation between the writes (from what clients read),
and the checker's verdict with each lost write explained.

The skew scenario: n1's clock runs 5s fast. A client writes x through n1;
another reads it through n2 and overwrites it (happens-before); then two clients
write y at the same moment through n1 and n2 (concurrent).

The tombstone scenario: two writes to x, then the nemesis deletes x through n1
while n1's clock reads an hour ahead, so the tombstone carries a timestamp from
the future. After the delete one client writes x blindly (concurrent with the
delete) and another reads x and writes over what it read. Under lww both later
writes are acknowledged and suppressed and x stays "not found"; under vv the
blind write is a sibling of the tombstone and the write that read the tombstone
replaces it.

With more than one strategy, each scenario ends with a side-by-side table of
what became of every write under each strategy.

The siblings scenario (the DVV paper's example): every write goes through n1;
w1, then w2 blind, then w3 by a client that read only w1. dvv keeps w2 and w3;
vv keeps w1 too, a stale sibling. Try --strategy vv,dvv.

The prune scenario: vectors capped at 2 entries (vv-pruned) and n3's clock 5s
slow; pruning by wall-clock age drops n3's own fresh entry and a concurrent
write replaces w3. Try --strategy vv,vv-pruned.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := validStrategies(strategies); err != nil {
				return err
			}
			var plays []harness.Scenario
			for _, name := range scenarios {
				sc, ok := harness.ScenarioNamed(name)
				if !ok {
					var known []string
					for _, s := range harness.Scenarios() {
						known = append(known, s.Name)
					}
					return usageErr("invalid --scenario: %q (known: %s)", name, strings.Join(known, ", "))
				}
				plays = append(plays, sc)
			}
			for _, sc := range plays {
				var sides []*side
				for _, s := range strategies {
					sd, err := playScenario(cmd.OutOrStdout(), sc, s)
					if err != nil {
						return err
					}
					sides = append(sides, sd)
				}
				if len(sides) > 1 {
					sideBySide(cmd.OutOrStdout(), sc, sides)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&strategies, "strategy", []string{"lww", "vv"}, "strategies to play, in order")
	cmd.Flags().StringSliceVar(&scenarios, "scenario", []string{"skew", "tombstone"}, "scenarios to play, in order")
	return cmd
}

// playScenario runs one scenario under one strategy, tells its story and
// returns what became of each write, for the side-by-side table.
func playScenario(w io.Writer, sc harness.Scenario, strategy string) (*side, error) {
	res, err := harness.RunScript(sc.Config(strategy), sc.Steps, nil)
	if err != nil {
		return nil, err
	}
	a, err := checker.Analyze(res.History)
	if err != nil {
		return nil, err
	}
	result, err := a.Check(checker.Options{})
	if err != nil {
		return nil, err
	}
	g := a.Graph
	lost := map[string]checker.Lost{}
	for _, l := range result.Lost {
		lost[l.Write.Write] = l
	}
	title := strategy
	if t := strategyTitles[strategy]; t != "" {
		title += ": " + t
	}
	fmt.Fprintf(w, "━━ scenario %s · strategy %s\n   %s\n\n", sc.Name, title, sc.Title)
	open := map[string]histories.Event{}
	for _, e := range res.History {
		switch {
		case e.IsFault():
			fmt.Fprintf(w, "  %9s  %-7s %s %s\n", clock.Seconds(e.Time), "nemesis", e.F, params(e.Params))
		case e.Process == histories.Final:
		case e.Type == histories.Invoke:
			open[e.Process] = e
		default:
			inv := open[e.Process]
			line := fmt.Sprintf("  %9s  %-7s %-38s %s", clock.Seconds(e.Time), e.Process, opText(inv), outcome(e))
			if l, ok := lost[e.Write]; ok {
				line += fmt.Sprintf("  ← acknowledged, then LOST (%s)", l.Kind)
			}
			fmt.Fprintln(w, line)
		}
	}
	fmt.Fprintf(w, "\n  final reads, after every fault healed and the replicas converged:\n")
	for _, k := range result.Keys {
		fmt.Fprintf(w, "    %s → %s\n", k.Key, finalText(res.History, k.Key))
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
	if err := report.WriteText(&indent{w: w, prefix: "  "}, result, 0); err != nil {
		return nil, err
	}
	fmt.Fprintln(w)
	return newSide(strategy, res.History, result, g), nil
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
		s += " " + versionsText(e.Versions)
	case e.Meta != nil && e.Meta.TS != 0:
		s += fmt.Sprintf(" ts %d", e.Meta.TS)
		if e.Offset != nil && *e.Offset != 0 {
			s += fmt.Sprintf(" (%s's clock %s)", e.Node, clock.Signed(*e.Offset))
		}
	case e.Meta != nil && e.Meta.Dot != nil:
		s += fmt.Sprintf(" dot %s:%d vv %v", e.Meta.Dot.Node, e.Meta.Dot.Counter, store.FromMap(e.Meta.VV))
	case e.Meta != nil && e.Meta.VV != nil:
		s += fmt.Sprintf(" vv %v", store.FromMap(e.Meta.VV))
	}
	if e.Error != "" {
		s += " (" + e.Error + ")"
	}
	return s
}

func versionsText(vs []histories.Version) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		if v.Deleted {
			parts[i] = v.Write + "=(deleted)"
		} else {
			parts[i] = v.Write + "=" + v.Value
		}
	}
	s := "[" + strings.Join(parts, " ") + "]"
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
			v := versionsText(e.Versions)
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

func params(p map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(p)) {
		parts = append(parts, k+" "+p[k])
	}
	return strings.Join(parts, ", ")
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
