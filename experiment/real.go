package experiment

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/live"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/runs"
)

// Local names the cluster of `clockwise node` processes a check starts on
// loopback, as --cluster spells it.
const Local = "local"

// NodesFolder is the folder of a run folder that holds each local node's
// output, n1.log….
const NodesFolder = "nodes"

// Cluster is the real cluster a check runs against.
type Cluster struct {
	// Spec is Local, or the comma-separated base URLs of nodes someone
	// else started (n1, n2… in that order).
	Spec string
	// Binary is the clockwise executable whose node command runs each
	// replica of a local cluster.
	Binary string
	// Local tunes a local cluster's nodes; its Binary and Logs are set
	// from Binary and the run folder.
	Local live.LocalOptions
	// Token is the shared secret a remote cluster's control plane requires
	// (protocol.TokenEnv); a local cluster, on loopback, needs none.
	Token string
}

// URLs returns the node URLs of a remote cluster's Spec, or an error that
// says which one is malformed; a local cluster has none.
func (c Cluster) URLs() ([]string, error) {
	if c.Spec == Local {
		return nil, nil
	}
	var urls []string
	for _, u := range strings.Split(c.Spec, ",") {
		u = strings.TrimSpace(u)
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return nil, fmt.Errorf("experiment: cluster %q: want %q or node URLs like http://127.0.0.1:7001, got %q", c.Spec, Local, u)
		}
		urls = append(urls, strings.TrimRight(u, "/"))
	}
	return urls, nil
}

// CheckReal runs cfg against a real cluster, in a new run folder under
// root, as CheckStages does in the simulator: the same history, results,
// reports and run.json. A local cluster is started first (its nodes' logs
// go to the run folder's nodes folder) and stopped when the check ends,
// also when ctx ends or the check fails; a remote cluster takes cfg.Nodes
// from its URLs. If ctx ends during the run, the faults are undone and
// what was recorded is judged and saved, as an interrupted simulated run
// is (run.json's interrupted; the verdict unknown unless what was recorded
// proves a failure). h's Progress and Stage follow it; its Interrupt is
// not used: ctx stops a real run. The run has a namespace of its own on the
// cluster (live.NewNamespace, in run.json), so a cluster serves any number
// of checks, one after another or at once. A history that cannot be
// written stops the run at once: the faults are undone, a local cluster is
// stopped, what reached the history file stays, and the error is returned.
func CheckReal(ctx context.Context, root string, cfg harness.Config, cl Cluster, command string, opts checker.Options, h Hooks) (*Run, error) {
	urls, err := cl.URLs()
	if err != nil {
		return nil, err
	}
	if urls != nil {
		cfg.Nodes = len(urls)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r := newRun(cfg, command)
	r.Info.Cluster = cl.Spec
	if urls == nil {
		if r.Info.Net = cl.Local.Net; r.Info.Net == "" {
			r.Info.Net = live.NetProxy
		}
	}
	r.Info.Namespace = live.NewNamespace()
	if r.Dir, err = runs.New(root, cfg.Strategy, r.Info.Started); err != nil {
		return nil, err
	}
	if h.Dir != nil {
		h.Dir(r.Dir)
	}
	var t live.Target
	closeLocal := func() {}
	if urls == nil {
		lo := cl.Local
		lo.Binary, lo.Logs = cl.Binary, filepath.Join(r.Dir, NodesFolder)
		lo.Data = lo.Logs // nodes/n1/data, next to nodes/n1.log
		l, err := live.StartLocal(ctx, cfg, lo)
		if err != nil {
			return nil, fmt.Errorf("experiment: starting the local cluster: %w", err)
		}
		defer l.Close()
		closeLocal = func() { _ = l.Close() }
		t = l
	} else {
		if t, err = live.DialRemote(ctx, urls, cl.Token); err != nil {
			return nil, fmt.Errorf("experiment: %w", err)
		}
	}
	var res *harness.Result
	var runErr error
	err = runs.Record(filepath.Join(r.Dir, runs.HistoryFile), func(w *histories.Writer) error {
		res, runErr = live.Run(ctx, cfg, t, nil, live.Options{Sink: w, Progress: h.Progress, Namespace: r.Info.Namespace})
		if res != nil && res.Interrupted {
			return nil // judged as it is
		}
		return runErr
	})
	// The nodes are done: stop them, and remove their packet filter, before
	// judging, which an interrupted check may not outlive.
	closeLocal()
	if err != nil {
		return nil, fmt.Errorf("experiment: run: %w", err)
	}
	if err := r.save(cfg, res, nil, opts, h.Stage); err != nil {
		return nil, err
	}
	return r, nil
}
