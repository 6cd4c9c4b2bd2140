package checker

import (
	"fmt"

	"github.com/clockwise-kv/clockwise/histories"
)

// read records what one read saw: visibility, phantoms, stale siblings.
func (c *check) read(op *Op, final bool) {
	var seen []*Write
	for _, v := range op.Versions {
		w := c.g.writes[v.Write]
		switch {
		case w == nil || w.Key != op.Key:
			c.phantom(Phantom{Key: op.Key, Write: v.Write, Read: op.Invoke,
				Why: fmt.Sprintf("no operation in the history wrote %s to %s", v.Write, op.Key)})
			continue
		case w.Type == histories.Fail:
			c.phantom(Phantom{Key: op.Key, Write: v.Write, Read: op.Invoke, Fail: ref(w),
				Why: fmt.Sprintf("%s's write failed (event %d: %s), so it must never be read", w.Write, w.Complete, w.Error)})
		}
		c.seen[w] = true
		seen = append(seen, w)
	}
	for _, a := range seen {
		for _, b := range seen {
			if a == b || !c.g.Precedes(a, b) {
				continue
			}
			k := [2]*Write{a, b}
			if i, ok := c.stale[k]; ok {
				c.res.Stale[i].Reads++
				c.res.Stale[i].Final = c.res.Stale[i].Final || final
				continue
			}
			c.stale[k] = len(c.res.Stale)
			c.res.Stale = append(c.res.Stale, Stale{Key: op.Key, Write: ref(a), Newer: ref(b), Read: op.Invoke, Reads: 1, Final: final})
		}
	}
}

func (c *check) phantom(p Phantom) {
	for _, q := range c.res.Phantoms {
		if q.Key == p.Key && q.Write == p.Write {
			return // report each phantom version once, at its first read
		}
	}
	c.res.Phantoms = append(c.res.Phantoms, p)
}
