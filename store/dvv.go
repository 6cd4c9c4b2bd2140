package store

import "slices"

func init() {
	Register("dvv", func(node string, _ Options) Strategy { return &DVV{node: node} })
}

// DVVSet is a key's versions under dotted version vectors (Preguiça,
// Baquero, Almeida, Fonte, Gonçalves: "Dotted Version Vectors: Logical
// Clocks for Optimistic Replication"), in the explicit form of Riak's
// DVVSet: every sibling carries the one dot (node, counter) of the write
// that created it, and Clock, the causal context of the key, covers every
// dot the replica has seen, of surviving and of superseded versions alike.
// The compact DVVSet entry (n, 3, [v3, v2]) is here Clock {n:3} with
// siblings v3 at dot n:3 and v2 at dot n:2.
//
// A dot says exactly which event a version is, so a write replaces exactly
// the versions its context covers, and a merge drops exactly the versions
// the other side has seen and superseded. Nothing concurrent is dropped and
// nothing superseded survives, and with node actors the clock has at most
// one entry per node that coordinated writes of the key.
//
// A DVVSet is a value: every method returns a new one. Siblings are kept in
// write-id order, so equal sets have equal representations.
type DVVSet Object

// Join returns the causal context: what a read hands the client to pass
// back with its next write.
func (s DVVSet) Join() VV { return s.Clock }

// Values returns the versions of the siblings.
func (s DVVSet) Values() []Version { return Object(s).Versions() }

// Update applies a write of v coordinated by node, by a client whose
// context (the Join of what it read) is ctx. The write gets the next dot of
// node, one above every node event either side has seen; the siblings ctx
// covers (the ones the client read, and older) are replaced, every other
// sibling stays; the new context covers the stored one, ctx and the new dot.
func (s DVVSet) Update(ctx VV, v Version, node string) (DVVSet, Dot) {
	dot := Dot{Node: node, Counter: max(s.Clock.Get(node), ctx.Get(node)) + 1}
	sibs := make([]Sibling, 0, len(s.Siblings)+1)
	for _, x := range s.Siblings {
		if !covers(ctx, x.Dot) {
			sibs = append(sibs, x)
		}
	}
	sibs = append(sibs, Sibling{Version: v, Dot: dot})
	slices.SortFunc(sibs, bySibling)
	return DVVSet{Siblings: sibs, Clock: s.Clock.Merge(ctx).Set(node, dot.Counter)}, dot
}

// Sync merges two replicas' sets: a sibling survives unless the other side
// has seen its dot (its context covers it) and no longer holds it; the
// contexts join. Sync is commutative, associative and idempotent.
func (s DVVSet) Sync(t DVVSet) DVVSet {
	if s.absorbs(t) {
		return s
	}
	return s.join(t)
}

// join is Sync worked out in full.
func (s DVVSet) join(t DVVSet) DVVSet {
	sibs := make([]Sibling, 0, len(s.Siblings)+len(t.Siblings))
	for _, x := range s.Siblings {
		if t.holds(x.Dot) || !covers(t.Clock, x.Dot) {
			sibs = append(sibs, x)
		}
	}
	for _, y := range t.Siblings {
		if !s.holds(y.Dot) && !covers(s.Clock, y.Dot) {
			sibs = append(sibs, y)
		}
	}
	slices.SortFunc(sibs, bySibling)
	return DVVSet{Siblings: sibs, Clock: s.Clock.Merge(t.Clock)}
}

// compare orders two sets by their causal contexts: Before means every
// version of s is obsolete once t is known (DVVSet's less).
func (s DVVSet) compare(t DVVSet) Order { return s.Clock.Compare(t.Clock) }

// absorbs reports whether Sync(t) is s itself: s has seen everything t has
// (so every sibling of t is held or superseded) and t superseded none of
// s's siblings. Anti-entropy and replication mostly bring what a replica
// already has.
func (s DVVSet) absorbs(t DVVSet) bool {
	if !s.Clock.Descends(t.Clock) {
		return false
	}
	for _, x := range s.Siblings {
		if !t.holds(x.Dot) && covers(t.Clock, x.Dot) {
			return false
		}
	}
	for _, y := range t.Siblings {
		if !s.holds(y.Dot) && !covers(s.Clock, y.Dot) {
			return false
		}
	}
	return true
}

func (s DVVSet) holds(d Dot) bool {
	return slices.ContainsFunc(s.Siblings, func(x Sibling) bool { return x.Dot == d })
}

// covers reports whether clock has seen the event d.
func covers(clock VV, d Dot) bool { return clock.Get(d.Node) >= d.Counter }

// DVV is the dotted-version-vector strategy: each write gets a dot from its
// coordinator and the object keeps one causal context (see DVVSet). It never
// loses a write and keeps no stale siblings. It asks for placement
// (DefaultReplicas): with each key on a few replicas and only they
// coordinating its writes, a key's context has at most that many entries
// however large the cluster.
type DVV struct{ node string }

func (*DVV) Name() string { return "dvv" }

// DefaultReplicas implements Placed: each key lives on 3 nodes.
func (*DVV) DefaultReplicas() int { return 3 }

func (s *DVV) Put(obj Object, w Write, _ int64) (Object, Stamp) {
	out, dot := DVVSet(obj).Update(w.Context.Clock, w.Version, s.node)
	return Object(out), Stamp{Meta: Meta{VV: out.Clock, Dot: &dot}}
}

func (*DVV) Merge(local, remote Object) Object {
	return Object(DVVSet(local).Sync(DVVSet(remote)))
}

func (*DVV) Read(obj Object) ([]Version, Context) {
	s := DVVSet(obj)
	return s.Values(), Context{Clock: s.Join()}
}
