package main

import (
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/experiment"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/internal/cli"
	"github.com/clockwise-kv/clockwise/internal/runs"
)

// dbFlags are check's flags of a real database.
type dbFlags struct {
	name         string
	workload     string
	addrs        string
	wait         int
	serializable bool
	partition    string
}

func (d *dbFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&d.name, "db", "", "test a real database clockwise starts on loopback addresses: "+strings.Join(experiment.Databases, ", ")+" (needs root for partitions; make dbs installs them)")
	fs.StringVar(&d.workload, "workload", harness.Register, "with --db: "+harness.Register+" (reads and writes of unique values, judged for linearizability) or "+harness.Set+" (each write adds its own element; lost when acknowledged and absent at the end)")
	fs.StringVar(&d.addrs, "db-addrs", "", "with --db etcd: the client URLs of members someone else started, instead of starting them (faults are skipped); Redis is tested only as clockwise starts it")
	fs.IntVar(&d.wait, "wait", 0, "with --db redis: 1 follows each write with WAIT 1; a write no replica acknowledged is recorded indeterminate")
	fs.BoolVar(&d.serializable, "serializable", false, "with --db etcd: serializable reads (a member's own state, possibly stale) instead of linearizable ones")
	fs.StringVar(&d.partition, "partition", "leader", "with --db: leader (every partition isolates the leader: etcd's leader, Redis's primary) or random (the nemesis's split)")
}

// dbOnly are the flags that mean nothing without --db.
var dbOnly = []string{"workload", "db-addrs", "wait", "serializable", "partition"}

// database checks the flags of a real database's check and sets the
// defaults that suit one: faults that last seconds, as failovers take.
func (d *dbFlags) database(cmd *cobra.Command, cfg *harness.Config, cluster string, shrink bool) (experiment.Database, error) {
	fs := cmd.Flags()
	db := experiment.Database{Name: d.name, Workload: d.workload, Serializable: d.serializable, Wait: d.wait == 1}
	switch {
	case !slices.Contains(experiment.Databases, d.name):
		return db, usageErr("invalid --db: %q: want %s", d.name, strings.Join(experiment.Databases, " or "))
	case fs.Changed("strategy"):
		return db, usageErr("invalid --strategy: --db tests a database's own way of resolving writes; --strategy picks clockwise's store's (make check-db runs a database's check)")
	case cluster != "":
		return db, usageErr("invalid --cluster: --db tests a database clockwise did not write; --cluster runs clockwise's own nodes")
	case shrink:
		return db, usageErr("invalid --shrink: shrinking replays runs on the simulator; a real database's run cannot be replayed")
	case !slices.Contains(harness.Workloads, d.workload):
		return db, usageErr("invalid --workload: %q: want %s", d.workload, strings.Join(harness.Workloads, " or "))
	case d.wait != 0 && d.wait != 1:
		return db, usageErr("invalid --wait: %d: 0 or 1", d.wait)
	case d.wait == 1 && d.name != experiment.Redis:
		return db, usageErr("invalid --wait: WAIT is Redis's (--db redis)")
	case d.serializable && d.name != experiment.Etcd:
		return db, usageErr("invalid --serializable: serializable reads are etcd's (--db etcd)")
	case d.partition != "leader" && d.partition != "random":
		return db, usageErr("invalid --partition: %q: want leader or random", d.partition)
	}
	for _, name := range simOnly {
		if fs.Changed(name) {
			return db, usageErr("invalid --%s: it shapes the simulated network; a real database's network is real", name)
		}
	}
	db.IsolateLeader = d.partition == "leader"
	if d.addrs != "" {
		if d.name != experiment.Etcd {
			return db, usageErr("invalid --db-addrs: Redis is tested only as clockwise starts it: settling and the final reads go to every server and its Sentinel as clockwise paired them; --db-addrs is etcd's")
		}
		for _, u := range strings.Split(d.addrs, ",") {
			u = strings.TrimSpace(u)
			if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				return db, usageErr("invalid --db-addrs: %q: want client URLs like http://127.0.0.1:2379", u)
			}
			db.Addrs = append(db.Addrs, u)
		}
	}
	if !fs.Changed("interval") {
		cfg.Nemesis.Interval = 5 * time.Second
	}
	if !fs.Changed("think") {
		cfg.Think = 100 * time.Millisecond
	}
	if !fs.Changed("ops") {
		cfg.Ops = 2000
	}
	if !fs.Changed("mix") {
		cfg.Mix = harness.Mix{Read: 1, Blind: 1}
	}
	return db, nil
}

// checkDB runs check --db: the database's run folder, its brief and the
// verdict's exit status.
func checkDB(cmd *cobra.Command, d *dbFlags, cfg harness.Config, opts checker.Options, out string, limit int, shrink, asJSON bool, cluster string) error {
	db, err := d.database(cmd, &cfg, cluster, shrink)
	if err != nil {
		return err
	}
	command := cli.Replay(cmd, "out", "limit", "json")
	command = strings.Replace(command, " --strategy "+cfg.Strategy, "", 1)
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	var h experiment.Hooks
	var done func()
	h.Progress, h.Stage, done = cli.Staged(cmd.ErrOrStderr(), cfg.Ops)
	res, err := experiment.CheckDB(ctx, out, cfg, db, command, opts, h)
	stop()
	done()
	if err != nil {
		return err
	}
	if asJSON {
		if err := runs.EncodeJSON(cmd.OutOrStdout(), res.Result); err != nil {
			return err
		}
		return verdictErr(res.Result.Verdict)
	}
	if err := briefRun(cmd, res.Dir, res.Info, res.Result, limit); err != nil {
		return err
	}
	return verdictErr(res.Result.Verdict)
}

// unused reports a flag of a real database set without --db.
func (d *dbFlags) unused(cmd *cobra.Command) error {
	for _, name := range dbOnly {
		if cmd.Flags().Changed(name) {
			return usageErr("invalid --%s: it shapes a real database's test; add --db %s", name, strings.Join(experiment.Databases, "|"))
		}
	}
	return nil
}
