package checker

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/historytest"
)

// judge checks the history b built.
func judge(t *testing.T, b *historytest.Builder, gate ...string) *Result {
	t.Helper()
	r, err := Check(b.History(), Options{Gate: gate})
	require.NoError(t, err)
	return r
}

func lostByID(r *Result) map[string]Lost {
	out := map[string]Lost{}
	for _, l := range r.Lost {
		out[l.Write.Write] = l
	}
	return out
}

func lostIDs(r *Result) map[string]LostKind {
	out := map[string]LostKind{}
	for _, l := range r.Lost {
		out[l.Write.Write] = l.Kind
	}
	return out
}

func TestValidHistoriesHaveNoFindings(t *testing.T) {
	for name, b := range map[string]*historytest.Builder{
		"happens-before chain collapses": new(historytest.Builder).
			Write("c1", "x", "n1", "w1", nil, histories.OK, 10).
			Read("c2", "x", "n2", "w1").
			Write("c2", "x", "n2", "w2", []string{"w1"}, histories.OK, 20).
			Read("c3", "x", "n3", "w2").
			Write("c3", "x", "n3", "w3", []string{"w2"}, histories.OK, 30).
			Final("x", "w3"),
		"concurrent writes kept as siblings": new(historytest.Builder).
			Write("c1", "y", "n1", "w1", nil, histories.OK, 0).
			Write("c2", "y", "n2", "w2", nil, histories.OK, 0).
			Read("c3", "y", "n3", "w1", "w2").
			Final("y", "w1", "w2"),
		"a write that read both siblings replaces them": new(historytest.Builder).
			Write("c1", "y", "n1", "w1", nil, histories.OK, 0).
			Write("c2", "y", "n2", "w2", nil, histories.OK, 0).
			Read("c3", "y", "n3", "w1", "w2").
			Write("c3", "y", "n3", "w3", []string{"w1", "w2"}, histories.OK, 0).
			Final("y", "w3"),
		"a delete overwritten causally is not lost": new(historytest.Builder).
			Write("c1", "x", "n1", "w1", nil, histories.OK, 10).
			Read("c1", "x", "n1", "w1").
			Write("c1", "x", "n1", "d2", []string{"w1"}, histories.OK, 20).
			Read("c2", "x", "n2", "d2").
			Write("c2", "x", "n2", "w3", []string{"d2"}, histories.OK, 30).
			Final("x", "w3"),
		"indeterminate and failed writes that vanish are not lost": new(historytest.Builder).
			Write("c1", "x", "n1", "w1", nil, histories.OK, 10).
			Write("c2", "x", "n2", "w2", nil, histories.Info, 0).
			Write("c3", "x", "n3", "w3", nil, histories.Fail, 0).
			Write("c4", "x", "n1", "w4", nil, historytest.Never, 0).
			Final("x", "w1"),
		"a deleted key": new(historytest.Builder).
			Write("c1", "x", "n1", "w1", nil, histories.OK, 10).
			Read("c1", "x", "n1", "w1").
			Write("c1", "x", "n1", "d2", []string{"w1"}, histories.OK, 20).
			Final("x", "d2"),
	} {
		t.Run(name, func(t *testing.T) {
			r := judge(t, b, GateStale, GatePreservation)
			assert.True(t, r.Valid, "failures: %v", r.Failures)
			assert.Empty(t, r.Lost)
			assert.Empty(t, r.Stale)
			assert.Empty(t, r.Phantoms)
			assert.Empty(t, r.Divergent)
			for _, k := range r.Keys {
				assert.True(t, k.Preserved, "key %s: final %v, maximal %v", k.Key, k.Final, k.Maximal)
			}
		})
	}
}

func TestOverwrittenByOlder(t *testing.T) {
	r := judge(t, new(historytest.Builder).
		Write("c1", "x", "n1", "w1", nil, histories.OK, 5_000).
		Read("c2", "x", "n2", "w1").
		Write("c2", "x", "n2", "w2", []string{"w1"}, histories.OK, 1_000).
		Final("x", "w1"))
	assert.False(t, r.Valid)
	require.Len(t, r.Lost, 1)
	l := r.Lost[0]
	assert.Equal(t, OverwrittenByOlder, l.Kind)
	assert.Equal(t, "w2", l.Write.Write)
	require.NotNil(t, l.Winner)
	assert.Equal(t, "w1", l.Winner.Write)
	assert.Equal(t, int64(1_000), l.Write.TS)
	assert.Equal(t, int64(5_000), l.Winner.TS)
	assert.Contains(t, l.Why, "w2 follows w1")
	assert.Contains(t, l.Why, "fastest clock")
	assert.Equal(t, 1, r.Summary.LostByKind[OverwrittenByOlder])
	assert.False(t, r.Keys[0].Preserved)
	assert.Equal(t, []string{"w2"}, r.Keys[0].Maximal)
}

func TestConcurrentDropped(t *testing.T) {
	r := judge(t, new(historytest.Builder).
		Write("c1", "y", "n1", "w1", nil, histories.OK, 9_000).
		Write("c2", "y", "n2", "w2", nil, histories.OK, 2_000).
		Final("y", "w1"))
	assert.Equal(t, map[string]LostKind{"w2": ConcurrentDropped}, lostIDs(r))
	assert.Equal(t, "w1", r.Lost[0].Winner.Write)
	assert.Contains(t, r.Lost[0].Why, "concurrent")
	assert.Equal(t, []string{"w1", "w2"}, r.Keys[0].Maximal)
}

func TestSuppressedByTombstone(t *testing.T) {
	r := judge(t, new(historytest.Builder).
		Write("c1", "x", "n1", "w1", nil, histories.OK, 10).
		Read("n", "x", "n3", "w1").
		Write("n", "x", "n3", "d2", []string{"w1"}, histories.OK, 3_600_000).
		Write("c2", "x", "n2", "w3", nil, histories.OK, 100).
		Read("c3", "x", "n1", "d2").
		Write("c3", "x", "n1", "w4", []string{"d2"}, histories.OK, 200).
		Final("x", "d2"))
	// w1 was read by the delete: not blamed. w3 (concurrent) and w4
	// (causally after) are both suppressed by the tombstone.
	assert.Equal(t, map[string]LostKind{"w3": SuppressedByTombstone, "w4": SuppressedByTombstone}, lostIDs(r))
	for _, l := range r.Lost {
		assert.Equal(t, "d2", l.Winner.Write)
		assert.True(t, l.Winner.Deleted)
	}
}

func TestMissing(t *testing.T) {
	r := judge(t, new(historytest.Builder).Write("c1", "x", "n1", "w1", nil, histories.OK, 10).Final("x"))
	assert.Equal(t, map[string]LostKind{"w1": Missing}, lostIDs(r))
	assert.Nil(t, r.Lost[0].Winner)
}

func TestStaleSibling(t *testing.T) {
	b := new(historytest.Builder).
		Write("c1", "x", "n1", "w1", nil, histories.OK, 0).
		Read("c2", "x", "n2", "w1").
		Write("c2", "x", "n2", "w2", []string{"w1"}, histories.OK, 0).
		Read("c3", "x", "n3", "w1", "w2").
		Final("x", "w1", "w2")
	r := judge(t, b)
	assert.True(t, r.Valid, "stale siblings are not data loss")
	require.Len(t, r.Stale, 1)
	s := r.Stale[0]
	assert.Equal(t, "w1", s.Write.Write)
	assert.Equal(t, "w2", s.Newer.Write)
	assert.Equal(t, 4, s.Reads, "one client read and three final reads")
	assert.True(t, s.Final)
	assert.False(t, r.Keys[0].Preserved)

	gated := judge(t, b, GateStale)
	assert.False(t, gated.Valid)
	assert.Contains(t, gated.Failures[0], "stale")
	assert.False(t, judge(t, b, GatePreservation).Valid)
}

func TestPhantoms(t *testing.T) {
	r := judge(t, new(historytest.Builder).
		Write("c1", "x", "n1", "w1", nil, histories.Fail, 0).
		Read("c2", "x", "n2", "w1").
		Read("c2", "x", "n2", "w1", "w9").
		Final("x"))
	assert.False(t, r.Valid)
	require.Len(t, r.Phantoms, 2, "each phantom version once")
	assert.Equal(t, "w1", r.Phantoms[0].Write)
	assert.NotNil(t, r.Phantoms[0].Fail)
	assert.Equal(t, "w9", r.Phantoms[1].Write)
	assert.Contains(t, r.Phantoms[1].Why, "no operation")
}

func TestDivergence(t *testing.T) {
	b := new(historytest.Builder).
		Write("c1", "x", "n1", "w1", nil, histories.OK, 0).
		Write("c2", "x", "n2", "w2", nil, histories.OK, 0)
	b.Read(histories.Final, "x", "n1", "w1", "w2")
	b.Read(histories.Final, "x", "n2", "w1")
	r := judge(t, b)
	assert.False(t, r.Valid)
	require.Len(t, r.Divergent, 1)
	assert.Equal(t, map[string][]string{"n1": {"w1", "w2"}, "n2": {"w1"}}, r.Divergent[0].Nodes)
	assert.Empty(t, r.Lost, "a write present on some node is not lost")
}

func TestVisibleIndeterminateWriteCounts(t *testing.T) {
	r := judge(t, new(historytest.Builder).
		Write("c1", "x", "n1", "w1", nil, histories.Info, 0).
		Read("c2", "x", "n2", "w1").
		Final("x"))
	assert.Equal(t, []string{"w1"}, r.Keys[0].Maximal, "a visible info write must survive")
	assert.False(t, r.Keys[0].Preserved)
	require.Len(t, r.Lost, 1, "an info write a read returned happened: missing at the end, it is lost")
	assert.Equal(t, "w1", r.Lost[0].Write.Write)
	assert.Contains(t, r.Lost[0].Why, "outcome was unknown")
	assert.Equal(t, 1, r.Summary.SeenIndeterminate)
	assert.Equal(t, Invalid, r.Verdict)
	assert.Equal(t, "1 of 1 writes (0 acknowledged, 1 indeterminate but read) lost", Total(&r.Summary))
	assert.Equal(t, []string{"0 acknowledged writes lost to clock skew; 0 dropped as concurrent writes; 1 missing: no version of its key survives"}, r.Failures)

	unseen := judge(t, new(historytest.Builder).
		Write("c1", "x", "n1", "w1", nil, histories.Info, 0).
		Final("x"))
	assert.Empty(t, unseen.Lost, "an info write no read returned may never have happened")
	assert.Equal(t, Valid, unseen.Verdict)
}

func TestKeysWithoutFinalReadsAreUnknown(t *testing.T) {
	r := judge(t, new(historytest.Builder).Write("c1", "x", "n1", "w1", nil, histories.OK, 0))
	assert.False(t, r.Valid)
	assert.Equal(t, Unknown, r.Verdict)
	assert.False(t, r.Keys[0].Judged)
	assert.Equal(t, []string{"n1"}, r.Keys[0].Missing)
	require.Len(t, r.Unknown, 1)
	assert.Contains(t, r.Unknown[0], "no final reads at all")
	assert.Contains(t, r.Unknown[0], "the writes of x cannot be judged on n1")

	partial := new(historytest.Builder).Write("c1", "x", "n1", "w1", nil, histories.OK, 0)
	partial.Read(histories.Final, "x", "n1", "w1")
	partial.Op(historytest.Op{Process: histories.Final, F: histories.Read, Key: "x", Node: "n2", Type: histories.Info, Error: "timeout"})
	r = judge(t, partial)
	assert.Equal(t, Unknown, r.Verdict)
	assert.Equal(t, []string{"n2"}, r.Keys[0].Missing)
	require.Len(t, r.Unknown, 1)
	assert.Contains(t, r.Unknown[0], "no final read of x from n2 (timed out or its outcome is unknown: timeout)")

	// What the complete part proves still decides.
	phantom := new(historytest.Builder).
		Write("c1", "x", "n1", "w1", nil, histories.Fail, 0).
		Read("c2", "x", "n1", "w1")
	r = judge(t, phantom)
	assert.Equal(t, Invalid, r.Verdict)
	assert.NotEmpty(t, r.Unknown)
}

func TestMalformedOperationSequences(t *testing.T) {
	inv := histories.Event{Process: "c1", Type: histories.Invoke, F: histories.Write, Key: "x", Write: "w1"}
	ok := histories.Event{Process: "c1", Type: histories.OK, F: histories.Write, Key: "x", Write: "w1"}
	for name, tc := range map[string]struct {
		events []histories.Event
		want   string
	}{
		"completion without invoke": {[]histories.Event{ok}, "never invoked"},
		"two open operations":       {[]histories.Event{inv, inv}, "still open"},
		"reused write id":           {[]histories.Event{inv, ok, inv, ok}, "already used"},
		"completion of another key": {[]histories.Event{inv, {Process: "c1", Type: histories.OK, F: histories.Write, Key: "y", Write: "w1"}}, "open operation"},
	} {
		t.Run(name, func(t *testing.T) {
			b := new(historytest.Builder)
			for _, e := range tc.events {
				b.Add(e)
			}
			_, err := Check(b.History(), Options{})
			require.ErrorContains(t, err, tc.want)
		})
	}
	_, err := Check(nil, Options{Gate: []string{"bogus"}})
	require.ErrorContains(t, err, "unknown gate")
}

func TestGraphRelations(t *testing.T) {
	b := new(historytest.Builder).
		Write("c1", "x", "n1", "w1", nil, histories.OK, 0).
		Read("c2", "x", "n1", "w1").
		Write("c2", "x", "n1", "w2", []string{"w1"}, histories.OK, 0).
		Read("c3", "x", "n1", "w2").
		Write("c3", "x", "n1", "w3", []string{"w2"}, histories.OK, 0).
		Write("c4", "x", "n1", "w4", nil, histories.OK, 0)
	a, err := Analyze(b.History())
	require.NoError(t, err)
	g := a.Graph
	w := func(id string) *Write { return g.Write(id) }
	assert.Equal(t, Before, g.Relation(w("w1"), w("w3")), "transitively")
	assert.Equal(t, After, g.Relation(w("w3"), w("w1")))
	assert.Equal(t, Concurrent, g.Relation(w("w4"), w("w1")))
	assert.Equal(t, Same, g.Relation(w("w2"), w("w2")))
	assert.Equal(t, "concurrent", Concurrent.String())
	assert.Len(t, g.Writes("x"), 4)
}

func TestLossStampedBelowAnAncestorIsFlagged(t *testing.T) {
	// w2 read w1 but was stamped lower (a slow clock); later writes follow
	// w1 and survive. Relative to F, w2 is concurrent with w3, but the
	// history shows why it lost: it was stamped below a write it follows.
	r := judge(t, new(historytest.Builder).
		Write("c1", "x", "n1", "w1", nil, histories.OK, clock.Epoch+5_000).
		Read("c2", "x", "n2", "w1").
		Write("c2", "x", "n2", "w2", []string{"w1"}, histories.OK, clock.Epoch+1_000).
		Read("c3", "x", "n3", "w1").
		Write("c3", "x", "n3", "w3", []string{"w1"}, histories.OK, clock.Epoch+6_000).
		Write("c1", "x", "n1", "w4", nil, histories.OK, clock.Epoch+7_000).
		Final("x", "w4"))
	got := map[string]*Ref{}
	for _, l := range r.Lost {
		got[l.Write.Write] = l.Inverted
	}
	require.Contains(t, got, "w2")
	require.NotNil(t, got["w2"])
	assert.Equal(t, "w1", got["w2"].Write)
	assert.Nil(t, got["w3"], "w3 was stamped above everything it follows")
	assert.Nil(t, got["w1"])
	assert.Equal(t, 1, r.Summary.Inverted)
	w2 := lostByID(r)["w2"]
	assert.True(t, w2.Skew)
	assert.True(t, w2.AboveRead)
	assert.Equal(t, "w1", w2.Above.Write)
	assert.Equal(t, Later, w2.WinnerTime, "w4 began after w2 was acknowledged")
	assert.True(t, strings.HasPrefix(w2.Why, "w2 (c2 via n2, acknowledged at 5µs, stamp 1µs) was stamped below w1 (c1 via n1, acknowledged at 1µs, stamp 5µs, which it read)"), w2.Why)
	assert.Contains(t, w2.Why, "That is clock skew. In the end: w2 and w4 were concurrent")
}

// Judging an analysis leaves it as it was: the report and the demo read
// the same one.
func TestCheckLeavesTheAnalysisAlone(t *testing.T) {
	h := new(historytest.Builder).
		Write("c1", "x", "n1", "w1", nil, histories.Info, 0).
		Read("c2", "x", "n2", "w1").
		Write("c2", "x", "n2", "w2", nil, histories.OK, 0).
		Final("x", "w2").History()
	a, err := Analyze(h)
	require.NoError(t, err)
	before, err := Analyze(h)
	require.NoError(t, err)
	first, err := a.Check(Options{})
	require.NoError(t, err)
	again, err := a.Check(Options{})
	require.NoError(t, err)
	assert.Equal(t, first, again)
	assert.Equal(t, before.Ops, a.Ops)
	assert.Equal(t, before.Graph.Writes("x"), a.Graph.Writes("x"))
	assert.Len(t, a.Ops, 6, "three operations and three final reads")
	assert.Equal(t, []string{"w1", "w2"}, first.Keys[0].Maximal, "the info write w1 was read, so it counts")
}

func TestGatesAreATable(t *testing.T) {
	assert.Equal(t, []string{GateStale, GatePreservation, GateLinearizable, GateExternal, GateSkew}, Gates)
	require.NoError(t, Options{Gate: Gates}.Validate())
	require.ErrorContains(t, Options{Gate: []string{"stale", "bogus"}}.Validate(), `checker: unknown gate "bogus" (known: stale, preservation, linearizable, external, skew)`)
}

// A context may name a write invoked after its own (its client read it
// from the future): the graph links it all the same, as if it had been
// built from the whole history at once.
func TestContextNamingALaterWriteIsLinked(t *testing.T) {
	b := new(historytest.Builder).
		Read("c1", "x", "n1", "w2"). // from the future
		Write("c1", "x", "n1", "w1", []string{"w2"}, histories.OK, 0).
		Write("c2", "x", "n1", "w0", nil, histories.OK, 0).
		Write("c2", "x", "n1", "w2", nil, histories.OK, 0).
		Final("x", "w1")
	a, err := Analyze(b.History())
	require.NoError(t, err)
	w1, w2 := a.Graph.Write("w1"), a.Graph.Write("w2")
	assert.Equal(t, []*Write{w2}, w1.Parents())
	assert.True(t, a.Graph.Precedes(w2, w1))
	assert.False(t, a.Graph.Precedes(a.Graph.Write("w0"), w1))
	r, err := a.Check(Options{})
	require.NoError(t, err)
	require.Len(t, r.Lost, 1, "w2 is followed by w1, which survived; w0 is not")
	assert.Equal(t, "w0", r.Lost[0].Write.Write)
	assert.Len(t, r.Future, 1)
}

// A read that lists one version twice is an anomaly of the store: INVALID,
// its own finding, with the read shown, reported once per version and
// counted per read.
func TestReadListingAVersionTwice(t *testing.T) {
	r := judge(t, new(historytest.Builder).
		Write("c1", "x", "n1", "w1", nil, histories.OK, 10).
		Write("c2", "x", "n2", "w2", nil, histories.OK, 10).
		Read("c3", "x", "n3", "w1", "w2", "w1").
		Read("c3", "x", "n3", "w2", "w1", "w1").
		Final("x", "w1", "w2"))
	assert.Equal(t, Invalid, r.Verdict)
	require.Len(t, r.Duplicated, 1)
	d := r.Duplicated[0]
	assert.Equal(t, "x", d.Key)
	assert.Equal(t, "w1", d.Write)
	assert.Equal(t, 2, d.Reads)
	assert.Equal(t, []string{"w1", "w2", "w1"}, d.Versions)
	assert.Contains(t, d.Why, "returned w1 2 times: [w1, w2, w1]")
	assert.Equal(t, 1, r.Summary.Duplicated)
	assert.Equal(t, []string{"1 versions listed more than once by a read (a store returns each version once)"}, r.Failures)
	assert.Empty(t, r.Lost)

	// The same reads without the repeat are valid.
	r = judge(t, new(historytest.Builder).
		Write("c1", "x", "n1", "w1", nil, histories.OK, 10).
		Write("c2", "x", "n2", "w2", nil, histories.OK, 10).
		Read("c3", "x", "n3", "w1", "w2").
		Final("x", "w1", "w2"))
	assert.Equal(t, Valid, r.Verdict, r.Failures)
	assert.Empty(t, r.Duplicated)
}
