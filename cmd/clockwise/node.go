package main

import (
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/clockwise-kv/clockwise/node"
	"github.com/clockwise-kv/clockwise/protocol"
	"github.com/clockwise-kv/clockwise/store"
)

func newNode() *cobra.Command {
	cfg := node.DefaultConfig()
	cmd := &cobra.Command{
		Use:   "node --id ID --listen HOST:PORT [--peers ID=HOST:PORT,...]",
		Short: "Run one replica of the store as a server speaking the node protocol",
		Long: `node runs one replica of clockwise's store as an HTTP server: the same state
machine the simulator drives, with the machine's clock plus the offset the
admin API sets, a real ticker, and peers reached over HTTP. It speaks the
node protocol (docs/PROTOCOL.md): GET/PUT/DELETE /kv/{key} for clients and
/admin/... for the nemesis. Without --data the store is in memory: a
restarted node comes back empty and recovers from its peers. With --data DIR
it keeps its store in DIR/store.db (bbolt), saved and synced to disk before
it answers a client or a peer about it, and a node restarted on DIR (after
SIGKILL too) comes back with everything it acknowledged or served to a read.
Stop it with Ctrl-C or SIGTERM.

On loopback (127.0.0.0/8, ::1, localhost) it needs no configuration. To
listen beyond loopback (0.0.0.0, ::, another address, a name that resolves
to one) it needs a shared secret, --token or $CLOCKWISE_TOKEN, which
/admin/... and /internal/... then require as "Authorization: Bearer
<token>" (on loopback too once set); /kv/... stays open to clients. Give
every node of a cluster the same token.

Exit status: 0 stopped, 1 its data folder could not take a write (it stops
at once, sending nothing it could not keep), 2 bad usage, an address beyond
loopback without a token, a data folder it cannot open or an address it
cannot listen on.`,
		Example: `  clockwise node --id n1 --listen 127.0.0.1:7001 --peers n2=127.0.0.1:7002,n3=127.0.0.1:7003 --strategy vv
  clockwise node --id n1 --listen 127.0.0.1:7001 --peers n2=127.0.0.1:7002 --strategy vv --data /var/lib/clockwise/n1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.ID == "" {
				return usageErr("--id is required")
			}
			if err := store.Valid(cfg.Strategy); err != nil {
				return usageErr("invalid --strategy: %v", err)
			}
			if cfg.Options.Prune < 1 || cfg.Options.Epsilon < 0 || cfg.W < 0 || cfg.Tick <= 0 || cfg.Sync <= 0 || cfg.Timeout <= 0 ||
				cfg.MaxConns < 1 || cfg.ReadTimeout <= 0 || cfg.IdleTimeout <= 0 {
				return usageErr("invalid flags: --prune and --max-conns must be at least 1, --w and --epsilon zero or more, --tick, --sync, --timeout, --read-timeout and --idle-timeout positive")
			}
			if !cmd.Flags().Changed("token") {
				cfg.Token = os.Getenv(protocol.TokenEnv)
			}
			if cfg.Token == "" {
				why, err := node.Exposed(cmd.Context(), cfg.Listen)
				if err != nil {
					return usageErr("invalid --listen: %v", err)
				}
				if why != "" {
					return usageErr("refusing to listen on %s without a token: %s, so anyone who reaches it could set its clock, cut its links and replace its data; pass --token (or set %s) on every node, or listen on 127.0.0.1", cfg.Listen, why, protocol.TokenEnv)
				}
			}
			cfg.Log = log.New(cmd.ErrOrStderr(), "node "+cfg.ID+": ", log.LstdFlags|log.Lmicroseconds)
			s, err := node.New(cfg)
			if err != nil {
				return usageErr("%v", err)
			}
			ln, err := net.Listen("tcp", cfg.Listen)
			if err != nil {
				return fmt.Errorf("node: %w", err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			fmt.Fprintf(cmd.OutOrStdout(), "clockwise: node %s (%s, pid %d) serving the node protocol on http://%s\n", cfg.ID, cfg.Strategy, os.Getpid(), ln.Addr())
			if cfg.Data != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "clockwise: node %s keeps its store in %s (keys restored: %d; incarnation %d)\n", cfg.ID, cfg.Data, s.Restored(), cfg.Incarnation)
			}
			return s.Run(ctx, ln)
		},
	}
	cfg.Flags(cmd.Flags())
	return cmd
}
