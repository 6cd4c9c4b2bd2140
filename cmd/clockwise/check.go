package main

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/report"
	"github.com/clockwise-kv/clockwise/runs"
)

func newCheck() *cobra.Command {
	var (
		f      testFlags
		out    string
		gate   []string
		limit  int
		linear time.Duration
	)
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Run a randomized test, write its run folder, and judge its history",
		Long: `check runs a seeded, randomized test: concurrent clients read and write a few
keys through random nodes while the nemesis injects faults. It streams the
history to runs/<strategy>-<time>/history.jsonl, judges it, writes results.json,
report.txt and report.html next to it (and linearizability.html, porcupine's
visualization, when a key is not linearizable), points runs/latest at the
folder, and prints the verdict with each lost write explained. On a terminal
(and with CI unset) a progress bar counts the operations on stderr.

Exit status: 0 valid, 1 anomalies (lost writes, phantoms, divergence, or a
--gate finding), 2 bad usage.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.config()
			if err != nil {
				return err
			}
			if err := checkGates(gate); err != nil {
				return err
			}
			if err := checkLinearTimeout(linear); err != nil {
				return err
			}
			info := newRunInfo(cfg, replay(cmd, "out", "limit"))
			return runCheck(cmd, cfg, info, out, checker.Options{Gate: gate, LinearTimeout: linear}, limit)
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().StringVar(&out, "out", "runs", "folder that holds the run folders")
	gateFlag(cmd.Flags(), &gate)
	cmd.Flags().IntVar(&limit, "limit", 10, "list at most this many findings of each kind on the terminal (0: all); report.txt has all")
	linearFlag(cmd.Flags(), &linear)
	return cmd
}

func runCheck(cmd *cobra.Command, cfg harness.Config, info runs.Info, out string, opts checker.Options, limit int) error {
	stdout := cmd.OutOrStdout()
	dir, err := runs.New(out, cfg.Strategy, info.Started)
	if err != nil {
		return err
	}
	var done func()
	cfg.Progress, done = progress(cmd.ErrOrStderr(), cfg.Ops)
	res, err := runInto(filepath.Join(dir, runs.HistoryFile), cfg, nil)
	done()
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	a, err := checker.Analyze(res.History)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	result, err := a.Check(opts)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	if err := saveVisualization(dir, a, result, opts.LinearTimeout); err != nil {
		return err
	}
	info.Virtual, info.Converged, info.Valid, info.Summary = res.Duration, res.Converged, result.Valid, result.Summary
	for _, w := range []struct {
		name string
		v    any
	}{{runs.ResultsFile, result}, {runs.InfoFile, info}} {
		if err := runs.WriteJSON(filepath.Join(dir, w.name), w.v); err != nil {
			return err
		}
	}
	if err := runs.CreateFile(filepath.Join(dir, runs.ReportFile), func(w io.Writer) error {
		report.WriteHeader(w, info, dir)
		fmt.Fprintln(w)
		return report.WriteText(w, result, 0)
	}); err != nil {
		return err
	}
	html, err := report.WriteHTML(dir, res.History, result, report.RunInfo(dir, info))
	if err != nil {
		return err
	}
	report.WriteHeader(stdout, info, dir)
	fmt.Fprintln(stdout)
	if err := report.WriteText(stdout, result, limit); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nreport: %s\n", html)
	if !result.Valid {
		fmt.Fprintf(stdout, "\nseed %d; replay with: %s\n", cfg.Seed, info.Command)
		return errInvalid
	}
	return nil
}
