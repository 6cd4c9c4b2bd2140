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

// at is a physical stamp: the reading of a clock on true time at t ns.
func at(t int64) int64 { return clock.Epoch + t }

// skewed is a key where clock order loses the causally newer w2 (it read
// w1, yet was stamped below it) and a silent pick drops the concurrent w3,
// which overlapped w1.
func skewed() *historytest.Builder {
	return new(historytest.Builder).
		Op(historytest.Op{Process: "c1", Key: "x", Node: "n1", ID: "w1", Start: 1000, End: 3000, TS: at(100_000)}).
		Op(historytest.Op{Process: "c3", Key: "x", Node: "n3", ID: "w3", Start: 2000, End: 4000, TS: at(90_000)}).
		Read("c2", "x", "n2", "w1").
		Write("c2", "x", "n2", "w2", []string{"w1"}, histories.OK, at(50_000)).
		Final("x", "w1")
}

func TestSkewLossesAreNamedAndCountedApart(t *testing.T) {
	r := judge(t, skewed())
	lost := lostByID(r)
	require.Len(t, lost, 2)
	assert.True(t, lost["w2"].Skew, "w2 follows w1, its winner")
	assert.Equal(t, OverwrittenByOlder, lost["w2"].Kind)
	assert.Equal(t, Earlier, lost["w2"].WinnerTime)
	assert.False(t, lost["w3"].Skew, "w3 is a silent pick between concurrent writes")
	assert.Equal(t, Raced, lost["w3"].WinnerTime)
	assert.Equal(t, 1, r.Summary.SkewLost)
	assert.Equal(t, 1, r.Summary.Racing)
	assert.Equal(t, Invalid, r.Verdict)
	assert.Equal(t, []string{"1 acknowledged write lost to clock skew; 1 more dropped as a concurrent write (1 racing, 0 overwritten by later writes that never read them)"}, r.Failures)
	assert.Equal(t, "2 of 3 acknowledged writes lost", Total(&r.Summary))
}

func TestGateSkewFailsOnSkewLossesAlone(t *testing.T) {
	r := judge(t, skewed(), GateSkew)
	assert.Equal(t, Invalid, r.Verdict)
	assert.Equal(t, []string{"1 acknowledged write lost to clock skew; 1 more dropped as a concurrent write (1 racing, 0 overwritten by later writes that never read them) (gated by --gate skew: the other 1 lost writes do not fail the run)"}, r.Failures)

	// A concurrent write dropped for a later one, without skew: the
	// default gate fails, --gate skew passes.
	drops := new(historytest.Builder).
		Write("c2", "x", "n2", "w2", nil, histories.OK, at(50)).
		Write("c1", "x", "n1", "w1", nil, histories.OK, at(100_000)).
		Final("x", "w1")
	r = judge(t, drops)
	assert.Equal(t, Invalid, r.Verdict)
	assert.Equal(t, []string{"0 acknowledged writes lost to clock skew; 1 dropped as a concurrent write (0 racing, 1 overwritten by a later write that never read it)"}, r.Failures)
	gated := judge(t, drops, GateSkew)
	assert.Equal(t, Valid, gated.Verdict, "%v", gated.Failures)
	assert.Len(t, gated.Lost, 1, "the drop is still reported")
}

// Equal Lamport counters are ordered by node, as the store orders them:
// no external-consistency violation, and a write stamped (5, n3) is not
// below (5, n2).
func TestLamportTiesCompareTheNode(t *testing.T) {
	b := new(historytest.Builder).
		Write("c1", "x", "n2", "w1", nil, histories.OK, 5).
		Read("c2", "x", "n1", "w1").
		Write("c2", "x", "n3", "w2", []string{"w1"}, histories.OK, 5).
		Final("x", "w2")
	r := judge(t, b, GateExternal)
	assert.Empty(t, r.External)
	assert.Equal(t, Valid, r.Verdict, "%v", r.Failures)

	below := new(historytest.Builder).
		Write("c1", "x", "n3", "w1", nil, histories.OK, 5).
		Read("c2", "x", "n1", "w1").
		Write("c2", "x", "n2", "w2", []string{"w1"}, histories.OK, 5).
		Final("x", "w1")
	r = judge(t, below, GateExternal)
	require.Len(t, r.External, 1, "(5, n2) is below (5, n3)")
	assert.Contains(t, r.External[0].Why, "tie-break")
	require.Len(t, r.Lost, 1)
	assert.False(t, r.Lost[0].Skew, "logical stamps: not a clock's fault")
	assert.Equal(t, "w1", r.Lost[0].Above.Write)
	assert.Equal(t, 1, r.Summary.Misordered)
}

// The definition of a loss to clock skew, case by case: W lost, and an
// acknowledged write of its key (a tombstone included) stamped above it
// precedes it in real time or causally; both stamps physical.
func TestSkewByRealTimeAndByReads(t *testing.T) {
	for _, tc := range []struct {
		name  string
		b     *historytest.Builder
		skew  bool
		above string // Lost.Above of w2
		read  bool
		part  func(s *Summary) int
	}{
		{
			name: "blind write stamped below one that finished before it began",
			b: new(historytest.Builder).
				Write("c1", "x", "n1", "w1", nil, histories.OK, at(900_000)).
				Write("c2", "x", "n2", "w2", nil, histories.OK, at(5_000)).
				Final("x", "w1"),
			skew: true, above: "w1",
			part: func(s *Summary) int { return s.SkewLost },
		},
		{
			name: "write stamped below one it read",
			b: new(historytest.Builder).
				Write("c1", "x", "n1", "w1", nil, histories.OK, at(900_000)).
				Read("c2", "x", "n2", "w1").
				Write("c2", "x", "n2", "w2", []string{"w1"}, histories.OK, at(5_000)).
				Final("x", "w1"),
			skew: true, above: "w1", read: true,
			part: func(s *Summary) int { return s.SkewLost },
		},
		{
			name: "a tombstone from the future",
			b: new(historytest.Builder).
				Write("nemesis", "x", "n3", "d1", nil, histories.OK, at(3_600_000_000_000)).
				Write("c2", "x", "n2", "w2", nil, histories.OK, at(5_000)).
				Final("x", "d1"),
			skew: true, above: "d1",
			part: func(s *Summary) int { return s.SkewLost },
		},
		{
			name: "a lamport stamp that contradicted real time is not skew",
			b: new(historytest.Builder).
				Write("c1", "x", "n1", "w1", nil, histories.OK, 9).
				Write("c2", "x", "n2", "w2", nil, histories.OK, 3).
				Final("x", "w1"),
			skew: false, above: "w1",
			part: func(s *Summary) int { return s.Misordered },
		},
		{
			name: "racing writes: the winner overlapped",
			b: new(historytest.Builder).
				Op(historytest.Op{Process: "c1", Key: "x", Node: "n1", ID: "w1", Start: 1000, End: 3000, TS: at(900_000)}).
				Op(historytest.Op{Process: "c2", Key: "x", Node: "n2", ID: "w2", Start: 2000, End: 4000, TS: at(5_000)}).
				Final("x", "w1"),
			part: func(s *Summary) int { return s.Racing },
		},
		{
			name: "a later write that never read it",
			b: new(historytest.Builder).
				Write("c2", "x", "n2", "w2", nil, histories.OK, at(1_000)).
				Write("c1", "x", "n1", "w1", nil, histories.OK, at(9_000)).
				Final("x", "w1"),
			part: func(s *Summary) int { return s.Overwritten },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := judge(t, tc.b)
			l, ok := lostByID(r)["w2"]
			require.True(t, ok, "w2 is lost")
			assert.Equal(t, tc.skew, l.Skew)
			if tc.above == "" {
				assert.Nil(t, l.Above)
			} else {
				require.NotNil(t, l.Above)
				assert.Equal(t, tc.above, l.Above.Write)
				assert.Equal(t, tc.read, l.AboveRead)
				assert.True(t, strings.HasPrefix(l.Why, "w2 (c2 via n2"), "the story starts with what beat it: %s", l.Why)
			}
			assert.Equal(t, 1, tc.part(&r.Summary))
			assert.Equal(t, len(r.Lost), clauses(&r.Summary), "the clauses add up")
			assert.Equal(t, historytest.SkewLosses(tc.b.History()), r.Summary.SkewLost)
		})
	}
}

// clauses adds up the parts of the headline.
func clauses(s *Summary) int {
	n := s.SkewLost + s.Racing + s.Overwritten + s.Misordered
	for _, v := range s.Rest {
		n += v
	}
	return n
}

func TestCorruptedAndFutureReads(t *testing.T) {
	b := new(historytest.Builder).
		Op(historytest.Op{Process: "c1", Key: "x", Node: "n1", ID: "w1", Value: "apple"}).
		Op(historytest.Op{Process: "c2", F: histories.Read, Key: "x", Node: "n2",
			Read: []histories.Version{{Write: "w1", Value: "pear"}}}).
		Op(historytest.Op{Process: "c2", F: histories.Read, Key: "x", Node: "n2",
			Read: []histories.Version{{Write: "w1", Deleted: true}}}).
		Read("c3", "x", "n1", "w2").
		Op(historytest.Op{Process: "c1", Key: "x", Node: "n1", ID: "w2"}).
		Op(historytest.Op{Process: "c1", Key: "x", Node: "n1", ID: "d3"})
	b.Read(histories.Final, "x", "n1", "d3")
	b.Op(historytest.Op{Process: histories.Final, F: histories.Read, Key: "x", Node: "n2",
		Read: []histories.Version{{Write: "d3", Value: "zombie"}}})
	r := judge(t, b)
	assert.Equal(t, Invalid, r.Verdict)
	require.Len(t, r.Corrupted, 3)
	assert.Equal(t, "pear", r.Corrupted[0].Value)
	assert.Contains(t, r.Corrupted[0].Why, `"apple"`)
	assert.True(t, r.Corrupted[1].Deleted)
	assert.Equal(t, "d3", r.Corrupted[2].Write.Write)
	assert.Contains(t, r.Corrupted[2].Why, "a tombstone (a delete)")
	require.Len(t, r.Future, 1)
	assert.Equal(t, "w2", r.Future[0].Write.Write)
	assert.Equal(t, 3, r.Summary.Corrupted)
	assert.Equal(t, 1, r.Summary.FutureReads)
}

func TestUnconvergedReplicas(t *testing.T) {
	unconverged := func(final ...string) *Result {
		b := new(historytest.Builder).
			Write("c1", "x", "n1", "w1", nil, histories.OK, 0).
			Write("c2", "x", "n2", "w2", nil, historytest.Never, 0).
			Fault(10_000, histories.Unconverged, map[string]string{"waited": "1m0s"})
		b.Read(histories.Final, "x", "n1", "w1")
		b.Read(histories.Final, "x", "n2", final...)
		return judge(t, b)
	}
	r := unconverged("w1")
	assert.Equal(t, Unknown, r.Verdict)
	require.Len(t, r.Unknown, 1)
	assert.Contains(t, r.Unknown[0], "did not converge within 1m0s")
	require.Len(t, r.Notes, 1)
	assert.Contains(t, r.Notes[0], "write w2 of x via n2 (invoked at")
	assert.Contains(t, r.Notes[0], "never completed")

	r = unconverged("w2")
	assert.Equal(t, Invalid, r.Verdict)
	assert.Len(t, r.Divergent, 1)
}

func TestMalformedContexts(t *testing.T) {
	b := new(historytest.Builder).
		Write("c1", "x", "n1", "w1", nil, histories.OK, 0).
		Read("c2", "y", "n1", "w1").
		Write("c2", "x", "n1", "w2", []string{"w1"}, histories.OK, 0)
	_, err := Check(b.History(), Options{})
	var ee *EventError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 4, ee.Event)
	assert.Equal(t, "context", ee.Field)
	assert.ErrorContains(t, err, "no earlier read of x by c2 returned")
}
