package main

import (
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/node"
	"github.com/clockwise-kv/clockwise/store"
)

func newNode() *cobra.Command {
	var (
		cfg      node.Config
		listen   string
		peers    string
		epsilon  time.Duration
		prune    int
		strategy string
	)
	cmd := &cobra.Command{
		Use:   "node --id ID --listen HOST:PORT [--peers ID=HOST:PORT,...]",
		Short: "Run one replica of the store as a server speaking the node protocol",
		Long: `node runs one replica of clockwise's store as an HTTP server: the same state
machine the simulator drives, with the machine's clock plus the offset the
admin API sets, a real ticker, and peers reached over HTTP. It speaks the
node protocol (docs/PROTOCOL.md): GET/PUT/DELETE /kv/{key} for clients and
/admin/... for the nemesis. The store is in memory: a restarted node comes
back empty and recovers from its peers. Stop it with Ctrl-C or SIGTERM.

Exit status: 0 stopped, 2 bad usage or an address it cannot listen on.`,
		Example: `  clockwise node --id n1 --listen 127.0.0.1:7001 --peers n2=127.0.0.1:7002,n3=127.0.0.1:7003 --strategy vv`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.ID == "" {
				return usageErr("--id is required")
			}
			if err := store.Valid(strategy); err != nil {
				return usageErr("invalid --strategy: %v", err)
			}
			p, err := node.ParsePeers(peers)
			if err != nil {
				return usageErr("invalid --peers: %v", err)
			}
			if prune < 1 || epsilon < 0 || cfg.W < 0 || cfg.Tick <= 0 || cfg.Sync <= 0 || cfg.Timeout <= 0 {
				return usageErr("invalid flags: --prune must be at least 1, --w and --epsilon zero or more, --tick, --sync and --timeout positive")
			}
			cfg.Peers, cfg.Strategy = p, strategy
			cfg.Options = store.Options{Epsilon: epsilon, Prune: prune}
			cfg.Log = log.New(cmd.ErrOrStderr(), "node "+cfg.ID+": ", log.LstdFlags|log.Lmicroseconds)
			s, err := node.New(cfg)
			if err != nil {
				return usageErr("%v", err)
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("node: %w", err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			fmt.Fprintf(cmd.OutOrStdout(), "clockwise: node %s (%s, pid %d) serving the node protocol on http://%s\n", cfg.ID, strategy, os.Getpid(), ln.Addr())
			return s.Run(ctx, ln)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&cfg.ID, "id", "", "this node's id, as its peers name it (required)")
	fs.StringVar(&listen, "listen", "127.0.0.1:7001", "address to serve on")
	fs.StringVar(&peers, "peers", "", "the other nodes, id=host:port comma-separated, e.g. n2=127.0.0.1:7002,n3=127.0.0.1:7003")
	fs.StringVar(&strategy, "strategy", "lww", "conflict strategy: "+strings.Join(store.Names(), ", "))
	fs.IntVar(&cfg.W, "w", 1, "write quorum: replicas, this node included, that store a write before it is acknowledged")
	fs.IntVar(&cfg.Replicas, "replicas", 0, "place each key on this many nodes by consistent hashing (0: the strategy's default, 3 for dvv, every node for the others)")
	fs.DurationVar(&epsilon, "epsilon", harness.DefaultConfig().Options.Epsilon, "clock uncertainty bound ε of truetime")
	fs.IntVar(&prune, "prune", store.DefaultPrune, "vv-pruned: the most entries a version vector keeps (K)")
	fs.IntVar(&cfg.Incarnation, "incarnation", 0, "how many times this node has restarted with its store lost; above 0 it writes as actor ID#N, never reusing its earlier life's counters")
	fs.DurationVar(&cfg.Tick, "tick", node.DefaultTick, "how often the node ticks (commit waits end on a tick)")
	fs.DurationVar(&cfg.Sync, "sync", node.DefaultSync, "how often the node runs anti-entropy with its next peer")
	fs.DurationVar(&cfg.Timeout, "timeout", node.DefaultTimeout, "how long a client request waits for the node before it answers 504 (outcome unknown)")
	return cmd
}
