package checker

import (
	"fmt"
	"slices"
	"strings"

	"github.com/clockwise-kv/clockwise/checker/explain"
	"github.com/clockwise-kv/clockwise/histories"
)

// duplicated reports each version op listed more than once; each (key,
// version) is reported once, at its first such read.
func (c *check) duplicated(op *Op) {
	for i, v := range op.Versions {
		first := true
		for _, u := range op.Versions[:i] {
			if u.Write == v.Write {
				first = false
				break
			}
		}
		if !first {
			continue
		}
		n := 0
		for _, u := range op.Versions[i:] {
			if u.Write == v.Write {
				n++
			}
		}
		if n < 2 {
			continue
		}
		if j := slices.IndexFunc(c.res.Duplicated, func(d Duplicated) bool { return d.Key == op.Key && d.Write == v.Write }); j >= 0 {
			c.res.Duplicated[j].Reads++
			continue
		}
		ids := make([]string, len(op.Versions))
		for k, u := range op.Versions {
			ids[k] = u.Write
		}
		c.res.Duplicated = append(c.res.Duplicated, Duplicated{Key: op.Key, Write: v.Write, Read: op.Invoke, Reads: 1, Versions: ids,
			Why: fmt.Sprintf("%s's read of %s at event %d returned %s %d times: [%s]; a store returns each version it holds once",
				op.Process, op.Key, op.Complete, v.Write, n, strings.Join(ids, ", "))})
	}
}

// read records what one read saw: visibility, phantoms, corrupted versions,
// reads from the future, stale siblings.
func (c *check) read(op *Op, final bool) {
	if len(op.Versions) > 1 {
		c.duplicated(op)
	}
	seen := c.seenBuf[:0]
	for _, v := range op.Versions {
		w := c.g.writes.Get(v.Write)
		switch {
		case w == nil || w.Key != op.Key:
			c.phantom(Phantom{Key: op.Key, Write: v.Write, Read: op.Invoke,
				Why: fmt.Sprintf("no operation in the history wrote %s to %s", v.Write, op.Key)})
			continue
		case w.Type == histories.Fail:
			c.phantom(Phantom{Key: op.Key, Write: v.Write, Read: op.Invoke, Fail: c.ref(w),
				Why: fmt.Sprintf("%s's write failed (event %d: %s), so it must never be read", w.Write, w.Complete, w.Error)})
		}
		if w.Invoke > op.Complete {
			c.future(op, w)
		}
		if v.Deleted != w.Deleted || (!w.Deleted && v.Value != w.Value) {
			c.corrupted(op, w, v)
		}
		c.seen[w.i] = true
		seen = append(seen, w)
	}
	for _, a := range seen {
		for _, b := range seen {
			if a == b || !c.g.Precedes(a, b) {
				continue
			}
			k := uint64(a.i)<<32 | uint64(b.i)
			if i, ok := c.stale[k]; ok {
				c.res.Stale[i].Reads++
				c.res.Stale[i].Final = c.res.Stale[i].Final || final
				continue
			}
			c.stale[k] = len(c.res.Stale)
			c.res.Stale = append(c.res.Stale, Stale{Key: op.Key, Write: c.ref(a), Newer: c.ref(b), Read: op.Invoke, Reads: 1, Final: final})
		}
	}
	c.seenBuf = seen[:0]
}

func (c *check) phantom(p Phantom) {
	for _, q := range c.res.Phantoms {
		if q.Key == p.Key && q.Write == p.Write {
			return // report each phantom version once, at its first read
		}
	}
	c.res.Phantoms = append(c.res.Phantoms, p)
}

// corrupted reports that op returned v for w, which wrote something else;
// each write is reported once per value read, at its first read.
func (c *check) corrupted(op *Op, w *Write, v histories.Version) {
	for i, x := range c.res.Corrupted {
		if x.Write.Write == w.Write && x.Value == v.Value && x.Deleted == v.Deleted {
			c.res.Corrupted[i].Reads++
			return
		}
	}
	x := Corrupted{Key: op.Key, Write: c.ref(w), Read: op.Invoke, Reads: 1, Value: v.Value, Deleted: v.Deleted}
	x.Why = explain.Corrupted(&x, op.Process, op.Node, op.Complete)
	c.res.Corrupted = append(c.res.Corrupted, x)
}

// future reports that op returned w before w was invoked; each write is
// reported once, at its first such read.
func (c *check) future(op *Op, w *Write) {
	for _, x := range c.res.Future {
		if x.Write.Write == w.Write {
			return
		}
	}
	c.res.Future = append(c.res.Future, FutureRead{Key: op.Key, Write: c.ref(w), Read: op.Invoke, Ack: op.Complete,
		Why: fmt.Sprintf("%s's read of %s returned %s at event %d, but %s was only invoked at event %d, later: a read cannot return a write that had not begun",
			op.Process, op.Key, w.Write, op.Complete, w.Write, w.Invoke)})
}
