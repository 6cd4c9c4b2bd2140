package harness

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/clockwise-kv/clockwise/histories"
)

// Op is one client operation: a read, write or delete of Key through Node.
type Op struct {
	F     histories.Func // histories.Read, Write or Delete
	Key   string
	Node  string
	Value string // write: the value; empty: the number of a write id the run gives (w7 writes "7"), or the id the caller gave
	// ReadFirst makes the client read Key from Node first and then write
	// with what it read (a read-then-write). Generators set it; scripts
	// spell the read out and use AfterRead.
	ReadFirst bool
	// AfterRead passes the context of the client's last successful read of
	// Key; otherwise the write is blind.
	AfterRead bool
	// Ahead makes the serving node's clock read this much further ahead
	// while it handles the request (the tombstone nemesis's delete).
	Ahead time.Duration
	// Write is the id of the version a write or delete creates; empty: the
	// run's next id (w<n> for a write, d<n> for a delete).
	Write string
	// WriteNode, with ReadFirst, sends the write through this node rather
	// than Node, which serves the read.
	WriteNode string
}

// Read is the read a read-then-write op starts with.
func (op Op) Read() Op { return Op{F: histories.Read, Key: op.Key, Node: op.Node} }

// ThenWrite is the write a read-then-write op sends once its read
// completed: with the read's context, through WriteNode if it names one.
func (op Op) ThenWrite() Op {
	op.ReadFirst, op.AfterRead = false, true
	if op.WriteNode != "" {
		op.Node, op.WriteNode = op.WriteNode, ""
	}
	return op
}

// LastRead is what a client's last successful read of a key returned: the
// versions, and the context a write after it passes back (C: a
// store.Context in the simulator, the protocol's string on a real cluster).
type LastRead[C any] struct {
	Versions []histories.Version
	Context  C
}

// IDs returns the write ids of the versions read, nil if there was no read.
func (l LastRead[C]) IDs() []string {
	if l.Versions == nil {
		return nil
	}
	ids := make([]string, len(l.Versions))
	for i, v := range l.Versions {
		ids[i] = v.Write
	}
	return ids
}

// StampWrite gives inv, the invocation of op, a write or delete, its id
// (op.Write, or the run's next: *writes counts them), its value (op.Value,
// or the id's number, or the id) and its context: the ids of last's
// versions if op.AfterRead, else none.
func StampWrite[C any](inv *histories.Event, op Op, writes *int, last LastRead[C]) {
	inv.Write = op.Write
	n := ""
	if inv.Write == "" {
		*writes++
		inv.Write = WriteID(op.F, *writes)
		n = inv.Write[1:] // the id's number: w7 writes "7"
	}
	if op.F == histories.Write {
		inv.Value = cmp.Or(op.Value, n, inv.Write)
	}
	inv.Context = []string{}
	if op.AfterRead {
		inv.Context = last.IDs()
	}
}

// WriteID is the id of a run's n-th write: w<n> for a write, d<n> for a
// delete. A generated write's value is n itself (w7 writes "7").
func WriteID(f histories.Func, n int) string {
	var b [24]byte
	id := append(b[:0], 'w')
	if f == histories.Delete {
		id[0] = 'd'
	}
	return string(strconv.AppendInt(id, int64(n), 10))
}

// Workload reports whether process id runs the workload's operations,
// which count against Config.Ops, rather than the final reads or the
// nemesis's.
func Workload(id string) bool { return id != histories.Final && id != histories.Nemesis }

// Generator chooses each client's next operation; Op{} (no F) stops the
// client.
type Generator interface {
	Next(client string, rng *rand.Rand) Op
}

// random is the default generator: keys and nodes uniformly at random,
// operations by the configured mix.
type random struct {
	keys  []string
	nodes []string
	mix   Mix
}

// NewGenerator returns the random generator for cfg: keys k1…kN, nodes
// n1…nN, operations weighted by cfg.Mix.
func NewGenerator(cfg Config) Generator { return newRandom(cfg) }

func newRandom(cfg Config) *random {
	g := &random{mix: cfg.Mix}
	for i := 1; i <= cfg.Keys; i++ {
		g.keys = append(g.keys, fmt.Sprintf("k%d", i))
	}
	for i := 1; i <= cfg.Nodes; i++ {
		g.nodes = append(g.nodes, fmt.Sprintf("n%d", i))
	}
	return g
}

func (g *random) Next(_ string, rng *rand.Rand) Op {
	op := Op{Key: g.keys[rng.IntN(len(g.keys))], Node: g.nodes[rng.IntN(len(g.nodes))]}
	m := g.mix
	switch x := rng.IntN(m.total()); {
	case x < m.Read:
		op.F = histories.Read
	case x < m.Read+m.ReadWrite:
		op.F, op.ReadFirst = histories.Write, true
	case x < m.Read+m.ReadWrite+m.Blind:
		op.F = histories.Write
	case x < m.Read+m.ReadWrite+m.Blind+m.Delete:
		op.F, op.ReadFirst = histories.Delete, true
	default:
		op.F, op.ReadFirst = histories.Write, true
		if len(g.nodes) > 1 { // any node but the reader
			i := rng.IntN(len(g.nodes) - 1)
			if g.nodes[i] == op.Node {
				i = len(g.nodes) - 1
			}
			op.WriteNode = g.nodes[i]
		}
	}
	return op
}
