package store

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func vv(m map[string]uint64) VV { return FromMap(m) }

func TestCompare(t *testing.T) {
	a := vv(map[string]uint64{"n1": 1})
	b := vv(map[string]uint64{"n1": 1, "n2": 1})
	c := vv(map[string]uint64{"n1": 2})
	for _, tc := range []struct {
		name string
		x, y VV
		want Order
	}{
		{"empty equals empty", nil, nil, Equal},
		{"equal", b, vv(map[string]uint64{"n2": 1, "n1": 1}), Equal},
		{"before: a missing entry", a, b, Before},
		{"after", b, a, After},
		{"before: a smaller counter", a, c, Before},
		{"empty is before anything", nil, a, Before},
		{"concurrent", b, c, Concurrent},
		{"concurrent, disjoint actors", vv(map[string]uint64{"n1": 1}), vv(map[string]uint64{"n2": 1}), Concurrent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.x.Compare(tc.y))
		})
	}
}

func TestVVOps(t *testing.T) {
	v := VV(nil).Inc("n2").Inc("n1").Inc("n2")
	assert.Equal(t, "{n1:1 n2:2}", v.String())
	assert.Equal(t, uint64(2), v.Get("n2"))
	assert.Equal(t, uint64(0), v.Get("n9"))
	assert.Equal(t, "{n2:2}", v.Set("n1", 0).String(), "a zero counter is no entry")
	assert.Equal(t, "{n1:1 n2:2}", v.String(), "Set must not change its receiver")
	assert.Equal(t, "{n1:3 n2:2 n3:1}", v.Merge(vv(map[string]uint64{"n1": 3, "n3": 1})).String())

	b, err := json.Marshal(v)
	require.NoError(t, err)
	assert.JSONEq(t, `{"n1":1,"n2":2}`, string(b))
	var back VV
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, Equal, back.Compare(v))
}

// genVV draws small vectors over few actors, so that every relation occurs.
func genVV() *rapid.Generator[VV] {
	return rapid.Custom(func(t *rapid.T) VV {
		m := rapid.MapOf(rapid.SampledFrom([]string{"n1", "n2", "n3", "n4"}), rapid.Uint64Range(0, 3)).Draw(t, "counters")
		return FromMap(m)
	})
}

func TestComparePartialOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b, c := genVV().Draw(t, "a"), genVV().Draw(t, "b"), genVV().Draw(t, "c")
		// Reflexive.
		if a.Compare(a) != Equal {
			t.Fatalf("%v is not equal to itself", a)
		}
		// Antisymmetric: the relation read from both sides agrees.
		ab, ba := a.Compare(b), b.Compare(a)
		mirror := map[Order]Order{Equal: Equal, Before: After, After: Before, Concurrent: Concurrent}
		if ba != mirror[ab] {
			t.Fatalf("%v vs %v is %v, but the reverse is %v", a, b, ab, ba)
		}
		if ab == Equal && !equalVV(a, b) {
			t.Fatalf("%v and %v compare equal but differ", a, b)
		}
		// Transitive.
		if a.Descends(b) && b.Descends(c) && !a.Descends(c) {
			t.Fatalf("%v ≥ %v ≥ %v but not %v ≥ %v", a, b, c, a, c)
		}
		// Descends agrees with the entry-wise definition.
		want := true
		for _, e := range b {
			if a.Get(e.Node) < e.Counter {
				want = false
			}
		}
		if a.Descends(b) != want {
			t.Fatalf("%v.Descends(%v) = %v, entry-wise %v", a, b, a.Descends(b), want)
		}
	})
}

func TestMergeIsJoin(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b, c := genVV().Draw(t, "a"), genVV().Draw(t, "b"), genVV().Draw(t, "c")
		if !equalVV(a.Merge(b), b.Merge(a)) {
			t.Fatalf("not commutative: %v, %v", a.Merge(b), b.Merge(a))
		}
		if !equalVV(a.Merge(b).Merge(c), a.Merge(b.Merge(c))) {
			t.Fatalf("not associative on %v %v %v", a, b, c)
		}
		if !equalVV(a.Merge(a), a) {
			t.Fatalf("not idempotent on %v", a)
		}
		m := a.Merge(b)
		if !m.Descends(a) || !m.Descends(b) {
			t.Fatalf("%v is not an upper bound of %v and %v", m, a, b)
		}
		// Least: any upper bound of a and b descends their merge.
		if c.Descends(a) && c.Descends(b) && !c.Descends(m) {
			t.Fatalf("%v bounds %v and %v but not their merge %v", c, a, b, m)
		}
	})
}

func equalVV(a, b VV) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
