package main

import (
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/clockwise-kv/clockwise/conformance"
	"github.com/clockwise-kv/clockwise/protocol"
)

func newNodeCheck() *cobra.Command {
	var opts conformance.Options
	cmd := &cobra.Command{
		Use:   "node-check URL...",
		Short: "Check that running nodes speak the node protocol, and print what is missing",
		Long: `node-check exercises the node protocol (docs/PROTOCOL.md) against running
nodes: every client endpoint, a write read back with its id, value and deleted
flag, contexts that round-trip, siblings or overwrites as the node reports,
tombstones, bad requests (each must get a 4xx with a JSON error), and the admin
endpoints the nemesis needs; given several nodes, a write through the first must
reach the others. It writes only keys named clockwise-conformance-<id>-…, with
write ids of that id: checks that follow on the same nodes, each in a namespace
of its own, never read them. Each missing admin endpoint is named with the
faults it would cost. Nodes that guard their admin API with a shared token get
it from --token or $CLOCKWISE_TOKEN.

Exit status: 0 conformant, 1 a check failed or an endpoint is missing, 2 bad usage.`,
		Example: `  clockwise node-check http://127.0.0.1:7001 http://127.0.0.1:7002 http://127.0.0.1:7003`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, urls []string) error {
			if opts.Timeout <= 0 {
				return usageErr("invalid --timeout: %v: must be positive", opts.Timeout)
			}
			if opts.Replication <= 0 {
				return usageErr("invalid --replication: %v: must be positive", opts.Replication)
			}
			if !cmd.Flags().Changed("token") {
				opts.Token = os.Getenv(protocol.TokenEnv)
			}
			rep, err := conformance.Run(cmd.Context(), urls, opts)
			if err != nil {
				return usageErr("%v", err)
			}
			if err := rep.WriteText(cmd.OutOrStdout()); err != nil {
				return err
			}
			if !rep.Conformant() {
				return errInvalid
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&opts.ClientOnly, "client-only", false, "check the client API alone (a store without the admin API; its faults would be skipped)")
	fs.DurationVar(&opts.Timeout, "timeout", 5*time.Second, "how long each request may take")
	fs.StringVar(&opts.Token, "token", "", "the shared secret the nodes' /admin endpoints require (default: $"+protocol.TokenEnv+")")
	fs.DurationVar(&opts.Replication, "replication", 10*time.Second, "how long a write through the first node may take to reach the others")
	return cmd
}
