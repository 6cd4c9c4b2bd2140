// Package harness is the vocabulary of a clockwise test, shared by the
// runners that carry one out: the simulator (package harness/sim), the real
// runner (package harness/live) and the runner of real databases (package
// harness/dblive). It runs nothing itself.
//
// A Config is what defines a test: the strategy and its options, the
// cluster's size and placement (Replicas, W), the clients, keys and
// operation budget, the operation Mix (with a text form, Mix.String and
// ParseMix), the simulated network (Latency, Drop), timing (Think, Timeout,
// Tick, SyncEvery, Converge), the nemesis's options and the seed. Validate
// reports the first field that cannot run, a size above its bound included
// (Limit, MaxNodes…); ReplicaCount says how many nodes hold each key, and
// Faults how many faults a run would inject. How a caller follows a run (a sink, progress, an
// interrupt) is not part of a Config but of the runner's options.
//
// A Generator chooses each client's next Op (NewGenerator, the random one;
// NewTurns, the metadata measurements'); a script is a list of Steps, each
// a pause, a fault and Calls issued together (CheckSteps checks it against
// the clients and nodes a run has), and the Scenarios are the scripted
// stories of the demo. Both runners give a write its id, value and context
// the same way (StampWrite, WriteID), draw every source of randomness from
// its own PCG stream of the seed (the Stream constants, one table), try a
// final read FinalTries times (ReadFinal), wait ThinkTime between
// operations, and return a Result. The real runners share the rest of
// what a run on real processes needs: Play and Sleep, the fault player;
// a Recorder, the history as it is made (each event numbered and timed,
// streamed, faults and skipped faults recorded, progress counted); and
// Undo, the faults that put a cluster back together.
//
// Nodes are named n1…nN (ValidNode), clients c1…cN, keys k1…kN; each node's
// clock is a clock.Clock.
package harness
