package tests

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/live"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// A check killed outright (SIGKILL) leaves no node behind (Linux: the
// kernel kills the children).
func TestKilledCheckLeavesNoNode(t *testing.T) {
	c := startRealCheck(t, t.TempDir(), "--strategy", "vv")
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, c.cmd.Process.Kill())
	c.wait(t, 30*time.Second)
	for _, pid := range c.pids {
		requireGone(t, pid)
	}
}

// A run interrupted through its context returns what it recorded, with
// the faults undone, and Close stops every node.
func TestInterruptedRunStopsEveryNode(t *testing.T) {
	cfg := config("vv", harness.MaxOps, nemesis.Partition, nemesis.Skew, nemesis.Kill)
	l, err := live.StartLocal(context.Background(), cfg, live.LocalOptions{Binary: binary})
	require.NoError(t, err)
	seen := map[int]bool{}
	for _, p := range l.PIDs() {
		seen[p] = true
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for range 15 { // note the restarted nodes too
			time.Sleep(100 * time.Millisecond)
			for _, p := range l.PIDs() {
				seen[p] = true
			}
		}
		cancel()
	}()
	res, err := live.Run(ctx, cfg, l, nil, live.Options{})
	require.ErrorIs(t, err, context.Canceled)
	require.NotNil(t, res)
	assert.NotEmpty(t, res.History)
	require.NoError(t, l.Close())
	for pid := range seen {
		requireGone(t, pid)
	}
}
