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
	"github.com/clockwise-kv/clockwise/internal/cli"
	"github.com/clockwise-kv/clockwise/internal/runs"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// Upper bounds of the flags of sweep and matrix (harness.Limit bounds a
// run's sizes).
const (
	// maxSweepSeeds bounds the seeds one sweep (or one shard of it)
	// runs: each seed's outcome is kept until the summary is written.
	// --shard spreads a larger range over several sweeps.
	maxSweepSeeds = 100_000
	// maxParallel bounds --parallel: each run at once holds its history.
	maxParallel = 256
	// maxMatrixSeeds bounds matrix --seeds: every cell runs each seed.
	maxMatrixSeeds = 10_000
)

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
		if s := cli.Suggest(c, typed); s != "" {
			return usageErr("%v (did you mean --%s?)", err, s)
		}
	}
	return usageErr("%v", err)
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
			filepath.Join(d, runs.HistoryFile), cli.Self.Name, experiment.ShellQuote(d))
	}
	fmt.Fprintln(w, msg)
	exit(exitUnknown)
}
