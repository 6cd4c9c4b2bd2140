package sim_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// TestCrashRestartsAndRecovers: a crashed node comes back empty, recovers
// its peers' state by anti-entropy, and vv still keeps every write.
func TestCrashRestartsAndRecovers(t *testing.T) {
	crashes := 0
	for seed := uint64(1); seed <= 10; seed++ {
		cfg := config("vv", seed, 400)
		cfg.Nemesis.Kinds = []string{nemesis.Crash}
		cfg.Nemesis.Interval = 100 * time.Millisecond
		res, _ := run(t, cfg)
		down := map[string]bool{}
		for _, e := range res.History {
			if e.Process != histories.Nemesis {
				continue
			}
			switch string(e.F) {
			case nemesis.Crash:
				require.False(t, down[e.Params["node"]], "seed %d: %s crashed twice", seed, e.Params["node"])
				down[e.Params["node"]] = true
				crashes++
			case nemesis.Restart:
				require.True(t, down[e.Params["node"]], "seed %d: %s restarted but never crashed", seed, e.Params["node"])
				delete(down, e.Params["node"])
			}
		}
		assert.Empty(t, down, "seed %d: every crashed node is restarted before the final reads", seed)
		assert.True(t, res.Converged, "seed %d: a restarted node recovers from its peers", seed)
		r := check(t, res.History)
		assert.True(t, r.Valid, "seed %d: %v", seed, r.Failures)
		assert.Positive(t, r.Summary.Indeterminate+r.Summary.Failed, "seed %d: requests to a crashed node time out", seed)
	}
	assert.Greater(t, crashes, 10)
}

// TestCrashLosesUnreplicatedWrites: a write acknowledged by a node cut off
// by a partition lives only there; a crash before the partition heals
// loses it, and the checker says so.
func TestCrashLosesUnreplicatedWrites(t *testing.T) {
	lost := 0
	for seed := uint64(1); seed <= 10; seed++ {
		cfg := config("vv", seed, 400)
		cfg.Nemesis.Kinds = []string{nemesis.Partition, nemesis.Crash}
		res, _ := run(t, cfg)
		lost += check(t, res.History).Summary.Lost
	}
	assert.Positive(t, lost)
}

// TestClockResolutionTiesTimestamps: a millisecond clock stamps writes in
// whole milliseconds, and some of them tie.
func TestClockResolutionTiesTimestamps(t *testing.T) {
	cfg := config("lww", 3, 400)
	cfg.Nemesis.Kinds = nil
	stamps := func(cfg harness.Config) (whole bool, ties int) {
		res, _ := run(t, cfg)
		seen := map[int64]bool{}
		whole = true
		for _, e := range res.History {
			if e.Type == histories.OK && e.F == histories.Write && e.Meta != nil {
				whole = whole && e.Meta.TS%int64(time.Millisecond) == 0
				if seen[e.Meta.TS] {
					ties++
				}
				seen[e.Meta.TS] = true
			}
		}
		return whole, ties
	}
	whole, ties := stamps(cfg)
	assert.False(t, whole)
	assert.Zero(t, ties)
	cfg.ClockResolution = time.Millisecond
	whole, ties = stamps(cfg)
	assert.True(t, whole)
	assert.Positive(t, ties)
	cfg.ClockResolution = -1
	assert.Error(t, cfg.Validate())
}

// writesElsewhere requires every client write of h to go through another
// node than the client's last read, and counts them.
func writesElsewhere(t *testing.T, h []histories.Event) int {
	t.Helper()
	lastRead := map[string]string{}
	writes := 0
	for _, e := range h {
		if e.Type != histories.Invoke || e.Process == histories.Nemesis || e.Process == histories.Final {
			continue
		}
		if e.F == histories.Read {
			lastRead[e.Process] = e.Node
			continue
		}
		writes++
		assert.NotEqual(t, lastRead[e.Process], e.Node, "event %d", e.Index)
	}
	return writes
}

// TestReadElsewhereWritesThroughAnotherNode: rw-other reads through one
// node and writes what it read through another.
func TestReadElsewhereWritesThroughAnotherNode(t *testing.T) {
	cfg := config("vv", 5, 300)
	cfg.Mix = harness.Mix{ReadElsewhere: 1}
	res, _ := run(t, cfg)
	assert.Greater(t, writesElsewhere(t, res.History), 100)
	m, err := harness.ParseMix("read=1,rw-other=2")
	require.NoError(t, err)
	assert.Equal(t, harness.Mix{Read: 1, ReadElsewhere: 2}, m)
	assert.Equal(t, "read=1,rw=0,blind=0,delete=0,rw-other=2", m.String())
}
