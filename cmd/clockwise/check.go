package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

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
			opts, err := checkOptions(gate, linear)
			if err != nil {
				return err
			}
			var done func()
			cfg.Progress, done = progress(cmd.ErrOrStderr(), cfg.Ops)
			res, err := experiment.Check(out, cfg, replay(cmd, "out", "limit", "json"), opts)
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
			if err := report.WriteRun(stdout, res.Info, res.Dir, res.Result, limit); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "\nreport: %s\n", res.HTML)
			if !res.Result.Valid {
				fmt.Fprintf(stdout, "\nseed %d; replay with: %s\n", cfg.Seed, res.Info.Command)
				return errInvalid
			}
			return nil
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().StringVar(&out, "out", "runs", "folder that holds the run folders")
	gateFlag(cmd.Flags(), &gate)
	cmd.Flags().IntVar(&limit, "limit", 10, "list at most this many findings of each kind on the terminal (0: all); report.txt has all")
	linearFlag(cmd.Flags(), &linear)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the checker's full result as JSON (as analyze --json does) instead of text")
	return cmd
}
