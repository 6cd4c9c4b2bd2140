package store

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func newLamport(t require.TestingT, node string) *Lamport {
	s, err := New("lamport", node, Options{})
	require.NoError(t, err)
	return s.(*Lamport)
}

func TestLamportAdvancesOnContextAndPeers(t *testing.T) {
	a, b := newLamport(t, "n1"), newLamport(t, "n2")

	x, st := a.Put(Object{}, Write{Version: Version{Write: "w1"}}, 0)
	assert.Equal(t, int64(1), st.Meta.TS)
	assert.Equal(t, int64(1), a.Clock())

	// A peer's object pushes the counter past its timestamp.
	b.Merge(Object{}, x)
	assert.Equal(t, int64(1), b.Clock())
	_, st = b.Put(x, Write{Version: Version{Write: "w2"}}, 0)
	assert.Equal(t, int64(2), st.Meta.TS)

	// A client's context does too, even when the replica never saw it.
	c := newLamport(t, "n3")
	obj, st := c.Put(Object{}, Write{Version: Version{Write: "w3"}, Context: Context{TS: 41}}, 0)
	assert.Equal(t, int64(42), st.Meta.TS)
	vs, ctx := c.Read(obj)
	assert.Equal(t, []Version{{Write: "w3"}}, vs)
	assert.Equal(t, int64(42), ctx.TS)
}

func TestLamportIgnoresPhysicalClock(t *testing.T) {
	a := newLamport(t, "n1")
	_, st := a.Put(Object{}, Write{Version: Version{Write: "w1"}}, 5_000_000_000_000)
	assert.Equal(t, int64(1), st.Meta.TS, "the clock reading must not leak into a Lamport stamp")
}

func TestLamportConcurrentTieGoesToHigherNode(t *testing.T) {
	a, b := newLamport(t, "n1"), newLamport(t, "n2")
	x, _ := a.Put(Object{}, Write{Version: Version{Write: "w1"}}, 0)
	y, _ := b.Put(Object{}, Write{Version: Version{Write: "w2"}}, 0)
	require.Equal(t, x.Siblings[0].TS, y.Siblings[0].TS)
	assert.Equal(t, "w2", a.Merge(x, y).Siblings[0].Write)
	assert.Equal(t, "w2", b.Merge(y, x).Siblings[0].Write)
	assert.Len(t, a.Merge(x, y).Siblings, 1, "lamport keeps no siblings")
}

// A write always outranks what its client read, whatever the nodes saw
// before: the property that makes read-then-write chains safe.
func TestLamportWriteOutranksWhatItRead(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nodes := []*Lamport{newLamport(t, "n1"), newLamport(t, "n2"), newLamport(t, "n3")}
		objs := make([]Object, len(nodes))
		for i := range rapid.IntRange(1, 40).Draw(t, "steps") {
			n := rapid.IntRange(0, len(nodes)-1).Draw(t, "node")
			switch rapid.IntRange(0, 2).Draw(t, "op") {
			case 0: // a blind write
				objs[n], _ = nodes[n].Put(objs[n], Write{Version: Version{Write: "b" + string(rune('a'+i))}}, 0)
			case 1: // read on one node, write on another
				from := rapid.IntRange(0, len(nodes)-1).Draw(t, "from")
				_, ctx := nodes[from].Read(objs[from])
				obj, st := nodes[n].Put(objs[n], Write{Version: Version{Write: "r" + string(rune('a'+i))}, Context: ctx}, 0)
				require.Greater(t, st.Meta.TS, ctx.TS)
				objs[n] = obj
				require.Equal(t, "r"+string(rune('a'+i)), obj.Siblings[0].Write, "the write must win over what it read")
			case 2: // replicate
				to := rapid.IntRange(0, len(nodes)-1).Draw(t, "to")
				objs[to] = nodes[to].Merge(objs[to], objs[n])
			}
		}
	})
}
