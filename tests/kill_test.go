package tests

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/live"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// A killed node comes back empty on its port and recovers the data from its
// peers: the replicas converge and vv keeps every acknowledged write.
func TestLocalKilledNodeRestartsAndConverges(t *testing.T) {
	cfg := config("vv", 1500, nemesis.Kill)
	cfg.Nemesis.Interval = 150 * time.Millisecond
	l := local(t, cfg)
	before := l.PIDs()
	res, err := live.Run(context.Background(), cfg, l, nil, live.Options{})
	require.NoError(t, err)
	assert.True(t, res.Converged, "the restarted nodes caught up")
	v := judge(t, res.History)
	kinds := map[histories.Func]int{}
	for _, f := range v.Faults {
		kinds[f.F]++
	}
	require.Positive(t, kinds[nemesis.Kill], "%v", kinds)
	assert.Equal(t, kinds[nemesis.Kill], kinds[nemesis.Restart], "every killed node restarted")
	assert.NotEqual(t, before, l.PIDs(), "a restart is a new process")
	assert.Empty(t, v.Divergent)
	assert.Positive(t, v.Summary.Failed, "requests to a dead node are refused: fail")
	t.Logf("vv under kill: %d acknowledged, %d failed, %d indeterminate, lost %d; faults %v", v.Summary.Acknowledged, v.Summary.Failed, v.Summary.Indeterminate, v.Summary.Lost, kinds)
}

// killCoordinator writes k1 through n1, then kills n1 and restarts it:
// cut off from its peers while it takes the write when isolated is set.
// It returns the write's outcome and the checker's verdict.
func killCoordinator(t *testing.T, w int, isolated bool) (histories.Event, *checker.Result) {
	t.Helper()
	return killCoordinatorOf(t, local, w, isolated)
}

// killCoordinatorOf is killCoordinator on the cluster start starts.
func killCoordinatorOf(t *testing.T, start func(*testing.T, harness.Config) *live.Local, w int, isolated bool) (histories.Event, *checker.Result) {
	t.Helper()
	cfg := config("vv", 0)
	cfg.W = w
	l := start(t, cfg)
	write := harness.Step{Calls: []harness.Call{{Process: "c1", Op: harness.Op{F: histories.Write, Key: "k1", Node: "n1"}}}}
	kill, restart := nemesis.KillFault("n1"), nemesis.RestartFault("n1")
	var steps []harness.Step
	if isolated {
		part, heal := nemesis.PartitionFault([]string{"n1"}, []string{"n2", "n3"}), nemesis.HealFault()
		steps = []harness.Step{{Fault: &part}, write, {Fault: &kill}, {Fault: &heal}, {Fault: &restart}}
	} else {
		steps = []harness.Step{write, {Fault: &kill}, {Pause: 100 * time.Millisecond, Fault: &restart}}
	}
	res, err := live.RunScript(context.Background(), cfg, l, steps, live.Options{})
	require.NoError(t, err)
	require.True(t, res.Converged)
	i := slices.IndexFunc(res.History, func(e histories.Event) bool { return e.Process == "c1" && e.Type != histories.Invoke })
	require.GreaterOrEqual(t, i, 0)
	return res.History[i], judge(t, res.History)
}

// A coordinator cut off from its replicas acknowledges a W=1 write that
// only it holds; SIGKILL and the write is gone. With W=2 the same write is
// never acknowledged, and nothing acknowledged is lost.
func TestLocalQuorumKilledCoordinator(t *testing.T) {
	ack, v := killCoordinator(t, 1, true)
	require.Equal(t, histories.OK, ack.Type, "W=1: acknowledged by n1 alone")
	assert.False(t, v.Valid)
	require.Len(t, v.Lost, 1)
	assert.Equal(t, ack.Write, v.Lost[0].Write.Write)
	assert.Equal(t, checker.Missing, v.Lost[0].Kind)

	ack, v = killCoordinator(t, 2, true)
	assert.Equal(t, histories.Info, ack.Type, "W=2: no second replica, no ack: %+v", ack)
	assert.True(t, v.Valid, "%v", v.Failures)
}

// With W=2 a write is on a second replica by the time it is acknowledged:
// killing its coordinator right after the ack loses nothing.
func TestLocalQuorumWriteSurvivesItsCoordinator(t *testing.T) {
	ack, v := killCoordinator(t, 2, false)
	require.Equal(t, histories.OK, ack.Type)
	assert.True(t, v.Valid, "%v", v.Failures)
	require.Len(t, v.Keys, 1)
	assert.Equal(t, []string{ack.Write}, v.Keys[0].Final)
}

// Under a random kill schedule, W=2 keeps every acknowledged vv write. W=1
// loses one now and then: a write its coordinator acknowledged a few
// milliseconds before SIGKILL and never replicated; the run logs how many.
func TestLocalQuorumUnderKillSchedule(t *testing.T) {
	for _, w := range []int{1, 2} {
		cfg := config("vv", 3000, nemesis.Kill)
		cfg.W = w
		cfg.Nemesis.Interval = 200 * time.Millisecond
		l := local(t, cfg)
		res, err := live.Run(context.Background(), cfg, l, nil, live.Options{})
		require.NoError(t, err)
		assert.True(t, res.Converged)
		v := judge(t, res.History)
		assert.Positive(t, v.Summary.Acknowledged)
		if w == 2 {
			assert.True(t, v.Valid, "W=2: %v", v.Failures)
		}
		t.Logf("vv W=%d under kill: %d acknowledged, %d lost, %d faults, %v", w, v.Summary.Acknowledged, v.Summary.Lost, v.Summary.Faults, res.Duration)
		require.NoError(t, l.Close())
	}
}
