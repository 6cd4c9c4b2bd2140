// Package dblive runs a clockwise test against a real database that
// clockwise did not write (package db: etcd, Redis with Sentinel), in real
// time, with the register or set workload (harness.Register, harness.Set):
// a store without contexts or siblings takes blind writes of unique values.
//
// Run drives harness.Config.Clients goroutines, each one Jepsen process,
// with the workload's generator (harness.NewBlind) while faults from
// nemesis.Schedules (the Nemesis for partitions and skew, Kills, Pauses,
// each on its harness.Stream) go through the DB: partitions by packet
// filter rules between the nodes' loopback addresses, kill and restart,
// pause and resume (SIGSTOP, SIGCONT), clock offsets through libfaketime. A
// fault the DB cannot take is recorded as a nemesis event with f "skipped"
// naming the fault and why (histories.Skipped), never dropped silently.
// Then it undoes every fault, lets the database settle (DB.Settle) and
// reads every key through every node: the final reads.
//
// A write stores its own id (w7) as the value, so that a read maps back to
// the writes it saw: a register read lists the one version it returned
// (none when the key is absent), a set read every element. An operation
// that fails with a *db.Error that is Definite is recorded fail; any other
// failure (a timeout, a lost connection) info. The node of a completion is
// the node that served the operation (for Redis, the server the Sentinels
// named primary when the client connected), which may differ from the
// node of its invoke, the generator's choice.
//
// The history is stamped with this process's monotonic clock, as package
// harness/live stamps a run of clockwise's own nodes; the checker and the
// reports read it like any other history.
package dblive
