package store

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// The examples below are those of the DVV paper and of the reference
// DVVSet implementation's tests (dvvset.erl), translated to the explicit
// form: the compact entry {a, 2, [v2, v1]} is Clock {a:2} with v2 at dot a:2
// and v1 at dot a:1. A client's new value with context C is
// DVVSet{}.Update(C, v, node) when there is no server set, s.Update(C, v,
// node) against server set s.

func ver(id string) Version { return Version{Write: id, Value: id} }

func dotted(id, node string, c uint64) Sibling {
	return Sibling{Version: ver(id), Dot: Dot{Node: node, Counter: c}}
}

func vvOf(kv ...any) VV {
	m := map[string]uint64{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = uint64(kv[i+1].(int))
	}
	return FromMap(m)
}

func set(clock VV, sibs ...Sibling) DVVSet {
	slices.SortFunc(sibs, bySibling)
	return DVVSet{Siblings: sibs, Clock: clock}
}

func update(s DVVSet, ctx VV, id, node string) DVVSet {
	out, _ := s.Update(ctx, ver(id), node)
	return out
}

func assertSet(t *testing.T, want, got DVVSet) {
	t.Helper()
	assert.Equal(t, want.Clock.String(), got.Clock.String(), "clock")
	assert.Equal(t, want.Siblings, got.Siblings, "siblings")
}

func TestDVVJoin(t *testing.T) {
	a1 := update(DVVSet{}, nil, "v1", "a")
	b1 := update(a1, a1.Join(), "v2", "b")
	assert.Empty(t, DVVSet{}.Join())
	assert.Equal(t, "{a:1}", a1.Join().String())
	assert.Equal(t, "{a:1 b:1}", b1.Join().String())
}

func TestDVVUpdate(t *testing.T) {
	a0 := update(DVVSet{}, nil, "v1", "a")
	a1 := update(a0, a0.Join(), "v2", "a")
	a2 := update(a1, a1.Join(), "v3", "b")
	a3 := update(a1, a0.Join(), "v4", "b")
	a4 := update(a1, a0.Join(), "v5", "a")
	assertSet(t, set(vvOf("a", 1), dotted("v1", "a", 1)), a0)
	assertSet(t, set(vvOf("a", 2), dotted("v2", "a", 2)), a1)
	assertSet(t, set(vvOf("a", 2, "b", 1), dotted("v3", "b", 1)), a2)
	assertSet(t, set(vvOf("a", 2, "b", 1), dotted("v2", "a", 2), dotted("v4", "b", 1)), a3)
	assertSet(t, set(vvOf("a", 3), dotted("v5", "a", 3), dotted("v2", "a", 2)), a4)

	_, dot := a1.Update(a0.Join(), ver("v6"), "a")
	assert.Equal(t, Dot{Node: "a", Counter: 3}, dot, "the new dot is one above every a-event either side has seen")
}

func TestDVVSync(t *testing.T) {
	x := set(vvOf("x", 1))
	a := update(DVVSet{}, nil, "v1", "a")
	y := update(DVVSet{}, nil, "v2", "b")
	a1 := update(DVVSet{}, a.Join(), "v2", "a")
	// dvvset.erl writes the same value v3 at b and at c; write ids are
	// unique here, so they are v3b and v3c.
	a3 := update(DVVSet{}, a1.Join(), "v3b", "b")
	a4 := update(DVVSet{}, a1.Join(), "v3c", "c")
	w := set(vvOf("a", 1))
	z := set(vvOf("a", 2), dotted("v2", "a", 2), dotted("v1", "a", 1))

	assertSet(t, set(vvOf("a", 2), dotted("v2", "a", 2)), w.Sync(z))
	assertSet(t, w.Sync(z), z.Sync(w))
	assertSet(t, a.Sync(a1), a1.Sync(a))
	assertSet(t, a4.Sync(a3), a3.Sync(a4))
	assertSet(t, set(vvOf("a", 2, "b", 1, "c", 1), dotted("v3b", "b", 1), dotted("v3c", "c", 1)), a4.Sync(a3))
	assertSet(t, set(vvOf("a", 1, "x", 1), dotted("v1", "a", 1)), x.Sync(a))
	assertSet(t, x.Sync(a), a.Sync(x))
	assertSet(t, set(vvOf("a", 1, "b", 1), dotted("v1", "a", 1), dotted("v2", "b", 1)), a.Sync(y))
	assertSet(t, y.Sync(a), a.Sync(y))
}

// TestDVVPaperExample is the paper's client/server example (Mary and
// Peter): every write goes to server a. v1; Peter reads it; Mary writes v2
// without a context; Peter writes v3 with the context of his read. v3
// replaces exactly v1, and v2 stays.
func TestDVVPaperExample(t *testing.T) {
	a0 := update(DVVSet{}, nil, "v1", "a")
	peter := a0.Join()
	a1 := update(a0, nil, "v2", "a")
	a2 := update(a1, peter, "v3", "a")
	assert.Equal(t, "{a:1}", peter.String())
	assertSet(t, set(vvOf("a", 1), dotted("v1", "a", 1)), a0)
	assertSet(t, set(vvOf("a", 2), dotted("v2", "a", 2), dotted("v1", "a", 1)), a1)
	assertSet(t, set(vvOf("a", 3), dotted("v3", "a", 3), dotted("v2", "a", 2)), a2)
	assert.Equal(t, []Version{ver("v2"), ver("v3")}, a2.Values())
}

func TestDVVCompare(t *testing.T) {
	a := update(DVVSet{}, nil, "v1", "a")
	b := update(DVVSet{}, a.Join(), "v2", "a")
	b2 := update(DVVSet{}, a.Join(), "v2", "b")
	b3 := update(DVVSet{}, a.Join(), "v2", "z")
	c := update(a, b.Join(), "v3", "c")
	d := update(b2, c.Join(), "v4", "d")
	less := func(x, y DVVSet) bool { return x.compare(y) == Before }
	for _, p := range [][2]DVVSet{{a, b}, {a, c}, {b, c}, {b, d}, {b2, d}, {a, d}} {
		assert.True(t, less(p[0], p[1]), "%v < %v", p[0].Clock, p[1].Clock)
	}
	for _, p := range [][2]DVVSet{{b2, c}, {b, b2}, {b2, b}, {a, a}, {c, c}, {d, b2}, {b3, d}} {
		assert.False(t, less(p[0], p[1]), "not %v < %v", p[0].Clock, p[1].Clock)
	}
	assert.Equal(t, Concurrent, b.compare(b2))
	assert.Equal(t, Equal, c.compare(c))
	assert.Equal(t, After, d.compare(a))
}

// Two writes coordinated by the same node, neither having read the other,
// stay siblings: each has its own dot. A node-actor vv must give both the
// same clock entry and can only keep the first as a stale sibling of later
// writes (or lose one).
func TestDVVConcurrentWritesAtOneNodeStaySiblings(t *testing.T) {
	s := update(DVVSet{}, nil, "w1", "n1")
	s = update(s, nil, "w2", "n1")
	assertSet(t, set(vvOf("n1", 2), dotted("w1", "n1", 1), dotted("w2", "n1", 2)), s)
}

// A read-then-write replaces exactly what the client read, even when the
// coordinator has since taken a concurrent write and the version read came
// from another replica.
func TestDVVReadThenWriteReplacesExactlyWhatWasRead(t *testing.T) {
	r1 := update(DVVSet{}, nil, "w1", "n1")
	r2 := DVVSet{}.Sync(r1)
	read := r2.Join() // the client reads w1 at n2
	r1 = update(r1, nil, "w2", "n1")
	r1 = update(r1, read, "w3", "n1") // and writes at n1
	assert.Equal(t, []Version{ver("w2"), ver("w3")}, r1.Values())

	r2 = update(r2, read, "w4", "n2") // another client's write that read w1 at n2
	merged := r1.Sync(r2)
	assert.Equal(t, []Version{ver("w2"), ver("w3"), ver("w4")}, merged.Values())
	assertSet(t, merged, r2.Sync(r1))
}

func TestDVVStrategy(t *testing.T) {
	s, err := New("dvv", "n1", Options{})
	require.NoError(t, err)
	obj, st := s.Put(Object{}, Write{Version: ver("w1")}, 0)
	require.NotNil(t, st.Meta.Dot)
	assert.Equal(t, Dot{Node: "n1", Counter: 1}, *st.Meta.Dot)
	assert.Equal(t, "{n1:1}", st.Meta.VV.String())
	vs, ctx := s.Read(obj)
	assert.Equal(t, []Version{ver("w1")}, vs)
	obj, _ = s.Put(obj, Write{Version: ver("w2"), Context: ctx}, 0)
	assert.Equal(t, []Version{ver("w2")}, obj.Versions())
	assert.Equal(t, 3, s.(Placed).DefaultReplicas())
}

// world is a few replicas of one key driven by random writes, reads and
// syncs, with the ground truth of causality: which writes each write's
// client had read.
type world struct {
	names  []string
	reps   []DVVSet
	states []DVVSet // every state any replica went through
	reads  []seen
	parent map[string][]string // write → the writes its client had read
}

type seen struct {
	ctx VV
	ids []string
}

func newWorld(t *rapid.T) *world {
	w := &world{names: []string{"a", "b", "c"}, parent: map[string][]string{}}
	w.reps = make([]DVVSet, len(w.names))
	w.states = []DVVSet{{}}
	steps := rapid.IntRange(1, 40).Draw(t, "steps")
	for range steps {
		r := rapid.IntRange(0, len(w.reps)-1).Draw(t, "replica")
		switch rapid.IntRange(0, 2).Draw(t, "op") {
		case 0:
			var rd seen
			if len(w.reads) > 0 && rapid.Bool().Draw(t, "after read") {
				rd = w.reads[rapid.IntRange(0, len(w.reads)-1).Draw(t, "read")]
			}
			id := fmt.Sprintf("w%d", len(w.parent)+1)
			w.parent[id] = rd.ids
			w.reps[r], _ = w.reps[r].Update(rd.ctx, ver(id), w.names[r])
		case 1:
			var ids []string
			for _, v := range w.reps[r].Values() {
				ids = append(ids, v.Write)
			}
			w.reads = append(w.reads, seen{w.reps[r].Join(), ids})
		case 2:
			q := rapid.IntRange(0, len(w.reps)-1).Draw(t, "from")
			w.reps[r] = w.reps[r].Sync(w.reps[q])
		}
		w.states = append(w.states, w.reps[r])
	}
	return w
}

// maximal returns the writes no other write's client had read, directly or
// through the writes it read.
func (w *world) maximal() []string {
	covered := map[string]bool{}
	var mark func(id string)
	mark = func(id string) {
		for _, p := range w.parent[id] {
			if !covered[p] {
				covered[p] = true
				mark(p)
			}
		}
	}
	var out []string
	for id := range w.parent {
		mark(id)
	}
	for id := range w.parent {
		if !covered[id] {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

func equalSets(a, b DVVSet) bool { return Object(a).Equal(Object(b)) }

func TestDVVSyncProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := newWorld(t)
		a := rapid.SampledFrom(w.states).Draw(t, "a")
		b := rapid.SampledFrom(w.states).Draw(t, "b")
		c := rapid.SampledFrom(w.states).Draw(t, "c")
		if !equalSets(a.Sync(b), b.Sync(a)) {
			t.Fatalf("not commutative: %v ⊔ %v", a, b)
		}
		if !equalSets(a.Sync(b).Sync(c), a.Sync(b.Sync(c))) {
			t.Fatalf("not associative: %v, %v, %v", a, b, c)
		}
		if !equalSets(a.Sync(a), a) {
			t.Fatalf("not idempotent: %v", a)
		}
		if !equalSets(a.Sync(b), a.join(b)) {
			t.Fatalf("the shortcut changes %v ⊔ %v", a, b)
		}
		// A version leaves only when the other side has seen its dot and no
		// longer holds it.
		s := a.Sync(b)
		for _, p := range [][2]DVVSet{{a, b}, {b, a}} {
			for _, x := range p[0].Siblings {
				if !s.holds(x.Dot) && !(covers(p[1].Clock, x.Dot) && !p[1].holds(x.Dot)) {
					t.Fatalf("%s dropped, though the other side never superseded it: %v ⊔ %v = %v", x.Write, a, b, s)
				}
			}
		}
		// Once every replica has synced, exactly the writes no other write
		// covers survive: none dropped, none stale.
		all := DVVSet{}
		for _, r := range w.reps {
			all = all.Sync(r)
		}
		var ids []string
		for _, v := range all.Values() {
			ids = append(ids, v.Write)
		}
		if want := w.maximal(); !slices.Equal(ids, want) {
			t.Fatalf("after a full sync the versions are %v, want the maximal writes %v", ids, want)
		}
	})
}
