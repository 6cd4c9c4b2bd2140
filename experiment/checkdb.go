package experiment

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/db"
	"github.com/clockwise-kv/clockwise/db/etcd"
	"github.com/clockwise-kv/clockwise/db/redis"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/dblive"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/runs"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// The real databases a check can test, as --db names them.
const (
	Etcd  = "etcd"
	Redis = "redis"
)

// Databases lists them.
var Databases = []string{Etcd, Redis}

// DBFolder is the folder of a run folder that holds the database's data
// folders and logs.
const DBFolder = "db"

// Database is the real database a check tests and how.
type Database struct {
	// Name is Etcd or Redis.
	Name string
	// Workload is harness.Register or harness.Set.
	Workload string
	// Addrs, if set, are the client URLs of an etcd someone else started
	// (n1… in that order); clockwise then starts nothing and records the
	// faults it cannot apply as skipped.
	Addrs []string
	// Serializable makes etcd's reads serializable.
	Serializable bool
	// Wait follows each Redis write with WAIT 1.
	Wait bool
	// IsolateLeader makes every partition isolate the leader (dblive.Options).
	IsolateLeader bool
}

// Validate reports the first field that cannot run.
func (d Database) Validate() error {
	switch {
	case !slices.Contains(Databases, d.Name):
		return fmt.Errorf("experiment: unknown database %q (known: %s)", d.Name, strings.Join(Databases, ", "))
	case !slices.Contains(harness.Workloads, d.Workload):
		return fmt.Errorf("experiment: workload %q: a real database runs %s", d.Workload, strings.Join(harness.Workloads, " or "))
	case d.Serializable && d.Name != Etcd:
		return errors.New("experiment: serializable reads are etcd's")
	case d.Wait && d.Name != Redis:
		return errors.New("experiment: WAIT is Redis's")
	case len(d.Addrs) > 0 && d.Name != Etcd:
		return errors.New("experiment: a database someone else started can be etcd only, for now")
	}
	return nil
}

// CheckDB runs cfg's clients and nemesis against a real database, in a new
// run folder under root named after the database, and judges the history
// for the workload, as CheckReal does for clockwise's own nodes. It first
// sweeps what a killed earlier run left (db.Sweep), starts the database in
// the run folder's db folder and stops it on every way out, ctx's end
// included (Ctrl-C, SIGTERM); should this process be killed, the kernel
// kills the database's processes (the parent-death signal).
func CheckDB(ctx context.Context, root string, cfg harness.Config, d Database, command string, opts checker.Options, h Hooks) (*Run, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	opts.Workload = d.Workload
	if len(d.Addrs) > 0 {
		cfg.Nodes = len(d.Addrs)
	}
	cfg.Strategy = "lww" // unused by a real database; Validate needs a strategy
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if _, err := db.Sweep(); err != nil {
		return nil, fmt.Errorf("experiment: sweeping an earlier run's database processes: %w", err)
	}
	r := newRun(cfg, command)
	r.Info.Strategy, r.Info.Workload, r.Info.Cluster = d.Name, d.Workload, d.Name
	if len(d.Addrs) > 0 {
		r.Info.Cluster = d.Name + " " + strings.Join(d.Addrs, ",")
	}
	var err error
	if r.Dir, err = runs.New(root, d.Name, r.Info.Started); err != nil {
		return nil, err
	}
	target, stop, err := startDB(ctx, filepath.Join(r.Dir, DBFolder), cfg, d, r.Info.Started)
	if err != nil {
		return nil, fmt.Errorf("experiment: starting %s: %w", d.Name, err)
	}
	var res *harness.Result
	var runErr error
	err = runs.Record(filepath.Join(r.Dir, runs.HistoryFile), func(w *histories.Writer) error {
		res, runErr = dblive.Run(ctx, cfg, target, dblive.Options{Sink: w, Progress: h.Progress, IsolateLeader: d.IsolateLeader})
		if res == nil {
			return runErr
		}
		return nil
	})
	if serr := stop(); serr != nil && err == nil && runErr == nil {
		err = fmt.Errorf("stopping %s: %w", d.Name, serr)
	}
	if err != nil {
		return nil, fmt.Errorf("experiment: run: %w", err)
	}
	if runErr != nil && !res.Interrupted {
		return nil, fmt.Errorf("experiment: run: %w", runErr)
	}
	if err := r.save(cfg, res, nil, opts, h.Stage); err != nil {
		return nil, err
	}
	return r, nil
}

// startDB starts (or dials) the database and returns it with the function
// that stops it.
func startDB(ctx context.Context, dir string, cfg harness.Config, d Database, started time.Time) (dblive.DB, func() error, error) {
	prefix := fmt.Sprintf("clockwise/%d/", started.UnixNano())
	switch d.Name {
	case Etcd:
		o := dblive.EtcdOptions{Workload: d.Workload, Serializable: d.Serializable, Prefix: prefix, Timeout: cfg.Timeout}
		if len(d.Addrs) > 0 {
			e, err := dblive.DialEtcd(d.Addrs, o)
			if err != nil {
				return nil, nil, err
			}
			return e, e.Close, nil
		}
		c, err := etcd.Start(ctx, etcd.Options{Dir: dir, Nodes: cfg.Nodes, Timeout: cfg.Timeout})
		if err != nil {
			return nil, nil, err
		}
		e, err := dblive.NewEtcd(c, o)
		if err != nil {
			return nil, nil, errors.Join(err, c.Stop())
		}
		return e, func() error { return errors.Join(e.Close(), c.Stop()) }, nil
	case Redis:
		o := dblive.RedisOptions{Workload: d.Workload, Wait: d.Wait, Prefix: prefix, Timeout: cfg.Timeout}
		ro := redis.Options{Dir: dir, Nodes: cfg.Nodes, Skew: slices.Contains(cfg.Nemesis.Kinds, nemesis.Skew)}
		c, err := redis.Start(ctx, ro)
		var skew *db.SkewError
		if errors.As(err, &skew) {
			// Record skew as skipped for the reason libfaketime gave, and
			// run without it.
			o.Skew, ro.Skew = skew, false
			c, err = redis.Start(ctx, ro)
		}
		if err != nil {
			return nil, nil, err
		}
		return dblive.NewRedis(c, o), c.Stop, nil
	}
	return nil, nil, fmt.Errorf("unknown database %q", d.Name)
}

// workloadOf is the workload to judge the history file with: given, when
// set, else the one the run.json beside the file records ("" when there is
// none: the store's own).
func workloadOf(file, given string) string {
	if given != "" {
		return given
	}
	dir := filepath.Dir(file)
	if !runs.Has(dir, runs.InfoFile) {
		return ""
	}
	info, err := runs.ReadInfo(dir)
	if err != nil {
		return ""
	}
	return info.Workload
}
