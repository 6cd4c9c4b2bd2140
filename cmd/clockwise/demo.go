package main

import (
	"github.com/spf13/cobra"

	"github.com/clockwise-kv/clockwise/experiment"
)

func newDemo() *cobra.Command {
	var strategies, scenarios []string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Play the scripted scenarios and show what each strategy keeps and loses",
		Long: `demo plays scripted scenarios (the same output every run) against each
strategy and prints what happened: every operation with its acknowledgement, the
final reads, the causal relation between the writes (from what clients read),
and the checker's verdict with each lost write explained.

The skew scenario: n1's clock runs 5s fast. A client writes x through n1;
another reads it through n2 and overwrites it (happens-before); then two clients
write y at the same moment through n1 and n2 (concurrent).

The tombstone scenario: two writes to x, then the nemesis deletes x through n1
while n1's clock reads an hour ahead, so the tombstone carries a timestamp from
the future. After the delete one client writes x blindly (concurrent with the
delete) and another reads x and writes over what it read. Under lww both later
writes are acknowledged and suppressed and x stays "not found"; under vv the
blind write is a sibling of the tombstone and the write that read the tombstone
replaces it.

With more than one strategy, each scenario ends with a side-by-side table of
what became of every write under each strategy.

The siblings scenario (the DVV paper's example): every write goes through n1;
w1, then w2 blind, then w3 by a client that read only w1. dvv keeps w2 and w3;
vv keeps w1 too, a stale sibling. Try --strategy vv,dvv.

The prune scenario: vectors capped at 2 entries (vv-pruned) and n3's clock 5s
slow; pruning by wall-clock age drops n3's own fresh entry and a concurrent
write replaces w3. Try --strategy vv,vv-pruned.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := validStrategies(strategies); err != nil {
				return err
			}
			plays, err := experiment.ScenariosNamed(scenarios)
			if err != nil {
				return usageErr("invalid --scenario: %v", err)
			}
			return experiment.Demo(cmd.OutOrStdout(), plays, strategies)
		},
	}
	cmd.Flags().StringSliceVar(&strategies, "strategy", []string{"lww", "vv"}, "strategies to play, in order")
	cmd.Flags().StringSliceVar(&scenarios, "scenario", []string{"skew", "tombstone"}, "scenarios to play, in order")
	return cmd
}
