// Package live runs a clockwise test against a real cluster: node
// processes over the node protocol (docs/PROTOCOL.md), in real time. It is
// where real processes, sockets and kernel-level faults belong; it never
// imports the simulator (harness/sim).
//
// Run drives the same workload as the simulator (a harness.Generator, with
// harness.Config's clients, keys, budget and mix) and RunScript the same
// scripts, against a Target: Config.Clients goroutines, each one Jepsen
// process, send operations over HTTP (protocol.Client) while faults from
// nemesis.Schedules (the Nemesis, and Kills for kill faults, each on its
// harness.Stream) go through the Target. Then the run undoes every fault,
// waits for convergence (GET /admin/state) and takes the final reads. The
// history is stamped with this process's monotonic clock and goes to
// Options.Sink as it happens; a sink that fails stops the run at once (its
// faults undone, its error returned). The seed fixes the generator's choices and the
// fault schedule, not the history: real timing decides what happens. Every
// run has a namespace of its own on the cluster (Options.Namespace,
// NewNamespace): its keys and write ids go to the nodes behind it, the
// history keeps the generator's names, and convergence and the final reads
// cover the namespace's keys alone, so runs share a cluster. A fault
// the target cannot take is recorded as a nemesis event with f "skipped"
// (Skipped) naming the fault and why; a run whose context ends undoes its
// faults and returns what it recorded (Result.Interrupted).
//
// A Target is Local, `clockwise node` processes StartLocal starts on
// loopback, children of this process, each peer link through a TCP proxy of
// its own so that a partition cuts real sockets (NetProxy), or each node on
// a loopback address of its own with partitions made by kernel packet
// filter rules between the addresses (NetFilter, package netfault; root and
// nft); or Remote, nodes someone
// else runs (DialRemote), faulted through their admin API. Local starts each
// node from a node.Config written with Config.Args, so a node's flags have
// one source. With LocalOptions.Data each node keeps its store in a data
// folder of its own: a kill fault (Target.Kill, SIGKILL) keeps it, so the
// node restarts with everything it acknowledged or served to a read; a
// crash fault (Target.Crash) is SIGKILL and amnesia, the folder deleted and
// the node restarted empty as its next incarnation. A Remote cluster takes
// neither, and records both as skipped.
package live
