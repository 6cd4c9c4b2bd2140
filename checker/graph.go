package checker

import (
	"fmt"
	"slices"

	"github.com/clockwise-kv/clockwise/checker/ids"
	"github.com/clockwise-kv/clockwise/histories"
)

// Write is one write or delete of the history with what the checker knows of
// it.
type Write struct {
	*Op
	Deleted bool
	parents []*Write // the writes of the same key its context named
	kids    []*Write
	n       int       // position among its key's writes, in invoke order
	i       int       // position among all the graph's writes
	keyed   *keyGraph // what Precedes remembers of its key
}

// Graph is the happens-before relation between a history's writes, derived
// only from what clients saw: write B follows write A when B's context names
// A, or names a write that follows A. The store's own metadata is never
// consulted.
type Graph struct {
	all    []Write           // in invoke order
	writes ids.Index[*Write] // by id
	byKey  map[string][]*Write
}

// keyGraph is what Precedes remembers of one key, and its scratch space:
// each key has its own, so keys are judged side by side.
type keyGraph struct {
	memo  map[uint64]bool // by pair, a.n<<32 | b.n: whether b follows a
	seen  []uint32        // by Write.n: the search that last reached it
	stack []*Write
	round uint32 // the searches so far
}

func newGraph(a *Analysis) (*Graph, error) {
	ops := a.Ops
	n := 0
	for _, op := range ops {
		if op.isWrite() {
			n++
		}
	}
	// The writes are made at once, the index sized for them and each
	// key's list for its writes. A history's writes are numbered from w1
	// up: an id numbered above twice the writes, or named otherwise, goes
	// in the index's map.
	all := make([]Write, 0, n)
	g := &Graph{writes: ids.NewIndex[*Write](2*n + 2), byKey: map[string][]*Write{}}
	perKey := make([]int, len(a.keys))
	edges := 0
	for i, op := range ops {
		if op.isWrite() {
			perKey[a.keyOf[i]]++
			edges += len(op.Context)
		}
	}
	byKey := make([][]*Write, len(perKey))
	for k, n := range perKey {
		byKey[k] = make([]*Write, 0, n)
	}
	for i, op := range ops {
		if !op.isWrite() {
			continue
		}
		if prev := g.writes.Get(op.Write); prev != nil {
			return nil, &EventError{Event: op.Invoke, Err: fmt.Errorf("write id %s was already used by event %d (write ids must be unique)", op.Write, prev.Invoke)}
		}
		k := a.keyOf[i]
		all = append(all, Write{Op: op, Deleted: op.F == histories.Delete, n: len(byKey[k]), i: len(all)})
		w := &all[len(all)-1]
		g.writes.Put(w.Write, w)
		byKey[k] = append(byKey[k], w)
	}
	for k, ws := range byKey {
		if len(ws) > 0 {
			g.byKey[a.keys[k]] = ws
		}
	}
	// Every write's parents, then its kids, are parts of one slice each,
	// made once and each part capped at its own length.
	parents := make([]*Write, 0, edges) // at most one for each id a context names
	kids := make([]int, len(all))       // by Write.i: how many kids
	ends := make([]int, len(all))       // by Write.i: where its parents end
	for i := range all {
		w := &all[i]
		start := len(parents)
		for _, id := range w.Context {
			if p := g.writes.Get(id); p != nil && p.Key == w.Key && p != w && !slices.Contains(parents[start:], p) {
				parents = append(parents, p)
				kids[p.i]++
			}
		}
		ends[i] = len(parents)
	}
	start := 0
	for i := range all {
		all[i].parents, start = parents[start:ends[i]:ends[i]], ends[i]
	}
	slab := make([]*Write, len(parents))
	for i := range all {
		w := &all[i]
		w.kids, slab = slab[:0:kids[i]], slab[kids[i]:]
	}
	for i := range all {
		for _, p := range all[i].parents {
			p.kids = append(p.kids, &all[i])
		}
	}
	g.all = all
	for _, ws := range g.byKey {
		k := &keyGraph{memo: map[uint64]bool{}}
		for _, w := range ws {
			w.keyed = k
		}
	}
	return g, nil
}

// Write returns the write with id, or nil.
func (g *Graph) Write(id string) *Write { return g.writes.Get(id) }

// Writes returns key's writes in invoke order.
func (g *Graph) Writes(key string) []*Write { return g.byKey[key] }

// Parents returns the writes w's context named directly.
func (w *Write) Parents() []*Write { return w.parents }

// Precedes reports whether b follows a: a happened before b.
func (g *Graph) Precedes(a, b *Write) bool {
	if a == nil || b == nil || a == b || a.Key != b.Key {
		return false
	}
	if len(a.kids) == 0 {
		return false // nothing follows a
	}
	k := a.keyed
	pair := uint64(a.n)<<32 | uint64(b.n)
	if len(k.memo) > 0 {
		if v, ok := k.memo[pair]; ok {
			return v
		}
	}
	// Search b's ancestors for a. A write's ancestors were all invoked
	// before it (its client read them first), so writes invoked before a
	// cannot lead to a.
	found := false
	if len(k.seen) == 0 {
		k.seen = make([]uint32, len(g.byKey[a.Key]))
	}
	if k.round++; k.round == 0 { // wrapped: forget every mark
		clear(k.seen)
		k.round = 1
	}
	k.seen[b.n] = k.round
	stack := append(k.stack[:0], b)
	steps := 0
	for len(stack) > 0 && !found {
		steps++
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, p := range x.parents {
			if p == a {
				found = true
				break
			}
			if k.seen[p.n] != k.round && p.Invoke > a.Invoke {
				k.seen[p.n] = k.round
				stack = append(stack, p)
			}
		}
	}
	k.stack = stack[:0]
	if steps > memoSteps {
		k.memo[pair] = found
	}
	return found
}

// memoSteps is how many writes a search of Precedes visits before its
// answer is worth remembering: most searches end within a few, sooner
// than a map finds what one remembered.
const memoSteps = 32

// Relation is how one write relates causally to another.
type Relation uint8

// Causal relations, of a to b in Graph.Relation.
const (
	Same       Relation = iota // a is b
	Before                     // a happened before b: b follows a
	After                      // b happened before a: a follows b
	Concurrent                 // neither follows the other
)

var relations = [...]string{"same", "before", "after", "concurrent"}

func (r Relation) String() string {
	if int(r) < len(relations) {
		return relations[r]
	}
	return fmt.Sprintf("Relation(%d)", r)
}

// Relation describes how a relates to b.
func (g *Graph) Relation(a, b *Write) Relation {
	switch {
	case a == b:
		return Same
	case g.Precedes(a, b):
		return Before
	case g.Precedes(b, a):
		return After
	}
	return Concurrent
}

// reach marks every write reachable from the starting writes (excluded)
// along next, as a bool per position among key's writes.
func reach(n int, from []*Write, next func(*Write) []*Write) []bool {
	mark := make([]bool, n)
	stack := slices.Clone(from)
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, y := range next(x) {
			if !mark[y.n] {
				mark[y.n] = true
				stack = append(stack, y)
			}
		}
	}
	return mark
}

func parentsOf(w *Write) []*Write { return w.parents }
func kidsOf(w *Write) []*Write    { return w.kids }
