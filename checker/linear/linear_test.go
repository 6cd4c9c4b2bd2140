package linear

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestImpossibleReadAgreesWithPorcupine holds the shortcut to porcupine's
// exact search on random register histories of a few writes and reads:
// every history it calls impossible, porcupine finds not linearizable.
// It also counts that the shortcut fires on some, so the property is not
// met by never firing.
func TestImpossibleReadAgreesWithPorcupine(t *testing.T) {
	fired := 0
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 8).Draw(t, "ops")
		var h []porcupine.Operation
		var ids []string
		for i := range n {
			call := rapid.Int64Range(0, 20).Draw(t, "call")
			ret := call + rapid.Int64Range(0, 10).Draw(t, "length")
			if rapid.Bool().Draw(t, "write") {
				id := fmt.Sprintf("w%d", i)
				ids = append(ids, id)
				h = append(h, porcupine.Operation{ClientId: i, Input: in{key: "x", write: id}, Call: call, Return: ret})
				continue
			}
			got := rapid.SampledFrom(append([]string{"", "w99"}, ids...)).Draw(t, "got")
			h = append(h, porcupine.Operation{ClientId: i, Input: in{key: "x"}, Output: out(got), Call: call, Return: ret})
		}
		if impossibleRead(regOps(h)) {
			fired++
			require.Equal(t, porcupine.Illegal, porcupine.CheckOperationsTimeout(keyRegister, h, 0),
				"the shortcut says impossible; porcupine must find no linearization: %+v", h)
		}
	})
	assert.Positive(t, fired, "the shortcut never fired")
}

func TestImpossibleReadCases(t *testing.T) {
	w := func(id string, call, ret int64) porcupine.Operation {
		return porcupine.Operation{Input: in{key: "x", write: id}, Call: call, Return: ret}
	}
	r := func(got string, call, ret int64) porcupine.Operation {
		return porcupine.Operation{Input: in{key: "x"}, Output: out(got), Call: call, Return: ret}
	}
	for _, c := range []struct {
		name string
		h    []porcupine.Operation
		want bool
	}{
		{"linearizable", []porcupine.Operation{w("w1", 0, 10), r("w1", 5, 20), w("w2", 15, 30), r("w1", 25, 40), r("w2", 50, 60)}, false},
		{"overlapping writes either way", []porcupine.Operation{w("w1", 0, 10), w("w2", 10, 20), r("w1", 21, 30)}, false},
		{"stale", []porcupine.Operation{w("w1", 0, 10), w("w2", 11, 20), r("w1", 21, 30)}, true},
		{"nothing after a write", []porcupine.Operation{w("w1", 0, 10), r("", 11, 20)}, true},
		{"nothing during a write", []porcupine.Operation{w("w1", 0, 10), r("", 10, 20)}, false},
		{"never written", []porcupine.Operation{w("w1", 0, 10), r("w9", 11, 20)}, true},
		{"from the future", []porcupine.Operation{r("w1", 0, 10), w("w1", 11, 20)}, true},
	} {
		assert.Equal(t, c.want, impossibleRead(regOps(c.h)), c.name)
		if c.want {
			assert.Equal(t, porcupine.Illegal, porcupine.CheckOperationsTimeout(keyRegister, c.h, 0), c.name)
		} else {
			assert.Equal(t, porcupine.Ok, porcupine.CheckOperationsTimeout(keyRegister, c.h, 0), c.name)
		}
	}
}

// regOps is h, porcupine's operations on one key without siblings, as
// impossibleRead takes them.
func regOps(h []porcupine.Operation) []Op {
	var ops []Op
	for _, p := range h {
		got, _ := p.Output.(out) // a write's is nil
		ops = append(ops, Op{Key: "x", Write: p.Input.(in).write, Got: string(got), Call: p.Call, Return: p.Return})
	}
	return ops
}

func TestCheck(t *testing.T) {
	w := func(id string, call, ret int64) Op {
		return Op{Key: "x", Write: id, Value: "v", Call: call, Return: ret}
	}
	r := func(got string, call, ret int64) Op { return Op{Key: "x", Got: got, Call: call, Return: ret} }
	assert.Equal(t, Ok, Check([]Op{w("w1", 0, 10), r("w1", 5, 20), w("w2", 15, 30), r("w2", 50, 60)}, 0))
	assert.Equal(t, Illegal, Check([]Op{w("w1", 0, 10), w("w2", 11, 20), r("w1", 21, 30)}, 0), "stale")
	siblings := Op{Key: "x", Got: "w1 w2", Siblings: true, Call: 21, Return: 30}
	assert.Equal(t, Illegal, Check([]Op{w("w1", 0, 10), w("w2", 0, 10), siblings}, 0), "no register reads two values")
	assert.Equal(t, Ok, Check([]Op{w("w1 w2", 0, 10), siblings}, 0), "unless a write's id is the answer")
	// Two reads, after every write, of two different writes: no order of
	// the writes explains them, and porcupine takes far longer than a
	// millisecond to find out.
	var slow []Op
	for i := range 24 {
		slow = append(slow, w(fmt.Sprintf("w%d", i), 0, 100))
	}
	slow = append(slow, r("w1", 200, 210), r("w2", 220, 230))
	assert.Equal(t, Unknown, Check(slow, time.Millisecond), "undecided in time is unknown")
}

func TestVisualize(t *testing.T) {
	ops := []Op{
		{Key: "x", Client: 1, Write: "w1", Value: "a", Call: 0, Return: 10, Note: "c1 via n1"},
		{Key: "x", Client: 2, Write: "w2", Deleted: true, Call: 11, Return: 20},
		{Key: "x", Client: 0, Got: "w1", Call: 30, Return: 40},
	}
	var html bytes.Buffer
	require.NoError(t, Visualize(ops, time.Second, &html))
	for _, s := range []string{"<html", `write x=\"a\" (w1)`, "delete x (w2)", "read x → [w1]", "c1 via n1"} {
		assert.Contains(t, html.String(), s)
	}
}

// TestImpossibleReadLooksUpOnlyWhatItMust holds impossibleRead, which
// learns the writes as the reads reach them, to the answer of knowing them
// all from the start, on random histories with unique write ids.
func TestImpossibleReadLooksUpOnlyWhatItMust(t *testing.T) {
	eager := func(h []Op) bool {
		writes := map[string]*Op{}
		var byReturn, reads []*Op
		for i := range h {
			if p := &h[i]; p.Write != "" {
				writes[p.Write] = p
				byReturn = append(byReturn, p)
			} else {
				reads = append(reads, p)
			}
		}
		slices.SortFunc(byReturn, func(a, b *Op) int { return cmp.Compare(a.Return, b.Return) })
		slices.SortFunc(reads, func(a, b *Op) int { return cmp.Compare(a.Call, b.Call) })
		next, latest, any := 0, int64(0), false
		for _, r := range reads {
			for ; next < len(byReturn) && byReturn[next].Return < r.Call; next++ {
				latest, any = max(latest, byReturn[next].Call), true
			}
			if r.Got == "" {
				if any {
					return true
				}
				continue
			}
			w, ok := writes[r.Got]
			if !ok || w.Call > r.Return || (any && latest > w.Return) {
				return true
			}
		}
		return false
	}
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 12).Draw(t, "ops")
		var h []Op
		var ids []string
		for i := range n {
			call := rapid.Int64Range(0, 30).Draw(t, "call")
			ret := call + rapid.Int64Range(0, 15).Draw(t, "length")
			if rapid.Bool().Draw(t, "write") {
				id := fmt.Sprintf("w%d", i)
				ids = append(ids, id)
				h = append(h, Op{Key: "x", Write: id, Call: call, Return: ret})
				continue
			}
			got := rapid.SampledFrom(append([]string{"", "w99"}, ids...)).Draw(t, "got")
			h = append(h, Op{Key: "x", Got: got, Call: call, Return: ret})
		}
		require.Equal(t, eager(h), impossibleRead(h), "%+v", h)
	})
}
