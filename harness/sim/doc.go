// Package sim runs a clockwise test on a seeded discrete-event simulator:
// it builds a cluster of store nodes on virtual time, drives concurrent
// clients against it with a generator, lets a nemesis inject faults, and
// records every operation and fault in a history (Jepsen's "test runner").
// One seed and one harness.Config give the same history, byte for byte.
// The package starts no process and opens no socket; it never imports the
// real runner (harness/live).
//
// Nodes see only their own clocks (true time + offset, as the nemesis sets
// them); node-to-node messages take a random latency, may be dropped, and
// are cut by partitions; client-to-node links only add latency. Nodes tick
// every Config.Tick; a node holding a write in its commit wait is also woken
// at the true time its own clock reads the wait's end (store.Node.Deadline),
// so the wait is exact. All randomness comes from streams seeded by
// Config.Seed (harness.StreamNetwork, StreamNemesis, StreamClients). The
// history is encoded to Options.Sink, and handed to Options.Observe, by a
// goroutine of the run's own, a batch of events behind the simulation: what
// the events are and their order depend on the simulation alone, never on
// the Options.
//
// A tombstone fault is an operation: the nemesis reads the key through the
// fault's node and deletes it with what it read, the node's clock reading
// the fault's offset ahead (an hour by default) while it stamps the delete.
// The history shows the fault as a nemesis event (f "tombstone", value
// naming the node, key, offset and the delete's write id) followed by the
// nemesis's read and delete, recorded like a client's, so the checker judges
// the delete as a write. The nemesis runs one tombstone at a time.
//
// After the workload the run undoes every active fault, runs anti-entropy
// until the replicas converge (or Config.Converge passes: then it records a
// nemesis event with f "unconverged", histories.Unconverged), and reads
// every key from every node: the final reads the checker judges (a final
// read that times out or fails is tried again, harness.FinalTries in all).
// A closed Options.Interrupt stops the run at its next event instead,
// without healing or final reads (Result.Interrupted). With placement
// (Config.Replicas) converged means every replica of a key holds the same
// object and no other node holds one, and the final read through a node
// that is not a replica is answered by the key's first replica.
//
// A crash fault takes a node down: its store and held writes are gone, it
// drops whatever reaches it, and the restart one spell later brings it back
// empty under a new actor id, to recover from its peers by anti-entropy.
// The kill fault needs a process and is refused. Config.ClockResolution
// makes clocks read in coarse steps, so timestamps tie.
//
// Run drives a random workload from a harness.Generator; RunScript plays
// fixed harness.Steps, as the demo does; RunRecorded writes down the
// Schedule a random run generated and Replay plays one back, whole or cut
// down (shrinking). Faults come from a nemesis.Schedule: the Nemesis, or a
// recorded list.
package sim
