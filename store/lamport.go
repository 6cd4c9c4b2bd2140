package store

func init() {
	Register("lamport", func(node string, _ Options) Strategy { return &Lamport{node: node} })
}

// Lamport stamps each write with a Lamport timestamp (counter, coordinator)
// and keeps the highest, like LWW with a logical clock. Each node's counter
// advances past every timestamp it sees: in objects merged from peers, in
// the object a write replaces, and in the context a client read (a read
// returns the stored timestamp as its Context.TS). A write is stamped one
// above all of them.
//
// The result is a total order that respects every read-then-write chain,
// whatever the physical clocks say: a write always outranks what its client
// read, so it is never overwritten by an older write. But two concurrent
// writes still resolve to one winner, by counter and then node id, and the
// other is silently dropped: no siblings.
type Lamport struct {
	node  string
	clock int64 // the highest timestamp this node has seen or issued
}

func (*Lamport) Name() string { return "lamport" }

// Clock returns the node's Lamport counter.
func (s *Lamport) Clock() int64 { return s.clock }

func (s *Lamport) Put(obj Object, w Write, _ int64) (Object, Stamp) {
	s.observe(obj)
	s.clock = max(s.clock, w.Context.TS) + 1
	sib := Sibling{Version: w.Version, TS: s.clock, Node: s.node}
	return Object{Siblings: []Sibling{highest(obj.Siblings, sib)}}, Stamp{Meta: Meta{TS: s.clock}}
}

func (s *Lamport) Merge(local, remote Object) Object {
	s.observe(remote)
	return mergeHighest(local, remote)
}

func (*Lamport) Read(obj Object) ([]Version, Context) { return readHighest(obj) }

// observe advances the counter past every timestamp in obj.
func (s *Lamport) observe(obj Object) {
	for _, sib := range obj.Siblings {
		s.clock = max(s.clock, sib.TS)
	}
}
