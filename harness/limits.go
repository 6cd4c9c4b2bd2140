package harness

import (
	"fmt"
	"time"
)

// The upper bounds of a run's sizes. Each is far above any run that
// teaches something and far below one that would exhaust memory: the
// simulator, the checker and the reports hold what a run makes in memory.
const (
	// MaxNodes bounds Nodes (and Replicas, W and Options.Prune): every
	// node keeps every key it holds and a version vector grows an entry
	// per node, the simulator delivers every write to every replica, and
	// the report draws a row per node. 64 nodes run in seconds; 10,000
	// ran for minutes.
	MaxNodes = 64
	// MaxClients bounds Clients: a client per goroutine and timeline row.
	MaxClients = 1000
	// MaxKeys bounds Keys: the final reads are one per key per node.
	MaxKeys = 10_000
	// MaxOps bounds Ops: a million-operation check peaks at 0.9 GiB.
	MaxOps = 2_000_000
	// MaxFaults bounds the faults a run's length and Nemesis.Interval
	// would inject: each is an event the checker and the report keep.
	MaxFaults = 1_000_000
)

// LimitError is a size of a Config above its bound: Field names it as its
// flag does (nodes, clients, keys, ops, prune, replicas, w).
type LimitError struct {
	Field string
	Value int
	Max   int
	Why   string
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("harness: %s is %d, more than %d (%s)", e.Field, e.Value, e.Max, e.Why)
}

// Limit reports the first size of c above its bound, as a *LimitError.
func (c *Config) Limit() error {
	for _, v := range []LimitError{
		{"nodes", c.Nodes, MaxNodes, "every node holds every key and a version vector grows an entry per node"},
		{"clients", c.Clients, MaxClients, "each client is a goroutine and a timeline row"},
		{"keys", c.Keys, MaxKeys, "the final reads are one per key per node"},
		{"ops", c.Ops, MaxOps, "the checker and the reports hold the whole history; a million operations take 0.9 GiB"},
		{"prune", c.Options.Prune, MaxNodes, "a version vector has at most one entry per node"},
		{"replicas", c.Replicas, MaxNodes, "a key has at most one replica per node"},
		{"w", c.W, MaxNodes, "a write has at most one replica per node"},
	} {
		if v.Value > v.Max {
			return &v
		}
	}
	return nil
}

// Faults estimates the run c describes: its length, about each client's
// share of the operations, each a round trip and half a think, and the
// faults its nemesis would inject over it, about one every two intervals.
func (c *Config) Faults() (length time.Duration, faults float64) {
	per := c.Think/2 + 2*(c.Latency.Min+c.Latency.Mean)
	length = time.Duration(float64(per) * float64(c.Ops) / float64(max(c.Clients, 1)))
	if len(c.Nemesis.Kinds) == 0 || c.Nemesis.Interval <= 0 {
		return length, 0
	}
	return length, float64(length) / float64(2*c.Nemesis.Interval)
}
