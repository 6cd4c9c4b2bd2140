package harness

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// steps is a fault schedule of fixed steps.
type steps []nemesis.Step

func (s *steps) Next() (nemesis.Step, bool) {
	if len(*s) == 0 {
		return nemesis.Step{}, false
	}
	st := (*s)[0]
	*s = (*s)[1:]
	return st, true
}

func (s *steps) Stop() []nemesis.Fault { return nil }

func step(at time.Duration, f string) nemesis.Step {
	return nemesis.Step{At: int64(at), Fault: nemesis.Fault{F: f}}
}

// Play merges its schedules in time order and applies each fault once.
func TestPlayMergesSchedulesInTimeOrder(t *testing.T) {
	a := &steps{step(0, "a1"), step(4*time.Millisecond, "a2")}
	b := &steps{step(2*time.Millisecond, "b1"), step(6*time.Millisecond, "b2")}
	var got []string
	Play(context.Background(), time.Now(), []nemesis.Schedule{a, b}, func(f nemesis.Fault) { got = append(got, f.F) })
	assert.Equal(t, []string{"a1", "b1", "a2", "b2"}, got)
}

// Play stops when stop ends, applying nothing more.
func TestPlayStops(t *testing.T) {
	stop, cancel := context.WithCancel(context.Background())
	a := &steps{step(0, "now"), step(time.Hour, "never")}
	var got []string
	Play(stop, time.Now(), []nemesis.Schedule{a}, func(f nemesis.Fault) { got = append(got, f.F); cancel() })
	assert.Equal(t, []string{"now"}, got)
	assert.False(t, Sleep(stop, time.Hour))
}

// The recorder numbers and times events in order, streams them, records a
// fault only after what it waits for succeeded, and counts progress.
func TestRecorderKeepsTheHistoryInOrder(t *testing.T) {
	var buf bytes.Buffer
	sink := histories.NewWriter(&buf)
	var seen []int
	r := NewRecorder(sink, func(done, total int) { seen = append(seen, done, total) }, 2, nil)
	r.Begin()
	r.Add(histories.Event{Process: "c1", Type: histories.Invoke, F: histories.Read, Key: "k1"})
	require.Error(t, r.AddAfter(func() error { return errors.New("refused") }, FaultEvent(nemesis.KillFault("n1"))))
	require.NoError(t, r.AddAfter(func() error { return nil }, FaultEvent(nemesis.KillFault("n2"))))
	r.Skip("strobe", nil, "no clock to drive")
	r.Invoked()
	r.Completed()
	res, err := r.Result(true)
	require.NoError(t, err)
	require.Len(t, res.History, 3)
	for i, e := range res.History {
		assert.Equal(t, i, e.Index)
		if i > 0 {
			assert.GreaterOrEqual(t, e.Time, res.History[i-1].Time)
		}
	}
	assert.Equal(t, histories.Func("kill"), res.History[1].F)
	assert.Equal(t, "n2", res.History[1].Params["node"])
	assert.Equal(t, histories.Skipped, res.History[2].F)
	assert.Equal(t, "skipped: no clock to drive", res.History[2].Error)
	assert.Equal(t, map[string]string{"fault": "strobe", "why": "no clock to drive"}, res.History[2].Params)
	assert.Equal(t, []int{1, 2}, seen)
	assert.Equal(t, 3, strings.Count(buf.String(), "\n"), "every event streamed and flushed")
	assert.True(t, res.Converged)
	assert.Equal(t, 1, res.Ops)
}

// A cluster is put back together in order: restarts, the heal, then the
// clocks; nothing when nothing is broken.
func TestUndoPutsTheClusterBack(t *testing.T) {
	assert.Empty(t, Undo(nil, false, nil))
	var fs []string
	for _, f := range Undo(Marked(map[string]bool{"n2": true, "n1": true, "n3": false}), true, []string{"n3"}) {
		fs = append(fs, f.F+" "+f.Node)
	}
	assert.Equal(t, []string{"restart n1", "restart n2", "heal ", "reset "}, fs)
}

// A restart is skipped for a node not killed, recorded before it runs,
// and skipped again with the error when it fails.
func TestRecorderRestart(t *testing.T) {
	r := NewRecorder(nil, nil, 0, nil)
	ran := 0
	restart := func(err error) func() error { return func() error { ran++; return err } }
	assert.False(t, r.Restart(nemesis.RestartFault("n1"), false, restart(nil)))
	assert.True(t, r.Restart(nemesis.RestartFault("n2"), true, restart(nil)))
	assert.False(t, r.Restart(nemesis.RestartFault("n3"), true, restart(errors.New("no such process"))))
	assert.Equal(t, 2, ran, "never run for a node that was not killed")
	res, err := r.Result(true)
	require.NoError(t, err)
	var got []string
	for _, e := range res.History {
		got = append(got, string(e.F)+" "+e.Error)
	}
	assert.Equal(t, []string{"skipped skipped: n1 was not killed", "restart ", "restart ", "skipped skipped: no such process"}, got)
}
