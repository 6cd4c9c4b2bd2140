package dblive

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// procs is a database of processes alone: it counts the signals each node
// got and fails a signal to a node that is down, as db.Cluster does.
type procs struct {
	DB      // the rest is never called
	down    map[string]bool
	resumed []string
}

func (p *procs) Kill(n string) error { p.down[n] = true; return nil }
func (p *procs) Restart(_ context.Context, n string) error {
	p.down[n] = false
	return nil
}
func (p *procs) Pause(string) error { return nil }
func (p *procs) Resume(n string) error {
	if p.down[n] {
		return assert.AnError
	}
	p.resumed = append(p.resumed, n)
	return nil
}

func TestAKillEndsAPause(t *testing.T) {
	p := &procs{down: map[string]bool{}}
	r := &run{d: p, nodes: []string{"n1", "n2", "n3"}, rec: harness.NewRecorder(nil, nil, 0, nil),
		down: map[string]bool{}, paused: map[string]bool{}, killedPaused: map[string]bool{}, skewed: map[string]bool{}}
	ctx := context.Background()
	r.fault(ctx, nemesis.PauseFault("n1"))
	r.fault(ctx, nemesis.KillFault("n1"))
	r.fault(ctx, nemesis.ResumeFault("n1"))
	r.undoAll(ctx)

	res, err := r.rec.Result(true)
	require.NoError(t, err)
	h := res.History
	var fs []string
	for _, e := range h {
		fs = append(fs, string(e.F))
	}
	assert.Equal(t, []string{"pause", "kill", "skipped", "restart"}, fs, "no resume is sent to a killed node, at its time or at the end")
	require.Len(t, h, 4)
	assert.Equal(t, histories.Skipped, h[2].F)
	assert.Equal(t, "skipped: n1 was killed while paused: the kill ended the pause, and a restart runs it", h[2].Error)
	assert.Empty(t, p.resumed)

	r.fault(ctx, nemesis.PauseFault("n1"))
	r.fault(ctx, nemesis.ResumeFault("n1"))
	assert.Equal(t, []string{"n1"}, p.resumed, "a pause after the restart is resumed")
}
