package store

import "slices"

func init() {
	Register("vv", func(node string, _ Options) Strategy { return &VVStrategy{node: node} })
}

// VVStrategy is Riak-classic version vectors with node actors. An object holds
// one clock covering all its siblings. A write whose context descends the
// stored clock replaces every stored version; otherwise the stored versions
// stay as siblings of the new one. Either way the coordinator advances its
// own entry. Merging keeps the object whose clock descends the other's, and
// the union of both when the clocks are concurrent.
//
// No write is ever dropped, but because one clock covers all siblings a
// write that read only some of them keeps the ones it read as stale siblings
// (false concurrency).
type VVStrategy struct{ node string }

func (*VVStrategy) Name() string { return "vv" }

func (s *VVStrategy) Put(obj Object, w Write, _ int64) (Object, Stamp) {
	out := vvPut(obj, w, s.node)
	return out, Stamp{Meta: Meta{VV: out.Clock}}
}

func (*VVStrategy) Merge(local, remote Object) Object { return vvMerge(local, remote) }

func (*VVStrategy) Read(obj Object) ([]Version, Context) {
	return obj.Versions(), Context{Clock: obj.Clock}
}

// vvPut applies a write coordinated by node the Riak-classic way: a context
// that descends the stored clock replaces every stored version, any other
// keeps them as siblings of the new one; node's entry advances either way.
func vvPut(obj Object, w Write, node string) Object {
	sib := Sibling{Version: w.Version}
	if w.Context.Clock.Descends(obj.Clock) {
		return Object{Siblings: []Sibling{sib}, Clock: w.Context.Clock.Inc(node)}
	}
	return Object{
		Siblings: union(obj.Siblings, []Sibling{sib}),
		Clock:    obj.Clock.Merge(w.Context.Clock).Inc(node),
	}
}

// vvMerge keeps the object whose clock descends the other's, and the union
// of both when the clocks are concurrent.
func vvMerge(local, remote Object) Object {
	switch local.Clock.Compare(remote.Clock) {
	case After:
		return local
	case Before:
		return remote
	case Equal:
		if slices.Equal(local.Siblings, remote.Siblings) {
			return local
		}
	}
	return Object{Siblings: union(local.Siblings, remote.Siblings), Clock: local.Clock.Merge(remote.Clock)}
}
