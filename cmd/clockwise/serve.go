package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/clockwise-kv/clockwise/report/serve"
	"github.com/spf13/cobra"
)

func newServe() *cobra.Command {
	var (
		port int
		host string
	)
	cmd := &cobra.Command{
		Use:   "serve [RUNS]",
		Short: "Serve the run folders (on 127.0.0.1 by default): a list of runs, each with its report and raw files",
		Long: `serve answers on --host (default 127.0.0.1, this machine only) with a list of
the run folders in RUNS (default: runs), newest first and coloured by verdict,
with each run's strategy, nemesis, seed and counts; matrix and metadata folders
are listed too. Each run opens its report.html and its raw files. Stop it with
Ctrl-C.

On a shared box, --host 0.0.0.0 (or one address of the machine) lets others
in. Requests must name the server by an IP address, localhost, the --host
name, or, listening on every address, the machine's host name: a page on
another site that points its own domain at the server (DNS rebinding) is
refused.

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
			h, err := serve.NewHandler(dir)
			if err != nil {
				return err
			}
			defer h.Close()
			if host == "" {
				return usageErr("invalid --host: empty: name an address such as 127.0.0.1 or 0.0.0.0")
			}
			if ip := net.ParseIP(host); ip == nil {
				h.AllowHost(host)
			} else if ip.IsUnspecified() {
				if name, err := os.Hostname(); err == nil {
					h.AllowHost(name)
				}
			}
			ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
			if err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			fmt.Fprintf(cmd.OutOrStdout(), "clockwise: serving the runs on http://%s/ (Ctrl-C to stop)\n", ln.Addr())
			return h.Serve(ctx, ln, cmd.ErrOrStderr())
		},
	}
	cmd.Flags().IntVarP(&port, "port", "p", 8080, "port to listen on (0: any free port)")
	cmd.Flags().StringVar(&host, "host", "127.0.0.1", "address to listen on: 127.0.0.1 for this machine only, 0.0.0.0 for every interface")
	return cmd
}
