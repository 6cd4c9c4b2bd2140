package store

import (
	"cmp"
	"slices"
	"strings"
)

func init() {
	Register("vv-pruned", func(node string, opts Options) Strategy {
		keep := opts.Prune
		if keep <= 0 {
			keep = DefaultPrune
		}
		return &PrunedVV{node: node, keep: keep}
	})
}

// DefaultPrune is the most entries a vv-pruned vector keeps when
// Options.Prune is 0.
const DefaultPrune = 10

// PrunedVV is vv (node actors, one clock per object) with Riak-style
// pruning: every clock entry remembers the coordinator's wall-clock reading
// when it was last advanced (Object.Bumped, passed to clients in the
// Context), and whenever a put or a merge leaves more than keep entries, the
// entries bumped longest ago are dropped until keep remain. Metadata is
// bounded by keep entries whatever the cluster size.
//
// Pruning forgets causality, and the checker sees what that breaks. A
// version whose clock lost entries can compare as concurrent with one it
// follows, so both are kept (stale siblings). Worse, a clock that lost an
// entry can compare as dominated by a version that never saw it, and the
// write is dropped (lost); and a coordinator whose own entry was pruned
// counts its events from the context again, reusing counters. Age comes from
// the coordinators' wall clocks, so a slow clock makes a fresh entry look
// oldest and prunes it first.
type PrunedVV struct {
	node string
	keep int
}

func (*PrunedVV) Name() string { return "vv-pruned" }

func (s *PrunedVV) Put(obj Object, w Write, now int64) (Object, Stamp) {
	out := vvPut(obj, w, s.node)
	// Bump times are kept as VV counters, which must be positive; clockwise
	// clocks read well above zero, so the clamp never bites in practice.
	out.Bumped = obj.Bumped.Merge(w.Context.Bumped).Set(s.node, uint64(max(now, 1)))
	out = prune(out, s.keep)
	return out, Stamp{Meta: Meta{VV: out.Clock}}
}

func (s *PrunedVV) Merge(local, remote Object) Object {
	out := vvMerge(local, remote)
	out.Bumped = local.Bumped.Merge(remote.Bumped)
	return prune(out, s.keep)
}

func (*PrunedVV) Read(obj Object) ([]Version, Context) {
	return obj.Versions(), Context{Clock: obj.Clock, Bumped: obj.Bumped}
}

// prune restricts o's bump times to its clock's actors and, while the clock
// has more than keep entries, drops the entry bumped longest ago (an entry
// without a known time first; ties by actor name).
func prune(o Object, keep int) Object {
	bumped := make(VV, 0, len(o.Clock))
	for _, e := range o.Clock {
		if t := o.Bumped.Get(e.Node); t > 0 {
			bumped = append(bumped, Entry{e.Node, t})
		}
	}
	o.Bumped = bumped
	if len(o.Clock) <= keep {
		return o
	}
	byAge := slices.Clone(o.Clock)
	slices.SortFunc(byAge, func(a, b Entry) int {
		return cmp.Or(cmp.Compare(bumped.Get(a.Node), bumped.Get(b.Node)), strings.Compare(a.Node, b.Node))
	})
	drop := byAge[:len(byAge)-keep]
	o.Clock = slices.DeleteFunc(slices.Clone(o.Clock), func(e Entry) bool {
		return slices.ContainsFunc(drop, func(d Entry) bool { return d.Node == e.Node })
	})
	o.Bumped = slices.DeleteFunc(bumped, func(e Entry) bool { return o.Clock.Get(e.Node) == 0 })
	return o
}
