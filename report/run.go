package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/runs"
)

// Setup is a run's shape in words: "3 nodes, 5 clients, 3 keys, 1000 ops".
func Setup(ri runs.Info) string {
	return strings.Join([]string{Plural(ri.Nodes, "node"), Plural(ri.Clients, "client"), Plural(ri.Keys, "key"), Plural(ri.Ops, "op")}, ", ")
}

// RunHead is a run in two lines: what ran, and its shape and outcome.
func RunHead(ri runs.Info) []string {
	state := "replicas converged"
	switch {
	case ri.Interrupted:
		state = "INTERRUPTED before its final reads"
	case !ri.Converged:
		state = "replicas did NOT converge"
	}
	if db := Database(ri); db != "" {
		setup := strings.Join([]string{Plural(ri.Clients, "client"), Plural(ri.Keys, "key"), Plural(ri.Ops, "op")}, ", ")
		return []string{fmt.Sprintf("clockwise: database %s, workload %s, nemesis %s, seed %d", db, ri.Workload, ri.Nemesis, ri.Seed),
			fmt.Sprintf("%s; %s against the database, %s", setup, ri.Wall.Round(time.Millisecond), state)}
	}
	where := fmt.Sprintf("%s simulated", ri.Virtual.Round(time.Millisecond))
	if ri.Cluster != "" {
		where = fmt.Sprintf("%s on the real cluster %s", ri.Wall.Round(time.Millisecond), ri.Cluster)
		if ri.Namespace != "" {
			where += " (namespace " + ri.Namespace + ")"
		}
	}
	return []string{fmt.Sprintf("clockwise: strategy %s, nemesis %s, seed %d", ri.Strategy, ri.Nemesis, ri.Seed),
		fmt.Sprintf("%s; %s, %s", Setup(ri), where, state)}
}

// Database names the real database a run tested, with its shape: "redis
// (3 servers, 3 Sentinels)", "etcd (3 members)", "etcd (2 members at
// http://10.0.0.1:2379,http://10.0.0.2:2379)"; "" for a run of clockwise's
// own store, simulated or real.
func Database(ri runs.Info) string {
	if ri.Workload == "" || ri.Cluster == "" {
		return ""
	}
	name, addrs, _ := strings.Cut(ri.Cluster, " ")
	switch {
	case name == "redis":
		return fmt.Sprintf("redis (%s, %s)", Plural(ri.Nodes, "server"), Plural(ri.Nodes, "Sentinel"))
	case name == "etcd" && addrs != "":
		return fmt.Sprintf("etcd (%s at %s)", Plural(ri.Nodes, "member"), addrs)
	case name == "etcd":
		return fmt.Sprintf("etcd (%s)", Plural(ri.Nodes, "member"))
	}
	return ri.Cluster
}

// WriteHeader describes a run in a few lines, above its text report; dir,
// when not empty, is its run folder.
func WriteHeader(w io.Writer, ri runs.Info, dir string) {
	head := RunHead(ri)
	fmt.Fprintf(w, "%s\n  %s\n", head[0], head[1])
	if dir != "" {
		fmt.Fprintf(w, "  run folder: %s\n", dir)
	}
	if ri.Cluster == "" {
		fmt.Fprintf(w, "  replay: %s\n", ri.Command)
	} else {
		fmt.Fprintf(w, "  rerun: %s (real timing decides the history: it is not replayed byte for byte)\n", ri.Command)
	}
}

// WriteRun writes a run's text report: its header (WriteHeader), then the
// result (WriteText) with at most limit findings of each kind (0: all).
func WriteRun(w io.Writer, ri runs.Info, dir string, res *checker.Result, limit int) error {
	WriteHeader(w, ri, dir)
	writeSkipped(w, res.Faults)
	fmt.Fprintln(w)
	return WriteText(w, res, limit)
}

// writeSkipped lists the faults a real cluster could not take, so a run
// that was meant to kill or partition and did not says so.
func writeSkipped(w io.Writer, faults []checker.Fault) {
	for _, l := range SkippedFaults(faults) {
		fmt.Fprintf(w, "  %s\n", l)
	}
}

// SkippedFaults says in a line which faults a real cluster could not take
// and why, or nothing when it took every one.
func SkippedFaults(faults []checker.Fault) []string {
	why := map[string]int{}
	var order []string
	n := 0
	for _, f := range faults {
		if f.F != histories.Skipped {
			continue
		}
		n++
		k := f.Params["fault"] + ": " + f.Params["why"]
		if why[k] == 0 {
			order = append(order, k)
		}
		why[k]++
	}
	if n == 0 {
		return nil
	}
	var parts []string
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("%d× %s", why[k], k))
	}
	return []string{fmt.Sprintf("faults skipped, the cluster could not take them: %d (%s)", n, strings.Join(parts, "; "))}
}
