package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/clockwise-kv/clockwise/report"
)

func newServe() *cobra.Command {
	var port int
	cmd := &cobra.Command{
		Use:   "serve [RUNS]",
		Short: "Serve the run folders on 127.0.0.1: a list of runs, each with its report and raw files",
		Long: `serve answers on 127.0.0.1 (never another address) with a list of the run
folders in RUNS (default: runs), newest first and coloured by verdict, with
each run's strategy, nemesis, seed and counts. Each run opens its report.html
and its raw files. Stop it with Ctrl-C.

Exit status: 0 stopped, 2 bad usage or a RUNS that is not a folder.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if port < 0 || port > 65535 {
				return usageErr("invalid --port: %d: must be in 0…65535 (0: any free port)", port)
			}
			dir := "runs"
			if len(args) == 1 {
				dir = args[0]
			}
			h, err := report.NewHandler(dir)
			if err != nil {
				return inputErr(err)
			}
			defer h.Close()
			ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
			if err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			fmt.Fprintf(cmd.OutOrStdout(), "clockwise: serving the runs on http://%s/ (Ctrl-C to stop)\n", ln.Addr())
			return h.Serve(ctx, ln, cmd.ErrOrStderr())
		},
	}
	cmd.Flags().IntVarP(&port, "port", "p", 8080, "port to listen on, on 127.0.0.1 (0: any free port)")
	return cmd
}
