package checker

import (
	"maps"
	"slices"

	"github.com/clockwise-kv/clockwise/checker/ids"
	"github.com/clockwise-kv/clockwise/histories"
)

// preservation begins a key's verdict: whether it had final reads, and its
// maximal writes among the acknowledged and the visible indeterminate ones,
// which sibling preservation compares with the final set.
func (c *check) preservation(key string) Key {
	writes := c.g.byKey[key]
	k := Key{Key: key, Final: []string{}, Maximal: []string{}, Judged: len(c.final[key]) > 0}
	counted := make([]*Write, 0, len(writes))
	for _, w := range writes {
		if c.happened(w) {
			counted = append(counted, w)
		}
	}
	dominated := reach(len(writes), counted, parentsOf)
	n := 0
	for _, w := range counted {
		if !dominated[w.n] {
			n++
		}
	}
	k.Maximal = slices.Grow(k.Maximal, n)
	for _, w := range counted {
		if !dominated[w.n] {
			k.Maximal = append(k.Maximal, w.Write)
		}
	}
	ids.Sort(k.Maximal)
	return k
}

// happened reports that w took effect: it was acknowledged, or its
// outcome was unknown and a read returned it.
func (c *check) happened(w *Write) bool {
	return w.Type == histories.OK || (w.Type == histories.Info && c.seen[w.i])
}

// finalSet fills in k.Final, F, the union of the key's final reads, and
// reports the key divergent when its nodes' final reads differ. It returns
// the members of F that the history wrote.
func (c *check) finalSet(k *Key) (fset []*Write) {
	nodes := c.final[k.Key]
	inF := map[string]bool{}
	var first []string
	diverged := false
	div := Divergence{Key: k.Key, Nodes: map[string][]string{}}
	for _, node := range slices.Sorted(maps.Keys(nodes)) {
		ids := make([]string, 0, len(nodes[node]))
		for _, v := range nodes[node] {
			ids = append(ids, versionID(v))
			if !inF[v.Write] {
				inF[v.Write] = true
				k.Final = append(k.Final, v.Write)
				if w := c.g.writes.Get(v.Write); w != nil && w.Key == k.Key {
					fset = append(fset, w)
				}
			}
		}
		slices.Sort(ids)
		div.Nodes[node] = ids
		if first == nil {
			first = ids
		} else if !slices.Equal(first, ids) {
			diverged = true
		}
	}
	slices.Sort(k.Final)
	if diverged {
		c.res.Divergent = append(c.res.Divergent, div)
	}
	return fset
}

func versionID(v histories.Version) string {
	if v.Deleted {
		return v.Write + "(deleted)"
	}
	return v.Write
}
