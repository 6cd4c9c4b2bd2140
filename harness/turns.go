package harness

import (
	"math/rand/v2"

	"github.com/clockwise-kv/clockwise/histories"
)

// turns sends each key's writes to the nodes in turn.
type turns struct {
	*random
	next map[string]int // key → how many writes it has been given
}

// NewTurns returns the generator of the metadata measurements: keys, plain
// reads and the operation mix as in NewGenerator, but each key's writes
// (read-then-writes, blind writes, deletes) go to the nodes in turn: its
// first to n1, its second to n2, and so on, wrapping around. Every node thus
// takes writes of every key, so a strategy with node actors meets every
// node, and the same workload runs at every cluster size.
func NewTurns(cfg Config) Generator { return &turns{random: newRandom(cfg), next: map[string]int{}} }

func (g *turns) Next(client string, rng *rand.Rand) Op {
	op := g.random.Next(client, rng)
	if op.F == histories.Read {
		return op
	}
	op.Node = g.nodes[g.next[op.Key]%len(g.nodes)]
	g.next[op.Key]++
	return op
}
