package checker

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/historytest"
)

func TestRegisterWorkloadOverwritesAreNotLosses(t *testing.T) {
	h := new(historytest.Builder).
		Write("c1", "x", "n1", "w1", nil, histories.OK, 0).
		Write("c2", "x", "n2", "w2", nil, histories.OK, 0).
		Read("c1", "x", "n1", "w2").
		Final("x", "w2").History()
	store, err := Check(h, Options{})
	require.NoError(t, err)
	assert.Equal(t, 1, store.Summary.Lost, "the store's own workload counts the overwrite lost")

	res, err := Check(h, Options{Workload: WorkloadRegister})
	require.NoError(t, err)
	assert.Equal(t, Valid, res.Verdict, "%v", res.Failures)
	assert.Empty(t, res.Lost)
	assert.Equal(t, Answer(Valid), res.Summary.Linearizable)
}

func TestRegisterWorkloadGatesLinearizability(t *testing.T) {
	// A stale read: w2 was acknowledged before the read began, which
	// returned w1.
	h := new(historytest.Builder).
		Write("c1", "x", "n1", "w1", nil, histories.OK, 0).
		Write("c2", "x", "n2", "w2", nil, histories.OK, 0).
		Read("c1", "x", "n3", "w1").
		Final("x", "w2").History()
	res, err := Check(h, Options{Workload: WorkloadRegister})
	require.NoError(t, err)
	assert.Equal(t, Invalid, res.Verdict)
	require.Len(t, res.Failures, 1)
	assert.Contains(t, res.Failures[0], "not linearizable (gated by the register workload)")
}

func TestSetWorkloadNamesThePartitionThatIsolatedALostWrite(t *testing.T) {
	b := new(historytest.Builder)
	b.Op(historytest.Op{Process: "c1", Key: "s", Node: "n2", ID: "w1", Start: 1000, End: 2000})
	b.Fault(3000, "partition", map[string]string{"groups": "n1 | n2 n3"})
	b.Op(historytest.Op{Process: "c1", Key: "s", Node: "n1", ID: "w2", Start: 4000, End: 5000})
	b.Op(historytest.Op{Process: "c2", Key: "s", Node: "n2", ID: "w3", Start: 4000, End: 6000})
	b.Fault(7000, "heal", map[string]string{})
	b.Op(historytest.Op{Process: "c2", Key: "s", Node: "n1", ID: "w4", Start: 8000, End: 9000})
	b.Op(historytest.Op{Process: "c2", Key: "s", Node: "n1", ID: "w5", Start: 9000, End: 9500})
	for i, n := range []string{"n1", "n2", "n3"} {
		b.Op(historytest.Op{Process: histories.Final, F: histories.Read, Key: "s", Node: n,
			Read: historytest.Versions("w1", "w3", "w4"), Start: int64(10000 + 2000*i), End: int64(11000 + 2000*i)})
	}
	res, err := Check(b.History(), Options{Workload: WorkloadSet})
	require.NoError(t, err)
	assert.Equal(t, Invalid, res.Verdict)
	require.Len(t, res.Lost, 2)
	assert.Equal(t, "w5", res.Lost[1].Write.Write)
	assert.Contains(t, res.Lost[1].Isolated, "n1 | n2 n3", "written by n1 after the heal")
	assert.Contains(t, res.Lost[1].Isolated, "before this write")
	l := res.Lost[0]
	assert.Equal(t, "w2", l.Write.Write)
	assert.Equal(t, Absent, l.Kind)
	assert.Nil(t, l.Winner, "a set keeps every element: nothing replaced it")
	assert.Contains(t, l.Isolated, "n1 | n2 n3")
	assert.Contains(t, l.Why, "cut off by the partition n1 | n2 n3")
	assert.Empty(t, res.Linear, "a set is no register")
	assert.NotContains(t, l.Isolated, "before")
	assert.Equal(t, "2 of 5 acknowledged writes lost (40%): absent from every final read of their sets", Losses(&res.Summary))
	require.NotEmpty(t, res.Failures)
	assert.Equal(t, Losses(&res.Summary), res.Failures[0], "the headline is the fraction")
	assert.Equal(t, WorkloadSet, res.Workload)
}

func TestSetWorkloadCountsIndeterminateWritesReadInTheFraction(t *testing.T) {
	b := new(historytest.Builder)
	b.Op(historytest.Op{Process: "c1", Key: "s", Node: "n1", ID: "w1", Start: 1000, End: 2000})
	b.Op(historytest.Op{Process: "c1", Key: "s", Node: "n1", ID: "w2", Start: 2000, End: 3000})
	b.Op(historytest.Op{Process: "c2", Key: "s", Node: "n1", ID: "w3", Type: historytest.Never, Start: 2500})
	b.Op(historytest.Op{Process: "c3", F: histories.Read, Key: "s", Node: "n1", Read: historytest.Versions("w1", "w2", "w3"), Start: 3500, End: 4000})
	for i, n := range []string{"n1", "n2", "n3"} {
		b.Op(historytest.Op{Process: histories.Final, F: histories.Read, Key: "s", Node: n,
			Read: historytest.Versions("w1"), Start: int64(10000 + 2000*i), End: int64(11000 + 2000*i)})
	}
	res, err := Check(b.History(), Options{Workload: WorkloadSet})
	require.NoError(t, err)
	assert.Equal(t, Invalid, res.Verdict)
	assert.Equal(t, 2, res.Summary.Lost, "w2 acknowledged and w3 read, both absent at the end")
	assert.Equal(t, "2 of 3 writes (2 acknowledged, 1 indeterminate but read) lost (67%): absent from every final read of their sets",
		Losses(&res.Summary))
	assert.LessOrEqual(t, res.Summary.Lost, res.Summary.Acknowledged+res.Summary.SeenIndeterminate, "never more lost than counted")
}

func TestUnknownWorkload(t *testing.T) {
	_, err := Check(nil, Options{Workload: "queue"})
	assert.ErrorContains(t, err, `unknown workload "queue"`)
}
