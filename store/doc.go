// Package store is clockwise's replicated key-value store: the system under
// test ("db" in Jepsen's terms).
//
// A Node is a replica written as a deterministic state machine in the style
// of go.etcd.io/raft: the caller feeds it messages and clock readings (Step,
// Tick) and collects the messages it wants sent (Ready). It never starts a
// goroutine, opens a socket or reads a clock, so the same Node runs inside
// the seeded simulator and behind a real transport.
//
// Clients see a Dynamo/Riak-style API carried in messages: Get returns every
// surviving Version (siblings, tombstones included) and an opaque Context;
// Put writes a Version with the Context the client read (empty: a blind
// write); a delete is a Put of a Version with Deleted set. Every Version
// carries the unique write id the client chose, so a read says exactly which
// writes it saw. Version and Dot are the history's types too (package
// internal/wire defines them once), and Meta.Wire is a write's metadata as
// the history and the node protocol carry it.
//
// A Strategy decides how a write is stamped, how versions merge and what a
// read returns. Strategies register by name (New, Names): "lww" stamps with
// the coordinator's wall clock and keeps the highest timestamp; "lamport"
// does the same with a Lamport clock; "truetime" stamps with the top of a
// TrueTime interval and holds each write through a commit wait; "vv" keeps
// Riak-classic version vectors with node actors and never drops a
// concurrent write; "vv-pruned" is vv capped at Options.Prune entries by
// dropping the entries bumped longest ago, which bounds the metadata and
// breaks causality; "dvv" keeps dotted version vectors (DVVSet), one dot per
// sibling and one causal context per key, exact and bounded by the replica
// count. VV is the version vector type they share; Object.MetaBytes is the
// size of a key's causal metadata.
//
// By default every node holds every key. A Ring (consistent hashing) places
// each key on a few replicas instead: only they coordinate its writes, and
// other nodes forward requests to them (see Node). Config.W sets a write
// quorum: the coordinator acknowledges a write once W replicas, itself
// included, have stored it. Anti-entropy is incremental: a round sends the
// sums of a range of keys (Object.Sum), and only the keys whose sums differ
// travel, in messages of at most Config.SyncBytes (see Node).
//
// A Durable node (Config.Durable) also lists, in each Ready, the objects
// that changed since the last one; its caller saves them, synced, before it
// sends the Ready's messages, and starts a node again from what it saved
// with Restore. The node itself still does no I/O.
package store
