package harness

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/clockwise-kv/clockwise/histories"
)

// Workloads of stores without contexts or siblings, such as real databases
// clockwise did not write (package harness/dblive): every write is blind and
// its value is its own unique id, so a read names the writes it saw.
const (
	// Register is single-key reads and writes of unique values: a write
	// overwrites the key, a read returns the one value it holds (or
	// nothing). Judged for linearizability, not for lost writes: a register
	// overwrites.
	Register = "register"
	// Set is Jepsen's set: each write adds its own element to a key's set
	// exactly once, and a read returns every element the set holds. A write
	// is lost when it was acknowledged (or indeterminate and read) and the
	// final reads lack it.
	Set = "set"
)

// Workloads lists the workloads a check may name; the empty workload is the
// store's own (contexts, siblings and deletes).
var Workloads = []string{Register, Set}

// ValidWorkload reports whether name is a workload ("" is the store's own).
func ValidWorkload(name string) error {
	if name == "" || slices.Contains(Workloads, name) {
		return nil
	}
	return fmt.Errorf("harness: unknown workload %q (known: %s)", name, strings.Join(Workloads, ", "))
}

// blind is the generator of the register and set workloads: keys and nodes
// uniformly at random, reads weighted by Mix.Read and blind writes by every
// other weight.
type blind struct {
	keys, nodes []string
	read, total int
}

// NewBlind returns the generator of the register and set workloads for cfg:
// reads (weight cfg.Mix.Read) and blind writes (the other weights summed)
// of keys k1…kN through nodes n1…nN; a write's value is its id
// (StampWrite with Op.Value empty gives the id's number; callers store the
// id itself).
func NewBlind(cfg Config) Generator {
	g := &blind{read: cfg.Mix.Read, total: cfg.Mix.total()}
	for i := 1; i <= cfg.Keys; i++ {
		g.keys = append(g.keys, fmt.Sprintf("k%d", i))
	}
	for i := 1; i <= cfg.Nodes; i++ {
		g.nodes = append(g.nodes, fmt.Sprintf("n%d", i))
	}
	return g
}

func (g *blind) Next(_ string, rng *rand.Rand) Op {
	op := Op{Key: g.keys[rng.IntN(len(g.keys))], Node: g.nodes[rng.IntN(len(g.nodes))], F: histories.Write}
	if rng.IntN(g.total) < g.read {
		op.F = histories.Read
	}
	return op
}
