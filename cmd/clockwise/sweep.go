package main

import (
	"fmt"
	"path/filepath"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/clockwise-kv/clockwise/experiment/sweep"
	"github.com/clockwise-kv/clockwise/internal/cli"
	"github.com/clockwise-kv/clockwise/internal/runs"
)

func newSweep() *cobra.Command {
	var (
		f        testFlags
		seeds    string
		shard    string
		parallel int
		out      string
		dir      string
		keep     int
		limit    int
		vary     bool
		asJSON   bool
		gate     []string
		linear   time.Duration
	)
	cmd := &cobra.Command{
		Use:   "sweep",
		Short: "Run the randomized test over a range of seeds and keep the failing ones",
		Long: `sweep runs check's randomized test once per seed of --seeds, --parallel runs at
a time, judges each history, and prints one table: seeds run, valid / invalid /
unknown, faults started, writes lost to clock skew and the other losses, a line
explaining the columns, the failing seeds grouped by finding with at most three
'clockwise check' commands each that replay them (every one in sweep.json), the
wall time, and last the verdict. Only failing seeds get a run folder
(the first --keep of them), in the sweep's folder next to sweep.json, the summary.

--shard i/n runs the i-th of n contiguous slices of the range (i from 0), so a
CI matrix or a Kubernetes indexed Job (--shard $JOB_COMPLETION_INDEX/n) spreads
a sweep over machines; 'clockwise sweep merge DIR...' adds the shards'
summaries up. --vary draws each seed's workload from the seed too (3 to 7
nodes, clients, keys, the operation mix, the fault interval, the drop rate);
each replay command spells it out, and run.json records it.

Exit status: 0 every seed valid, 1 some seed invalid or unknown, 2 bad usage.`,
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
			p := sweep.Plan{Config: cfg, Vary: vary, Parallel: parallel, Keep: keep, Options: opts, Shard: sweep.Shard{N: 1}}
			if p.Seeds, err = sweep.ParseSeeds(seeds); err != nil {
				return usageErr("invalid --seeds: %v", err)
			}
			if shard != "" {
				if p.Shard, err = sweep.ParseShard(shard); err != nil {
					return usageErr("invalid --shard: %v", err)
				}
			}
			if parallel < 0 || parallel > maxParallel {
				return usageErr("invalid --parallel: %d: must be from 0 to %d (each run at once holds its history)", parallel, maxParallel)
			}
			if sh, ok := p.Shard.Slice(p.Seeds); ok && sh.Len() > maxSweepSeeds {
				return usageErr("invalid --seeds: %s: %d seeds; a sweep runs at most %d (each seed's outcome is kept until the summary is written): split the range with --shard", seeds, sh.Len(), maxSweepSeeds)
			}
			if !vary {
				warn(cmd.ErrOrStderr(), cfg)
			}
			p.Flags, p.Command = cli.PassedOn(cmd, "out", "dir", "parallel")
			if dir == "" {
				name := fmt.Sprintf("sweep-%s-%s", cfg.Strategy, time.Now().UTC().Format(runs.FolderTime))
				if p.Shard.N > 1 {
					name += fmt.Sprintf("-shard%dof%d", p.Shard.I, p.Shard.N)
				}
				dir = filepath.Join(out, name)
			}
			total := 0 // the shard's seeds
			if sh, ok := p.Shard.Slice(p.Seeds); ok {
				total = int(min(sh.Len(), 1<<30))
			}
			var done func()
			p.Progress, done = cli.Counter(cmd.ErrOrStderr(), total, "seeds")
			s, err := sweep.Run(p, dir)
			done()
			if err != nil {
				return err
			}
			return printSweep(cmd, s, asJSON, limit)
		},
	}
	f.registerExcept(cmd.Flags(), "seed")
	fs := cmd.Flags()
	fs.StringVar(&seeds, "seeds", "1-100", "seeds to run: a range a-b, or a count n (1-n)")
	fs.StringVar(&shard, "shard", "", "run only the i-th of n slices of the seeds, i/n with i from 0 (e.g. 0/4)")
	fs.IntVar(&parallel, "parallel", runtime.NumCPU(), "runs at once (0: the number of processors)")
	fs.StringVar(&out, "out", "runs", "folder that holds the sweep's folder")
	fs.StringVar(&dir, "dir", "", "the sweep's folder (default <out>/sweep-<strategy>-<time>)")
	fs.IntVar(&keep, "keep", 20, "write run folders for at most this many failing seeds (-1: every one)")
	fs.IntVar(&limit, "limit", 20, "list at most this many findings' failing seeds on the terminal, three replays each (0: all); sweep.json has all")
	fs.BoolVar(&vary, "vary", false, "draw each seed's nodes, clients, keys, mix, fault interval and drop rate from the seed")
	fs.BoolVar(&asJSON, "json", false, "print the summary as JSON (sweep.json) instead of the table")
	gateFlag(fs, &gate)
	linearFlag(fs, &linear)
	// Each seed's run is given its --strategy with its --seed.
	cli.MarkOwn(fs, "strategy", "seeds", "shard", "parallel", "out", "dir", "keep", "limit", "vary", "json")
	cmd.AddCommand(newSweepMerge())
	return cmd
}

func newSweepMerge() *cobra.Command {
	var (
		dir    string
		limit  int
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "merge DIR...",
		Short: "Add up the summaries of a sweep's shards",
		Long: `merge reads sweep.json from each shard's folder, checks that they sweep the
same strategy, nemesis and seeds, and prints the combined table (or, with
--json, the combined summary); --dir also writes it there as sweep.json.

Exit status: 0 every seed valid, 1 some seed failed, 2 bad usage or a folder
without a summary.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var parts []*sweep.Summary
			for _, d := range args {
				s, err := sweep.Read(d)
				if err != nil {
					return err
				}
				parts = append(parts, s)
			}
			s, err := sweep.Merge(parts)
			if err != nil {
				return err
			}
			if dir != "" {
				s.Dir = dir
				if err := runs.MkdirAll(dir); err != nil {
					return err
				}
				if err := runs.WriteJSON(filepath.Join(dir, sweep.File), s); err != nil {
					return err
				}
			}
			return printSweep(cmd, s, asJSON, limit)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "also write the merged summary to DIR/sweep.json")
	cmd.Flags().IntVar(&limit, "limit", 20, "list at most this many findings' failing seeds (0: all)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the merged summary as JSON")
	return cmd
}

// printSweep prints a sweep's table or JSON and maps its outcome to the
// exit status.
func printSweep(cmd *cobra.Command, s *sweep.Summary, asJSON bool, limit int) error {
	stdout := cmd.OutOrStdout()
	if asJSON {
		if err := runs.EncodeJSON(stdout, s); err != nil {
			return err
		}
	} else {
		sweep.Write(stdout, s, limit, cli.Self.Name)
	}
	if s.Failed() {
		return errInvalid
	}
	return nil
}
