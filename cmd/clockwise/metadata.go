package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/clockwise-kv/clockwise/experiment"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/internal/cli"
	"github.com/clockwise-kv/clockwise/store"
)

func newMetadata() *cobra.Command {
	var (
		f          testFlags
		nodes      []int
		strategies []string
		out        string
	)
	cmd := &cobra.Command{
		Use:   "metadata",
		Short: "Measure causal metadata per key from 3 to 50 nodes, with each run's verdict",
		Long: `metadata runs the same seeded workload for every strategy at every cluster size
and measures, per key, what the store reported on each acknowledged write: the
version-vector entries (meta.vv), the encoded causal-metadata bytes (meta.bytes,
mean and max) and the versions reads returned (siblings), next to the checker's
verdict for that run (lost writes, stale siblings).

Each key's writes go to the nodes in turn (its first write to n1, its second to
n2, …), so every node takes writes of every key: a strategy with node actors
(vv) grows one entry per node, vv-pruned stops at --prune entries, and dvv, which
places each key on --replicas nodes (default 3) that alone coordinate its writes,
stays within that many entries.

It prints a table and writes, into runs/metadata-<time>/: metadata.txt (the
table), keys.csv (one line per strategy, size and key), metadata.json, bytes.png
(bytes per key against cluster size) and one folder per run with its
history.jsonl, results.json and report.txt, which 'clockwise analyze' re-judges.

Exit status: 0 when every run completed (the verdicts are in the table, anomalies
included), 2 bad usage.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := validStrategies(strategies); err != nil {
				return err
			}
			if len(strategies) == 0 {
				return usageErr("invalid --strategy: name at least one strategy")
			}
			if len(nodes) == 0 {
				return usageErr("invalid --nodes: name at least one cluster size")
			}
			var cfgs []harness.Config
			for _, s := range strategies {
				for _, n := range nodes {
					if n < 1 {
						return usageErr("invalid --nodes: %d: must be at least 1", n)
					}
					f.strategy, f.nodes = s, n
					cfg, err := f.config()
					if err != nil {
						return err
					}
					cfgs = append(cfgs, cfg)
				}
			}
			return experiment.Measure(cmd.OutOrStdout(), out, cfgs, cli.Replay(cmd, "out"))
		},
	}
	f.registerExcept(cmd.Flags(), "nodes", "strategy") // they become lists here
	cmd.Flags().IntSliceVar(&nodes, "nodes", []int{3, 5, 10, 20, 30, 50}, "cluster sizes to measure")
	cmd.Flags().StringSliceVar(&strategies, "strategy", []string{"vv", "vv-pruned", "dvv"}, "strategies to measure: "+strings.Join(store.Names(), ", "))
	cmd.Flags().StringVar(&out, "out", "runs", "folder that holds the run folders")
	return cmd
}
