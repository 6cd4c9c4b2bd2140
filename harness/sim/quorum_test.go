package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// crash replaces node with a fresh, empty replica, as a process that dies
// and restarts with its in-memory store gone, and records it as a nemesis
// event. Messages already on the wire still arrive.
func crash(t *testing.T, r *run, node string) {
	t.Helper()
	n, err := r.cl.newNode(node, node)
	require.NoError(t, err)
	r.cl.replace(r.cl.index[node], n)
	r.rec.add(histories.Event{Process: histories.Nemesis, Type: histories.Info, F: nemesis.Kill, Params: map[string]string{"node": node}})
}

// writeThenCrash writes k1 through n1, optionally cut off from its peers,
// crashes n1 as soon as the write completes, heals 100ms later, and judges
// the history.
func writeThenCrash(t *testing.T, w int, isolated bool) (histories.Event, *checker.Result) {
	t.Helper()
	cfg := harness.DefaultConfig()
	cfg.Strategy, cfg.W, cfg.Ops, cfg.Drop = "vv", w, 0, 0
	cfg.Nemesis.Kinds = nil
	r, err := newRun(cfg, Options{})
	require.NoError(t, err)
	if isolated {
		r.fault(nemesis.PartitionFault([]string{"n1"}, []string{"n2", "n3"}))
	}
	done := false
	r.clients[0].do(harness.Op{F: histories.Write, Key: "k1", Node: "n1"}, func() {
		crash(t, r, "n1")
		done = true
	})
	r.sim.runUntil(func() bool { return done })
	// The partition outlasts every message the coordinator had on the wire.
	r.sim.after(int64(100*time.Millisecond), func() { done = false })
	r.sim.runUntil(func() bool { return !done })
	res, err := r.finish()
	require.NoError(t, err)
	require.True(t, res.Converged)
	var outcome histories.Event
	for _, e := range res.History {
		if e.Process == "c1" && e.Type != histories.Invoke {
			outcome = e
		}
	}
	v, err := checker.Check(res.History, checker.Options{})
	require.NoError(t, err)
	return outcome, v
}

// A coordinator cut off from its replicas acknowledges a W=1 write it alone
// holds; it crashes and the write is gone. With W=2 the same write is never
// acknowledged (the client times out), so nothing acknowledged is lost.
func TestQuorumCrashedCoordinator(t *testing.T) {
	ack, v := writeThenCrash(t, 1, true)
	assert.Equal(t, histories.OK, ack.Type)
	assert.False(t, v.Valid)
	require.Len(t, v.Lost, 1)
	assert.Equal(t, ack.Write, v.Lost[0].Write.Write)
	assert.Equal(t, checker.Missing, v.Lost[0].Kind)

	ack, v = writeThenCrash(t, 2, true)
	assert.Equal(t, histories.Info, ack.Type, "no quorum, no ack")
	assert.Equal(t, "timeout", ack.Error)
	assert.True(t, v.Valid, "%v", v.Failures)
}

// With W=2 an acknowledged write is on a second replica when its
// coordinator crashes right after the ack; anti-entropy brings it back.
func TestQuorumWriteSurvivesItsCoordinator(t *testing.T) {
	ack, v := writeThenCrash(t, 2, false)
	require.Equal(t, histories.OK, ack.Type)
	assert.True(t, v.Valid, "%v", v.Failures)
	require.Len(t, v.Keys, 1)
	assert.Equal(t, []string{ack.Write}, v.Keys[0].Final)
}
