package main

import (
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/experiment"
	"github.com/clockwise-kv/clockwise/internal/runs"
	"github.com/clockwise-kv/clockwise/report"
)

func newCheck() *cobra.Command {
	var (
		f      testFlags
		out    string
		gate   []string
		limit  int
		linear time.Duration
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Run a randomized test, write its run folder, and judge its history",
		Long: `check runs a seeded, randomized test: concurrent clients read and write a few
keys through random nodes while the nemesis injects faults. It streams the
history to runs/<strategy>-<time>/history.jsonl, judges it, writes results.json,
report.txt and report.html next to it (and linearizability.html, porcupine's
visualization, when a key is not linearizable), points runs/latest at the
folder, and prints a compact summary: the counts, a few findings of each kind
one line each (--limit), where the full reports are, and last the verdict and
the command that replays the run. With --json it prints the checker's full
result instead, as analyze --json does. On a terminal (and with CI unset) a
progress bar on stderr follows the run, the check and the reports.

Exit status: 0 valid, 1 anomalies (lost writes, phantoms, divergence, or a
--gate finding), 2 bad usage or a run folder that cannot be written.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.config()
			if err != nil {
				return err
			}
			opts, err := checkOptions(gate, linear)
			if err != nil {
				return err
			}
			var stage func(string)
			var done func()
			cfg.Progress, stage, done = stagedProgress(cmd.ErrOrStderr(), cfg.Ops)
			res, err := experiment.CheckStages(out, cfg, replay(cmd, "out", "limit", "json"), opts, stage)
			done()
			if err != nil {
				return err
			}
			stdout := cmd.OutOrStdout()
			if asJSON {
				if err := runs.EncodeJSON(stdout, res.Result); err != nil {
					return err
				}
				if !res.Result.Valid {
					return errInvalid
				}
				return nil
			}
			return briefRun(cmd, res.Dir, res.Info, res.Result, limit)
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().StringVar(&out, "out", "runs", "folder that holds the run folders")
	gateFlag(cmd.Flags(), &gate)
	cmd.Flags().IntVar(&limit, "limit", defaultLimit, "list at most this many findings of each kind on the terminal (0: all); report.txt has all")
	linearFlag(cmd.Flags(), &linear)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the checker's full result as JSON (as analyze --json does) instead of text")
	return cmd
}

// briefRun prints the compact report of the run in dir, judged as res, and
// returns errInvalid when it is not valid.
func briefRun(cmd *cobra.Command, dir string, ri runs.Info, res *checker.Result, limit int) error {
	out := cmd.OutOrStdout()
	head := append(report.RunHead(ri), "run folder: "+dir)
	err := report.WriteBrief(out, report.Brief{Head: head, Result: res, Limit: limit, Width: width(out),
		Files: reportFiles(dir), Replay: ri.Command, Seed: strconv.FormatUint(ri.Seed, 10)})
	if err != nil {
		return err
	}
	if !res.Valid {
		return errInvalid
	}
	return nil
}
