package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/experiment"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/live"
	"github.com/clockwise-kv/clockwise/internal/cli"
	"github.com/clockwise-kv/clockwise/internal/runs"
	"github.com/clockwise-kv/clockwise/netfault"
	"github.com/clockwise-kv/clockwise/protocol"
	"github.com/clockwise-kv/clockwise/report"
)

func newCheck() *cobra.Command {
	var (
		f       testFlags
		out     string
		gate    []string
		limit   int
		linear  time.Duration
		cluster string
		network string
		token   string
		shrink  bool
		asJSON  bool
		dbf     dbFlags
	)
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Run a randomized test, write its run folder, and judge its history",
		Long: `check runs a seeded, randomized test: concurrent clients read and write a few
keys through random nodes while the nemesis injects faults. It streams the
history to runs/<strategy>-<time>/history.jsonl, judges it, writes results.json,
report.txt and report.html next to it (and linearizability.html, porcupine's
visualization, when a key is not linearizable), points runs/latest at the
folder, and prints a compact summary: the counts, a few findings of each kind
one line each (--limit), where the full reports are, the command that replays
the run (as it runs from the working directory, with its make form in the
repository's root) and last the verdict. With --json it prints the checker's full
result instead, as analyze --json does. On a terminal (and with CI unset) a
progress bar on stderr follows the run, the check and the reports.

With --cluster the same test runs against real processes instead of the
simulator: --cluster local starts --nodes clockwise node processes on
loopback (every peer link through a TCP proxy, so partitions cut real
sockets, or with --net filter each node on a loopback address of its own
and partitions made by kernel packet filter rules between them, which needs
root and nft; each node keeps its store in the run folder's nodes/n1/data;
the kill fault SIGKILLs a node and restarts it on its data, the crash fault
also deletes the data and restarts it empty), and
--cluster http://host:port,... drives nodes someone else started through
the node protocol (docs/PROTOCOL.md); a fault they cannot take is recorded
as skipped. Nodes that listen beyond loopback guard their admin API with a
shared token: pass it with --token or $CLOCKWISE_TOKEN (never recorded in
the run folder). The seed fixes the workload and the fault schedule, but real
timing decides the history, so a rerun is not byte for byte. Ctrl-C stops
the run, undoes its faults, stops the local nodes and judges what was
recorded.

Ctrl-C (SIGINT) or SIGTERM stops a simulated run at its next event, a real
one after undoing its faults: the history keeps every whole line recorded so
far, run.json records interrupted, and the verdict is unknown unless what was
recorded already proves a failure. Judging gets 800ms after the signal
(CLOCKWISE_INTERRUPT_GRACE sets another): a check still judging then stops with exit 3 and names the history
and the analyze command that judges it (a remote cluster's check undoes its
faults first). A second Ctrl-C kills the process outright (the history still
ends in a whole line).

Exit status: 0 valid, 1 anomalies (lost writes, phantoms, corrupted or future
reads, divergence, or a --gate finding), 2 bad usage or a run folder that
cannot be written, 3 unknown: the history
cannot decide (an interrupted run, replicas that did not converge).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.config()
			if err != nil {
				return err
			}
			collectNearLimit()
			if err := limitFlag(limit); err != nil {
				return err
			}
			opts, err := checkOptions(gate, linear)
			if err != nil {
				return err
			}
			opts.Explain = explained(limit, runs.MaxFindings)
			if dbf.name == "" {
				if err := dbf.unused(cmd); err != nil {
					return err
				}
			} else {
				if cmd.Flags().Changed("net") {
					return usageErr("invalid --net: it chooses how --cluster local cuts its links; --db always partitions with packet filter rules")
				}
				return checkDB(cmd, &dbf, cfg, opts, out, limit, shrink, asJSON, cluster)
			}
			var cl experiment.Cluster
			if cluster != "" {
				if shrink {
					return usageErr("invalid --shrink: shrinking replays runs on the simulator; a real cluster's run cannot be replayed")
				}
				if cl, err = realCluster(cmd, cluster, &cfg); err != nil {
					return err
				}
				if cl.Token = token; !cmd.Flags().Changed("token") {
					cl.Token = os.Getenv(protocol.TokenEnv)
				}
				if cl.Local.Net, err = netFlag(cmd, network, cluster); err != nil {
					return err
				}
			} else if cmd.Flags().Changed("net") {
				return usageErr("invalid --net: it chooses how a local cluster's partitions cut its links; add --cluster local or drop --net")
			} else if cmd.Flags().Changed("token") {
				return usageErr("invalid --token: it is sent to the nodes of a real cluster; add --cluster or drop --token")
			}
			command := cli.Replay(cmd, "out", "limit", "shrink", "json", "token")
			grace, err := interruptGrace()
			if err != nil {
				return err
			}
			warn(cmd.ErrOrStderr(), cfg)
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			var h experiment.Hooks
			var done func()
			h.Progress, h.Stage, done = cli.Staged(cmd.ErrOrStderr(), cfg.Ops)
			var dir atomic.Value
			dir.Store("")
			h.Dir = func(d string) { dir.Store(d) }
			finished := make(chan struct{})
			if cluster == "" || cluster == experiment.Local {
				// A remote cluster's faults must be undone, however long.
				go stopAfter(ctx, grace, finished, cmd.ErrOrStderr(), func() string { return dir.Load().(string) })
			}
			var res *experiment.Run
			if cluster == "" {
				h.Interrupt = ctx.Done()
				res, err = experiment.CheckStages(out, cfg, command, opts, h)
			} else {
				res, err = experiment.CheckReal(ctx, out, cfg, cl, command, opts, h)
			}
			close(finished)
			stop()
			done()
			if err != nil {
				return err
			}
			stdout := cmd.OutOrStdout()
			if asJSON {
				if err := runs.EncodeJSON(stdout, res.Result); err != nil {
					return err
				}
				return verdictErr(res.Result.Verdict)
			}
			if err := briefRun(cmd, res.Dir, res.Info, res.Result, limit); err != nil {
				return err
			}
			if shrink && res.Result.Verdict == checker.Invalid {
				fmt.Fprintln(stdout)
				return shrinkRun(stdout, cfg, opts, "", out, "clockwise shrink "+experiment.ShellQuote(res.Dir))
			}
			return verdictErr(res.Result.Verdict)
		},
	}
	f.register(cmd.Flags())
	f.cluster = &cluster
	f.db = &dbf.name
	dbf.register(cmd.Flags())
	cmd.Flags().StringVar(&out, "out", "runs", "folder that holds the run folders")
	gateFlag(cmd.Flags(), &gate)
	cmd.Flags().IntVar(&limit, "limit", defaultLimit, fmt.Sprintf("list at most this many findings of each kind on the terminal (0: all); report.txt and results.json list up to %d", runs.MaxFindings))
	linearFlag(cmd.Flags(), &linear)
	cmd.Flags().StringVar(&cluster, "cluster", "", `run against real processes: "local" starts --nodes clockwise node processes on loopback; or the comma-separated URLs of running nodes (default: the simulator)`)
	cmd.Flags().StringVar(&network, "net", live.NetProxy, `how --cluster local partitions cut the nodes' links: "proxy", a TCP proxy per peer link on 127.0.0.1; or "filter", each node on a loopback address of its own and kernel packet filter rules between them (needs root and nft)`)
	cmd.Flags().StringVar(&token, "token", "", "the shared secret of a remote cluster's /admin and /internal endpoints (default: $"+protocol.TokenEnv+")")
	cmd.Flags().BoolVar(&shrink, "shrink", false, "when the run fails, shrink it too (see 'clockwise shrink')")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the checker's full result as JSON (as analyze --json does) instead of text")
	return cmd
}

// simOnly are the flags of the simulated network: a real cluster has a
// real network.
var simOnly = []string{"latency", "latency-mean", "drop"}

// realCluster checks the flags of a check against a real cluster and
// returns the cluster; a remote cluster sets cfg.Nodes from its URLs.
func realCluster(cmd *cobra.Command, spec string, cfg *harness.Config) (experiment.Cluster, error) {
	fs := cmd.Flags()
	for _, name := range simOnly {
		if fs.Changed(name) {
			return experiment.Cluster{}, usageErr("invalid --%s: it shapes the simulated network; a real cluster's network is real (drop --%s or --cluster)", name, name)
		}
	}
	cl := experiment.Cluster{Spec: spec}
	urls, err := cl.URLs()
	if err != nil {
		return cl, usageErr("invalid --cluster: %v", err)
	}
	if urls != nil {
		if fs.Changed("nodes") && cfg.Nodes != len(urls) {
			return cl, usageErr("invalid --nodes: %d, but --cluster names %d nodes", cfg.Nodes, len(urls))
		}
		cfg.Nodes = len(urls)
		return cl, nil
	}
	if cl.Binary, err = os.Executable(); err != nil {
		return cl, fmt.Errorf("check: finding the clockwise binary for the local nodes: %w", err)
	}
	return cl, nil
}

// netFlag checks --net for a check against cluster: only a local cluster
// takes it, and filter needs root and nft here, or the check fails at once
// with the reason.
func netFlag(cmd *cobra.Command, network, cluster string) (string, error) {
	if !cmd.Flags().Changed("net") {
		return "", nil
	}
	if cluster != experiment.Local {
		return "", usageErr("invalid --net: it chooses how a local cluster's partitions cut its links; a remote cluster is faulted through its admin API (drop --net or use --cluster local)")
	}
	switch network {
	case live.NetProxy:
	case live.NetFilter:
		if err := netfault.Available(); err != nil {
			var ue *netfault.UnavailableError
			if errors.As(err, &ue) {
				return "", usageErr("invalid --net filter: %s", ue.Reason)
			}
			return "", usageErr("invalid --net filter: %v", err)
		}
	default:
		return "", usageErr("invalid --net: %q: want %s", network, strings.Join(live.Nets, " or "))
	}
	return network, nil
}

// briefRun prints the compact report of the run in dir, judged as res, and
// returns only the error of writing it.
func briefRun(cmd *cobra.Command, dir string, ri runs.Info, res *checker.Result, limit int) error {
	out := cmd.OutOrStdout()
	head := append(report.RunHead(ri), "run folder: "+dir)
	head = append(head, report.SkippedFaults(res.Faults)...)
	return report.WriteBrief(out, report.Brief{Head: head, Result: res, Limit: limit, Width: width(out),
		Files: reportFiles(dir), Replay: cli.Self.Command(ri.Command), Make: cli.Self.MakeForm(ri.Command), Seed: strconv.FormatUint(ri.Seed, 10), Rerun: ri.Cluster != ""})
}
