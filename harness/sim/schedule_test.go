package sim_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/harness/sim"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// TestReplayOfARecordedScheduleIsTheRun: a recorded run's schedule, played
// back whole (after a trip through JSON), gives the same history byte for
// byte; with operations and faults taken out it still runs, the same way
// every time.
func TestReplayOfARecordedScheduleIsTheRun(t *testing.T) {
	for _, strategy := range []string{"lww", "vv", "truetime"} {
		cfg := config(strategy, 11, 300)
		cfg.Nemesis.Kinds = nemesis.Kinds
		cfg.Mix.ReadElsewhere = 1
		_, want := run(t, cfg)
		var rec bytes.Buffer
		_, s, err := sim.RunRecorded(cfg, sim.Options{Sink: histories.NewWriter(&rec)})
		require.NoError(t, err)
		assert.Equal(t, want, rec.Bytes(), "recording changes nothing")
		assert.GreaterOrEqual(t, s.Cost(), 300)
		assert.NotEmpty(t, s.Faults)

		b, err := json.Marshal(s)
		require.NoError(t, err)
		var back sim.Schedule
		require.NoError(t, json.Unmarshal(b, &back))
		var got bytes.Buffer
		_, err = sim.Replay(cfg, &back, sim.Options{Sink: histories.NewWriter(&got)})
		require.NoError(t, err)
		assert.Equal(t, want, got.Bytes(), "%s: the replay is the run", strategy)

		back.Ops["c1"] = back.Ops["c1"][:3]
		back.Faults = back.Faults[1:]
		var a, c bytes.Buffer
		resA, err := sim.Replay(cfg, &back, sim.Options{Sink: histories.NewWriter(&a)})
		require.NoError(t, err)
		_, err = sim.Replay(cfg, &back, sim.Options{Sink: histories.NewWriter(&c)})
		require.NoError(t, err)
		assert.Equal(t, a.Bytes(), c.Bytes())
		assert.Less(t, resA.Ops, 300)
	}
}
