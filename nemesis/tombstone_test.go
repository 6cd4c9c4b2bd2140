package nemesis_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/nemesis"
)

func TestParseKindsTombstone(t *testing.T) {
	require.Contains(t, nemesis.Kinds, nemesis.Tombstone)
	kinds, err := nemesis.ParseKinds("skew,tombstone")
	require.NoError(t, err)
	assert.Equal(t, []string{nemesis.Skew, nemesis.Tombstone}, kinds)
}

func TestTombstoneFault(t *testing.T) {
	f := nemesis.TombstoneFault("n2", "k1", time.Hour)
	assert.Equal(t, nemesis.Tombstone, f.F)
	assert.Equal(t, "n2", f.Node)
	assert.Equal(t, "k1", f.Key)
	assert.Equal(t, int64(time.Hour), f.Offset)
	assert.Equal(t, map[string]string{"node": "n2", "key": "k1", "offset": "+1h0m0s"}, f.Params)
}

// The tombstone schedule: instantaneous faults one spell apart, each through
// one of the nodes on one of the keys with the configured offset, nothing to
// undo at the end, and the same schedule for the same seed.
func TestTombstoneSchedule(t *testing.T) {
	opts := nemesis.DefaultOptions()
	opts.Kinds = []string{nemesis.Tombstone}
	opts.Interval = 100 * time.Millisecond
	opts.TombstoneOffset = 2 * time.Hour
	opts.Keys = []string{"k1", "k2", "k3"}
	nodes := []string{"n1", "n2", "n3"}
	schedule := func() []nemesis.Step {
		nm := nemesis.New(opts, nodes, rand.New(rand.NewPCG(5, 2)))
		var steps []nemesis.Step
		for range 40 {
			st, ok := nm.Next()
			require.True(t, ok)
			steps = append(steps, st)
		}
		assert.Empty(t, nm.Stop(), "a tombstone leaves nothing to undo")
		return steps
	}
	steps := schedule()
	keys, via := map[string]bool{}, map[string]bool{}
	var last int64
	for _, st := range steps {
		f := st.Fault
		require.Equal(t, nemesis.Tombstone, f.F)
		assert.Contains(t, opts.Keys, f.Key)
		assert.Contains(t, nodes, f.Node)
		assert.Equal(t, int64(2*time.Hour), f.Offset)
		gap := st.At - last
		assert.GreaterOrEqual(t, gap, int64(opts.Interval/2))
		assert.LessOrEqual(t, gap, int64(opts.Interval*3/2))
		last = st.At
		keys[f.Key], via[f.Node] = true, true
	}
	assert.Len(t, keys, 3, "every key gets a tombstone in 40 draws")
	assert.Len(t, via, 3, "every node serves a tombstone in 40 draws")
	assert.Equal(t, steps, schedule(), "same seed, same schedule")
}

func TestTombstoneNeedsKeys(t *testing.T) {
	opts := nemesis.DefaultOptions()
	opts.Kinds = []string{nemesis.Tombstone}
	_, ok := nemesis.New(opts, []string{"n1"}, rand.New(rand.NewPCG(1, 2))).Next()
	assert.False(t, ok, "no keys, no tombstone")
}

// tombFake records what a nemesis does to a cluster.
type tombFake struct{ calls []string }

func (f *tombFake) Nodes() []string                     { return []string{"n1", "n2"} }
func (f *tombFake) SetClock(node string, _ clock.Clock) { f.calls = append(f.calls, "clock "+node) }
func (f *tombFake) Partition([][]string)                { f.calls = append(f.calls, "partition") }
func (f *tombFake) Heal()                               { f.calls = append(f.calls, "heal") }

func TestApplyLeavesTombstoneToCaller(t *testing.T) {
	c := &tombFake{}
	nemesis.Apply(c, nemesis.TombstoneFault("n1", "k1", time.Hour))
	assert.Empty(t, c.calls, "a tombstone changes no clock and no link")
}
