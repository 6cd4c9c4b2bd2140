package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/clockwise-kv/clockwise/experiment"
	"github.com/clockwise-kv/clockwise/report"
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

Ctrl-C (SIGINT) or SIGTERM stops the run at its next event: the history keeps
every whole line recorded so far, run.json records interrupted, and the
verdict is unknown unless what was recorded already proves a failure. A
second Ctrl-C kills the process outright (the history still ends in a whole
line).

Exit status: 0 valid, 1 anomalies (lost writes, phantoms, corrupted or future
reads, divergence, or a --gate finding), 2 bad usage, 3 unknown: the history
cannot decide (an interrupted run, replicas that did not converge).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.config()
			if err != nil {
				return err
			}
			if err := limitFlag(limit); err != nil {
				return err
			}
			opts, err := checkOptions(gate, linear)
			if err != nil {
				return err
			}
			var done func()
			cfg.Progress, done = progress(cmd.ErrOrStderr(), cfg.Ops)
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			cfg.Interrupt = ctx.Done()
			res, err := experiment.Check(out, cfg, replay(cmd, "out", "limit"), opts)
			stop()
			done()
			if err != nil {
				return err
			}
			stdout := cmd.OutOrStdout()
			if err := report.WriteRun(stdout, res.Info, res.Dir, res.Result, limit); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "\nreport: %s\n", res.HTML)
			if !res.Result.Valid {
				fmt.Fprintf(stdout, "\nseed %d; replay with: %s\n", cfg.Seed, res.Info.Command)
			}
			return verdictErr(res.Result.Verdict)
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().StringVar(&out, "out", "runs", "folder that holds the run folders")
	gateFlag(cmd.Flags(), &gate)
	cmd.Flags().IntVar(&limit, "limit", 10, "list at most this many findings of each kind on the terminal (0: all); report.txt has all")
	linearFlag(cmd.Flags(), &linear)
	return cmd
}
