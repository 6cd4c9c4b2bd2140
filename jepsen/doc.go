// Package jepsen judges histories that clockwise did not write: Jepsen's
// and Knossos's history.edn, and the Jepsen etcd logs and kv histories that
// porcupine's test suite ships.
//
// The operations choose the model, as Knossos names them (Model): a
// cas-register (:read, :write, :cas, whose value is [from to]), a
// multi-register (:txn of [:read k v] and [:write k v]), a mutex (:acquire,
// :release), or porcupine's kv (:get, :put, :append of strings by :key).
// Processes invoke operations and complete them as :ok,
// :fail (the operation definitely did not happen) or :info (it may or may
// not have happened). Decode, DecodeEDN and DecodeLog read them into a
// History: each operation paired from its invocation and completion, in
// history order, with the lines it came from. A malformed history is an
// error naming the line and, where one is at fault, the field
// (*histories.LineError); the readers never panic.
//
// Check judges a History. Its contract:
//
//   - Linearizability is the one check that applies. porcupine checks each
//     key's operations against the model, whose registers start at
//     Options.Initial (nil unless given; kv's ""): for a cas-register, a
//     write sets it, a read returns it, a cas from A to B succeeds only
//     when it holds A. In an EDN history a read that returned nil matches
//     any value, as in Knossos. Real-time order is the history's order.
//     Failed operations are left out. An indeterminate operation (:info, or
//     cut off by the end of the history) may take effect at any time after
//     its invocation, or never; an indeterminate read constrains nothing
//     and is left out.
//   - Each key is checked within a time limit (Options.Timeout). A key not
//     decided in time is Unknown, never a pass.
//   - The history is Invalid when any key is not linearizable, whatever the
//     others; else Unknown when any key is undecided, or when the history
//     has no client operation at all (the one place clockwise and Knossos
//     differ); else Valid, client operations none of which took effect
//     included, as Knossos judges them. These are Jepsen's :valid? false,
//     :unknown and true.
//   - clockwise's other checks (lost writes, siblings, phantom, future and
//     corrupted reads, divergence, external consistency, skew damage) need
//     write ids, contexts, final reads, nodes and timestamps that these
//     formats do not carry. Result.Checks says so for each, in plain words,
//     so no verdict claims more than was checked.
//   - Nemesis events (:process :nemesis) are kept as Faults; they do not
//     enter the model and appear as annotations in the visualization.
//
// Values compare by their canonical EDN text (3 and 3N are equal; 3 and
// "3" are not). Keys come from an explicit :key field, or from Jepsen's
// independent keys, whose operations carry [key value] tuples; the etcd
// logs are a single register.
//
// The EDN reader is this package's own: it reads what Clojure's printer
// writes, including the tagged records (#jepsen.history.Op{...}) and
// #object[...] values that Jepsen's histories contain, and it names the line
// of every error.
package jepsen
