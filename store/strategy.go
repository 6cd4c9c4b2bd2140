package store

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/internal/wire"
)

// Context is the opaque causal context a read returns and a write passes
// back. Clients must not interpret it; an empty Context is a blind write.
type Context struct {
	Clock VV    `json:"clock,omitempty"`
	TS    int64 `json:"ts,omitempty"`
	// Bumped carries, for vv-pruned, when each clock entry was last bumped
	// (see Object.Bumped).
	Bumped VV `json:"bumped,omitempty"`
}

// Write is a client's put or delete as the coordinator receives it.
type Write struct {
	Version
	Context Context
}

// Meta is what a strategy attached to a write, reported in the history for
// people to read. Checkers never derive causality from it.
type Meta struct {
	TS   int64 `json:"ts,omitempty"`   // timestamp the write was stamped with
	VV   VV    `json:"vv,omitempty"`   // the version vector after the write
	Dot  *Dot  `json:"dot,omitempty"`  // the write's dot
	Wait int64 `json:"wait,omitempty"` // commit wait served, local-clock ns (set by the Node)
	// Bytes is the encoded size of the key's causal metadata at the
	// coordinator after the write (Object.MetaBytes).
	Bytes int `json:"bytes,omitempty"`
}

// Wire returns m as the history and the node protocol carry it, the
// version vector as a map: the same JSON as m's.
func (m Meta) Wire() wire.Meta {
	w := wire.Meta{TS: m.TS, Wait: m.Wait, Bytes: m.Bytes}
	if m.VV != nil {
		w.VV = m.VV.Map()
	}
	if m.Dot != nil {
		d := *m.Dot
		w.Dot = &d
	}
	return w
}

// Stamp is the outcome of a Put at the coordinator.
type Stamp struct {
	Meta Meta
	// AckAt is the local clock reading before which the coordinator must not
	// apply, replicate or acknowledge the write (commit wait); 0 commits at
	// once. The Node then reports the wait it served in Meta.Wait.
	AckAt int64
}

// Strategy decides how a write is stamped, how versions from peers merge and
// what a read returns. A Strategy belongs to one node and may keep per-node
// state (a Lamport counter); it must be deterministic: the same calls in the
// same order give the same results.
type Strategy interface {
	// Name is the strategy's registered name.
	Name() string
	// Put applies a client write coordinated by this node at local clock
	// reading now to the stored object.
	Put(obj Object, w Write, now int64) (Object, Stamp)
	// Merge combines the local object with one received from a peer.
	Merge(local, remote Object) Object
	// Read returns the versions a read answers with and the context a
	// client passes back on its next write.
	Read(obj Object) ([]Version, Context)
}

// Options tunes strategies; each strategy reads the fields it needs.
type Options struct {
	// Epsilon is the clock uncertainty bound of truetime.
	Epsilon time.Duration
	// Prune is the most entries a vv-pruned vector keeps; 0 means
	// DefaultPrune.
	Prune int
}

// Factory builds a strategy instance for one node.
type Factory func(node string, opts Options) Strategy

var (
	registry = map[string]Factory{}
	// defaultReplicas holds the DefaultReplicas of each registered strategy that is
	// Placed, asked once as it registers.
	defaultReplicas = map[string]int{}
)

// Register makes a strategy available by name. It panics on a duplicate
// name: registration happens at init time.
func Register(name string, f Factory) {
	if _, dup := registry[name]; dup {
		panic("store: strategy registered twice: " + name)
	}
	registry[name] = f
	if p, ok := f("", Options{}).(Placed); ok {
		defaultReplicas[name] = p.DefaultReplicas()
	}
}

// Valid reports whether name is a registered strategy.
func Valid(name string) error {
	if _, ok := registry[name]; !ok {
		return fmt.Errorf("store: unknown strategy %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return nil
}

// New returns a new instance of the named strategy for node.
func New(name, node string, opts Options) (Strategy, error) {
	if err := Valid(name); err != nil {
		return nil, err
	}
	return registry[name](node, opts), nil
}

// Names lists the registered strategies in order.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
