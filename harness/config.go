package harness

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/nemesis"
	"github.com/clockwise-kv/clockwise/store"
)

// The random streams of a run, every one in this table: each source of
// randomness draws from its own PCG stream seeded by Config.Seed, so
// changing one does not shift another.
const (
	StreamNetwork = 1   // the simulator's latencies and drops
	StreamNemesis = 2   // the nemesis's schedule
	StreamKills   = 3   // a real run's kill schedule
	StreamPauses  = 4   // a real database run's pause schedule
	StreamClients = 100 // client ci draws from StreamClients+i
)

// FinalTries is how many times a final read is tried before its key and
// node are left without one (and the verdict unknown).
const FinalTries = 3

// Latency is a link's delay: Min plus an exponentially distributed extra
// with mean Mean.
type Latency struct {
	Min  time.Duration
	Mean time.Duration
}

// Mix weighs the operations the random generator picks.
type Mix struct {
	Read      int // plain reads
	ReadWrite int // a read, then a write carrying what it read
	Blind     int // a write with an empty context
	Delete    int // a read, then a delete carrying what it read
	// ReadElsewhere is a read, then a write carrying what it read sent
	// through another node than the one that served the read.
	ReadElsewhere int
}

// total is the sum of the weights.
func (m Mix) total() int { return m.Read + m.ReadWrite + m.Blind + m.Delete + m.ReadElsewhere }

// Config describes a test run.
type Config struct {
	Strategy  string        // store strategy name
	Options   store.Options // strategy options
	Nodes     int           // replicas n1…nN
	Clients   int           // concurrent clients c1…cN
	Keys      int           // keys k1…kN
	Ops       int           // client operations to invoke (a read-then-write is two)
	Seed      uint64
	Mix       Mix
	Latency   Latency         // every link's delay
	Drop      float64         // probability a node-to-node message is lost
	Think     time.Duration   // a client waits up to this long between operations
	Timeout   time.Duration   // a client gives up on a request after this long (info)
	Tick      time.Duration   // how often nodes tick
	SyncEvery int             // ticks between a node's anti-entropy rounds
	Converge  time.Duration   // how long to wait for convergence after the faults heal
	Nemesis   nemesis.Options // what faults to inject
	// Replicas places each key on this many of the nodes by consistent
	// hashing (store.Ring); only they coordinate its writes and other nodes
	// forward to them. 0 takes the strategy's default (store.Placed: dvv
	// places keys on 3 nodes; every other strategy keeps every key on every
	// node). A value of Nodes or more means every node.
	Replicas int
	// W is the write quorum: a coordinator acknowledges a write once this
	// many replicas of its key, itself included, stored it (store.Config.W).
	// 0 or 1: the coordinator alone. At most ReplicaCount.
	W int
	// ClockResolution, if above 1ns, makes every node's clock read in
	// steps of it (floored), as a store that stamps in milliseconds does,
	// so timestamps of different writes tie. 0: exact nanoseconds.
	ClockResolution time.Duration
}

// DefaultConfig is 3 nodes, 5 clients, 3 keys and 1000 operations under clock
// skew plus partitions.
func DefaultConfig() Config {
	return Config{
		Strategy:  "lww",
		Options:   store.Options{Epsilon: store.DefaultEpsilon},
		Nodes:     3,
		Clients:   5,
		Keys:      3,
		Ops:       1000,
		Seed:      1,
		Mix:       Mix{Read: 3, ReadWrite: 4, Blind: 2},
		Latency:   Latency{Min: time.Millisecond, Mean: 2 * time.Millisecond},
		Drop:      0.01,
		Think:     5 * time.Millisecond,
		Timeout:   time.Second,
		Tick:      time.Millisecond,
		SyncEvery: 50,
		Converge:  60 * time.Second,
		Nemesis:   nemesis.DefaultOptions(),
	}
}

// Validate reports the first field of c that cannot run: out of range, or
// above its bound (Limit).
func (c *Config) Validate() error {
	switch {
	case c.Nodes < 1:
		return fmt.Errorf("harness: nodes must be at least 1, got %d", c.Nodes)
	case c.Clients < 1:
		return fmt.Errorf("harness: clients must be at least 1, got %d", c.Clients)
	case c.Keys < 1:
		return fmt.Errorf("harness: keys must be at least 1, got %d", c.Keys)
	case c.Replicas < 0:
		return fmt.Errorf("harness: replicas must not be negative, got %d", c.Replicas)
	case c.W < 0:
		return fmt.Errorf("harness: w must not be negative, got %d", c.W)
	case c.Ops < 0:
		return fmt.Errorf("harness: ops must not be negative, got %d", c.Ops)
	case c.Drop < 0 || c.Drop >= 1:
		return fmt.Errorf("harness: drop must be in [0, 1), got %g", c.Drop)
	case c.Latency.Min < 0 || c.Latency.Mean < 0:
		return fmt.Errorf("harness: latency must not be negative, got %v+%v", c.Latency.Min, c.Latency.Mean)
	case c.Tick <= 0:
		return fmt.Errorf("harness: tick must be positive, got %v", c.Tick)
	case c.Timeout <= 0:
		return fmt.Errorf("harness: timeout must be positive, got %v", c.Timeout)
	case c.ClockResolution < 0:
		return fmt.Errorf("harness: clock resolution must not be negative, got %v", c.ClockResolution)
	case c.Nemesis.TombstoneOffset < 0:
		return fmt.Errorf("harness: tombstone offset must not be negative, got %v", c.Nemesis.TombstoneOffset)
	case c.Mix.Read < 0 || c.Mix.ReadWrite < 0 || c.Mix.Blind < 0 || c.Mix.Delete < 0 || c.Mix.ReadElsewhere < 0 ||
		c.Mix.total() == 0:
		return errors.New("harness: mix needs a positive weight")
	}
	if err := store.Valid(c.Strategy); err != nil {
		return err
	}
	if err := c.Limit(); err != nil {
		return err
	}
	if n := c.ReplicaCount(); c.W > n {
		return fmt.Errorf("harness: w is %d, but each key has only %d replicas", c.W, n)
	}
	for n := range c.Nemesis.Skew {
		if ValidNode(n, c.Nodes) != nil {
			return fmt.Errorf("harness: skew names %s, but the nodes are n1…n%d", n, c.Nodes)
		}
	}
	return nil
}

// ReplicaCount is how many nodes hold each key: Replicas, or the strategy's
// default, at most Nodes.
func (c *Config) ReplicaCount() int { return store.ReplicaCount(c.Strategy, c.Replicas, c.Nodes) }

// ValidNode reports whether name is one of the nodes n1…nN of a cluster of
// nodes: the one reader of node names, for configurations, flags and
// scripts.
func ValidNode(name string, nodes int) error {
	if !numbered(name, "n", nodes) {
		return fmt.Errorf("harness: %q is not one of the nodes n1…n%d", name, nodes)
	}
	return nil
}

// numbered reports whether name is prefix followed by one of 1…n, written
// plainly.
func numbered(name, prefix string, n int) bool {
	i, err := strconv.Atoi(strings.TrimPrefix(name, prefix))
	return err == nil && i >= 1 && i <= n && name == prefix+strconv.Itoa(i)
}

// Result is what a run produced.
type Result struct {
	// History is every event, in order; nil when the runner was told to
	// stream the history only (sim.Options.Stream).
	History   []histories.Event
	Converged bool          // the replicas agreed before the final reads
	Duration  time.Duration // virtual time the run took
	Events    int           // simulator events processed
	Ops       int           // client operations invoked, final reads excluded
	// Interrupted: the caller stopped the run before it finished (a closed
	// sim.Options.Interrupt, an ended context of live.Run);
	// the history ends where it stopped.
	Interrupted bool
}
