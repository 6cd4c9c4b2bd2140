package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/experiment"
	"github.com/clockwise-kv/clockwise/experiment/shrink"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/internal/runs"
	"github.com/clockwise-kv/clockwise/report"
)

func newShrink() *cobra.Command {
	var (
		finding string
		out     string
	)
	cmd := &cobra.Command{
		Use:   "shrink RUN",
		Short: "Find the smallest run that still fails like a failing run",
		Long: `shrink reads a failing run folder written by 'clockwise check' (or by a
sweep), replays its check command, and searches for the smallest run that still
fails with the same finding on the same strategy: fewer operations, clients,
keys and nodes, fewer fault kinds, no drops; then, on the recorded schedule of
that run, it drops operations and faults one chunk at a time (delta debugging)
and brings the faults forward. Every candidate is a deterministic replay, so the
same run always shrinks to the same run.

It writes the smallest run to a new folder, shrunk-<strategy>-<time>, with its
schedule (schedule.json), and prints its story as 'clockwise demo' prints a
scenario: every operation, the final reads, the causal relations, the verdict.

--finding picks the finding to keep (default: the run's first of ` + strings.Join(experiment.FindingKinds, ", ") + `).

Exit status: 1 when the shrunk run fails (it always does), 2 bad usage, a run
folder without a check command, or a run that does not fail.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := validFinding(finding); err != nil {
				return err
			}
			info, err := runs.ReadInfo(args[0])
			if err != nil {
				return err
			}
			cfg, opts, err := parseCheckCommand(info.Command)
			if err != nil {
				return inputErr(fmt.Errorf("%s: run.json's command: %w", args[0], err))
			}
			return shrinkRun(cmd.OutOrStdout(), cfg, opts, finding, out, "clockwise shrink "+experiment.ShellQuote(args[0]))
		},
	}
	cmd.Flags().StringVar(&finding, "finding", "", "the finding the shrunk run must keep: "+strings.Join(experiment.FindingKinds, ", "))
	cmd.Flags().StringVar(&out, "out", "runs", "folder that holds the shrunk run's folder")
	return cmd
}

// shrinkRun shrinks the run of cfg, saves the smallest run under out and
// prints its story.
func shrinkRun(w io.Writer, cfg harness.Config, opts checker.Options, finding, out, command string) error {
	start := time.Now()
	s, err := shrink.Run(cfg, finding, opts)
	if err != nil {
		return err
	}
	r, err := shrink.Save(out, s, command, opts)
	if err != nil {
		return err
	}
	title := fmt.Sprintf("seed %d shrunk, keeping %s: %s → %s", cfg.Seed, s.Finding, s.Before, s.After)
	if err := report.WriteStory(w, report.Story{
		Scenario: "shrunk", Title: title, Strategy: cfg.Strategy, History: s.History, Analysis: s.Analysis, Result: s.Result,
	}); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%d runs in %s; shrunk run: %s (schedule in %s)\n", s.Runs, time.Since(start).Round(time.Millisecond), r.Dir, experiment.ScheduleFile)
	return errInvalid
}

// validFinding checks --finding.
func validFinding(finding string) error {
	if finding != "" && !slices.Contains(experiment.FindingKinds, finding) {
		return usageErr("invalid --finding: %q (known: %s)", finding, strings.Join(experiment.FindingKinds, ", "))
	}
	return nil
}

// parseCheckCommand reads a 'clockwise check' command line, as run.json
// records it, into the run's configuration and checker options.
func parseCheckCommand(command string) (harness.Config, checker.Options, error) {
	args, err := experiment.SplitShell(command)
	if err != nil {
		return harness.Config{}, checker.Options{}, err
	}
	if len(args) < 2 || args[0] != "clockwise" || args[1] != "check" {
		return harness.Config{}, checker.Options{}, fmt.Errorf("%q is not a clockwise check command", command)
	}
	var (
		f      testFlags
		gate   []string
		linear time.Duration
	)
	// The flags of check that run.json records (replay leaves out --out,
	// --limit, --shrink and --json, which change no run).
	fs := pflag.NewFlagSet("check", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f.register(fs)
	gateFlag(fs, &gate)
	linearFlag(fs, &linear)
	if err := fs.Parse(args[2:]); err != nil {
		return harness.Config{}, checker.Options{}, err
	}
	cfg, err := f.config()
	if err != nil {
		return cfg, checker.Options{}, err
	}
	opts, err := checkOptions(gate, linear)
	return cfg, opts, err
}
