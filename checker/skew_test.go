package checker

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/historytest"
)

// skewed is a key where clock order loses the causally newer w2 (it read
// w1, yet was stamped below it) and a silent pick drops the concurrent w3.
func skewed() *historytest.Builder {
	return new(historytest.Builder).
		Write("c1", "x", "n1", "w1", nil, histories.OK, 100).
		Read("c2", "x", "n2", "w1").
		Write("c2", "x", "n2", "w2", []string{"w1"}, histories.OK, 50).
		Write("c3", "x", "n3", "w3", nil, histories.OK, 90).
		Final("x", "w1")
}

func TestSkewLossesAreNamedAndCountedApart(t *testing.T) {
	r := judge(t, skewed())
	lost := lostByID(r)
	require.Len(t, lost, 2)
	assert.True(t, lost["w2"].Skew, "w2 follows w1, its winner")
	assert.Equal(t, OverwrittenByOlder, lost["w2"].Kind)
	assert.False(t, lost["w3"].Skew, "w3 is a silent pick between concurrent writes")
	assert.Equal(t, 1, r.Summary.SkewLost)
	assert.Equal(t, Invalid, r.Verdict)
	assert.Equal(t, []string{"2 of 3 acknowledged writes lost, 1 of them to clock skew"}, r.Failures)
}

func TestGateSkewFailsOnSkewLossesAlone(t *testing.T) {
	r := judge(t, skewed(), GateSkew)
	assert.Equal(t, Invalid, r.Verdict)
	assert.Equal(t, []string{"1 of 3 acknowledged writes lost to clock skew (gated by --gate skew; 1 other lost writes not gated)"}, r.Failures)

	// Concurrent writes dropped by a silent pick, without skew: the
	// default gate fails, --gate skew passes.
	drops := new(historytest.Builder).
		Write("c1", "x", "n1", "w1", nil, histories.OK, 100).
		Write("c2", "x", "n2", "w2", nil, histories.OK, 50).
		Final("x", "w1")
	assert.Equal(t, Invalid, judge(t, drops).Verdict)
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
	assert.True(t, r.Lost[0].Skew)
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
