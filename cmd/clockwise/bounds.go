package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/clockwise-kv/clockwise/experiment"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/internal/runs"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// Upper bounds of the size flags. Each is far above any run that teaches
// something and far below one that would exhaust memory: the simulator,
// the checker and the reports hold what a run makes in memory.
const (
	// maxNodes bounds --nodes: every node keeps every key it holds and a
	// version vector grows an entry per node, the simulator delivers every
	// write to every replica, and the report draws a row per node. 64
	// nodes run in seconds; 10,000 ran for minutes.
	maxNodes = 64
	// maxClients bounds --clients: a client per goroutine and timeline row.
	maxClients = 1000
	// maxKeys bounds --keys: the final reads are one per key per node.
	maxKeys = 10_000
	// maxOps bounds --ops: a million-operation check peaks at 0.9 GiB.
	maxOps = 2_000_000
	// maxFaults bounds the faults a run's length and --interval would
	// inject: each is an event the checker and the report keep.
	maxFaults = 1_000_000
	// maxSweepSeeds bounds the seeds one sweep (or one shard of it)
	// runs: each seed's outcome is kept until the summary is written.
	// --shard spreads a larger range over several sweeps.
	maxSweepSeeds = 100_000
	// maxParallel bounds --parallel: each run at once holds its history.
	maxParallel = 256
	// maxMatrixSeeds bounds matrix --seeds: every cell runs each seed.
	maxMatrixSeeds = 10_000
)

// bounded checks the size flags' upper bounds; config checks their lower
// ones. Each error names the flag, the bound and why.
func (f *testFlags) bounded() error {
	for _, v := range []struct {
		name, why string
		n, max    int
	}{
		{"nodes", "every node holds every key and a version vector grows an entry per node", f.nodes, maxNodes},
		{"clients", "each client is a goroutine and a timeline row", f.clients, maxClients},
		{"keys", "the final reads are one per key per node", f.keys, maxKeys},
		{"ops", "the checker and the reports hold the whole history; a million operations take 0.9 GiB", f.ops, maxOps},
		{"prune", "a version vector has at most one entry per node", f.prune, maxNodes},
		{"replicas", "a key has at most one replica per node", f.replicas, maxNodes},
		{"w", "a write has at most one replica per node", f.w, maxNodes},
	} {
		if v.n > v.max {
			return usageErr("invalid --%s: %d: must be at most %d (%s)", v.name, v.n, v.max, v.why)
		}
	}
	return nil
}

// faultBound checks that the run cfg describes injects at most maxFaults
// faults: about one every two --interval over its expected length, each
// client's share of the operations, each a round trip and half a think.
func faultBound(cfg harness.Config) error {
	if len(cfg.Nemesis.Kinds) == 0 || cfg.Nemesis.Interval <= 0 {
		return nil
	}
	per := cfg.Think/2 + 2*(cfg.Latency.Min+cfg.Latency.Mean)
	length := time.Duration(float64(per) * float64(cfg.Ops) / float64(cfg.Clients))
	if faults := float64(length) / float64(2*cfg.Nemesis.Interval); faults > maxFaults {
		return usageErr("invalid --interval: %v: a run of about %v would inject about %.0f faults, more than %d; lengthen --interval or shorten the run",
			cfg.Nemesis.Interval, length.Round(time.Second), faults, maxFaults)
	}
	return nil
}

// warnings are what a run of cfg should be told before it starts: a fault
// that has too few nodes to act on.
func warnings(cfg harness.Config) []string {
	var out []string
	if cfg.Nodes < 2 && slices.Contains(cfg.Nemesis.Kinds, nemesis.Partition) {
		out = append(out, fmt.Sprintf("warning: the partition fault needs two nodes and --nodes is %d: its partitions cut nothing", cfg.Nodes))
	}
	return out
}

// warn prints cfg's warnings on w.
func warn(w io.Writer, cfg harness.Config) {
	for _, s := range warnings(cfg) {
		fmt.Fprintf(w, "clockwise: %s\n", s)
	}
}

// lowerNames lower-cases names in place: strategy and nemesis names are
// read whatever their case.
func lowerNames(names []string) {
	for i, s := range names {
		names[i] = strings.ToLower(strings.TrimSpace(s))
	}
}

// flagError is the error of a flag cobra could not parse, as bad usage;
// an unknown flag gets the flag it was likely meant to be.
func flagError(c *cobra.Command, err error) error {
	var ne *pflag.NotExistError
	if errors.As(err, &ne) {
		typed := ne.GetSpecifiedName()
		if sh := ne.GetSpecifiedShortnames(); len(sh) > 1 {
			typed = sh // -strategy: a long flag with one dash
		}
		if s := suggestFlag(c, typed); s != "" {
			return usageErr("%v (did you mean --%s?)", err, s)
		}
	}
	return usageErr("%v", err)
}

// suggestFlag is the flag of c closest to typed: the one typed begins, or
// within an edit distance of 2 (a third of typed's length for short
// names); "" when none is.
func suggestFlag(c *cobra.Command, typed string) string {
	typed = strings.ToLower(strings.TrimLeft(typed, "-"))
	if typed == "" {
		return ""
	}
	limit := min(2, max(1, len(typed)/3))
	best, bestD := "", limit+1
	visit := func(f *pflag.Flag) {
		d := levenshtein(typed, f.Name)
		if len(typed) >= 3 && strings.HasPrefix(f.Name, typed) {
			d = 1
		}
		if d < bestD || d == bestD && best != "" && f.Name < best {
			best, bestD = f.Name, d
		}
	}
	c.Flags().VisitAll(visit)
	c.InheritedFlags().VisitAll(visit)
	return best
}

// levenshtein is the edit distance between a and b: the fewest
// insertions, deletions and substitutions of a byte that turn a into b
// (flag names are ASCII).
func levenshtein(a, b string) int {
	row := make([]int, len(b)+1)
	for j := range row {
		row[j] = j
	}
	for i := 1; i <= len(a); i++ {
		prev := row[0]
		row[0] = i
		for j := 1; j <= len(b); j++ {
			cur := row[j]
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			row[j] = min(row[j]+1, row[j-1]+1, prev+cost)
			prev = cur
		}
	}
	return row[len(b)]
}

// judgeGrace is how long after a SIGTERM or Ctrl-C a check may go on
// judging what it recorded; then it stops (stopAfter). The environment
// variable graceEnv sets another (a Go duration), for a machine or a test
// that wants the interrupted run judged however long that takes.
const judgeGrace = 800 * time.Millisecond

// graceEnv names the environment variable that replaces judgeGrace.
const graceEnv = "CLOCKWISE_INTERRUPT_GRACE"

// interruptGrace is judgeGrace, or what graceEnv sets.
func interruptGrace() (time.Duration, error) {
	v := os.Getenv(graceEnv)
	if v == "" {
		return judgeGrace, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, usageErr("invalid %s: %q: want a positive duration such as 800ms", graceEnv, v)
	}
	return d, nil
}

// exit ends the process; a variable for the tests.
var exit = os.Exit

// stopAfter bounds the judging of an interrupted check: once ctx is done
// (a SIGTERM or Ctrl-C) it gives the check grace to judge what it
// recorded and write its reports (grace: judgeGrace unless graceEnv sets
// another), then says where the history is and how
// to judge it, and ends the process with exit 3 (unknown), unless
// finished is closed first. The history is whole lines by then: the run
// stopped and flushed it at the signal. dir is the run folder, "" while
// unknown.
func stopAfter(ctx context.Context, grace time.Duration, finished <-chan struct{}, w io.Writer, dir func() string) {
	select {
	case <-finished:
		return
	case <-ctx.Done():
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-finished:
		return
	case <-t.C:
	}
	msg := fmt.Sprintf("clockwise: interrupted; stopped judging what was recorded after %v", grace)
	if d := dir(); d != "" {
		msg += fmt.Sprintf(": the history so far is in %s; judge it with: %s analyze %s",
			filepath.Join(d, runs.HistoryFile), self.name, experiment.ShellQuote(d))
	}
	fmt.Fprintln(w, msg)
	exit(exitUnknown)
}
