package main

import (
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/clockwise-kv/clockwise/experiment"
	"github.com/clockwise-kv/clockwise/internal/cli"
	"github.com/clockwise-kv/clockwise/store"
)

func newMatrix() *cobra.Command {
	var (
		f          testFlags
		strategies []string
		columns    []string
		seed       = seedFlag(1)
		seeds      int
		out        string
		linear     time.Duration
	)
	cmd := &cobra.Command{
		Use:   "matrix",
		Short: "Run every strategy against every nemesis on the same seeds and tabulate what each lost",
		Long: `matrix runs the randomized test of 'check' for every strategy (rows) under every
nemesis (columns: ` + strings.Join(experiment.ColumnNames(), ", ") + `), on the same
seeds in every cell, and prints aligned tables (a progress bar counts the
runs on a terminal's stderr): acknowledged writes, lost writes by
kind, stale siblings, external-consistency violations, linearizability,
commit wait and write latency (p50/p99), causal metadata bytes per key and reads
that returned siblings. The table is also written to matrix.md, and every
figure with the exact 'clockwise check' command that replays each run to
matrix.json, both in a folder of its own, <out>/matrix-<time>/, with its
run.json.

The shape flags (--nodes, --ops, --epsilon, --max-skew, …) mean what they mean
for 'check' and apply to every run. The matrix reports; it does not gate:
exit status 0 unless the flags are bad (2).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := validStrategies(strategies); err != nil {
				return err
			}
			lowerNames(columns)
			cols, err := experiment.ColumnsNamed(columns)
			if err != nil {
				return usageErr("invalid --nemesis: %v", err)
			}
			if len(strategies) == 0 || len(cols) == 0 {
				return usageErr("invalid --strategy or --nemesis: the matrix needs at least one of each")
			}
			if seeds < 1 || seeds > maxMatrixSeeds {
				return usageErr("invalid --seeds: %d: must be from 1 to %d (every cell runs each seed)", seeds, maxMatrixSeeds)
			}
			if _, err := checkOptions(nil, linear); err != nil {
				return err
			}
			p := experiment.MatrixPlan{Strategies: strategies, Columns: cols, LinearTimeout: linear}
			if p.Config, err = f.config(); err != nil {
				return err
			}
			for i := range seeds {
				p.Seeds = append(p.Seeds, uint64(seed)+uint64(i))
			}
			p.Flags, p.Command = cli.PassedOn(cmd, "out")
			var done func()
			p.Progress, done = cli.Counter(cmd.ErrOrStderr(), len(strategies)*len(cols)*seeds, "runs")
			m, err := experiment.RunMatrix(p)
			done()
			if err != nil {
				return err
			}
			_, err = m.SaveRun(cmd.OutOrStdout(), out, time.Now().UTC().Truncate(time.Second))
			return err
		},
	}
	// The shape flags of check; its --strategy, --seed and --nemesis are
	// the matrix's own.
	f.registerExcept(cmd.Flags(), "strategy", "seed", "nemesis")
	fs := cmd.Flags()
	fs.StringSliceVar(&strategies, "strategy", store.Names(), "strategies, the rows")
	fs.StringSliceVar(&columns, "nemesis", experiment.ColumnNames(), "nemesis columns, in order")
	fs.Var(&seed, "seed", "first seed; every cell runs seeds seed…seed+seeds-1")
	fs.IntVar(&seeds, "seeds", 10, "runs per cell, one per seed")
	fs.StringVar(&out, "out", "runs", "folder that holds the run folders; the matrix writes matrix-<time>/ in it")
	linearFlag(fs, &linear)
	cli.MarkOwn(fs, "strategy", "nemesis", "seed", "seeds", "out")
	return cmd
}
