package nemesis

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/clock"
)

func TestParseKinds(t *testing.T) {
	got, err := ParseKinds("skew, partition,skew")
	require.NoError(t, err)
	assert.Equal(t, []string{Skew, Partition}, got)
	none, err := ParseKinds("none")
	require.NoError(t, err)
	assert.Empty(t, none)
	_, err = ParseKinds("skew,fire")
	require.ErrorContains(t, err, `"fire"`)
}

// fake records what a nemesis does to it.
type fake struct {
	clocks map[string]clock.Clock
	groups [][]string
}

func (f *fake) Nodes() []string                  { return []string{"n1", "n2", "n3"} }
func (f *fake) SetClock(n string, c clock.Clock) { f.clocks[n] = c }
func (f *fake) Partition(groups [][]string)      { f.groups = groups }
func (f *fake) Heal()                            { f.groups = nil }

func TestScheduleAlternatesAndUndoes(t *testing.T) {
	opts := DefaultOptions()
	opts.Kinds = Kinds
	nm := New(opts, []string{"n3", "n1", "n2"}, rand.New(rand.NewPCG(1, 2)))
	c := &fake{clocks: map[string]clock.Clock{}}
	var last int64
	active := map[string]bool{}
	for range 200 {
		st, ok := nm.Next()
		require.True(t, ok)
		require.GreaterOrEqual(t, st.At, last, "steps come in time order")
		last = st.At
		Apply(c, st.Fault)
		switch st.Fault.F {
		case Skew, Strobe:
			require.False(t, active["clock"], "a clock fault starts only after the last was reset")
			active["clock"] = true
		case Reset:
			require.True(t, active["clock"])
			active["clock"] = false
		case Partition:
			require.False(t, active["net"])
			require.Len(t, st.Fault.Groups, 2)
			require.Contains(t, st.Fault.Params, "groups")
			active["net"] = true
		case Heal:
			require.True(t, active["net"])
			active["net"] = false
		}
	}
	for _, f := range nm.Stop() {
		Apply(c, f)
	}
	assert.Nil(t, c.groups, "Stop heals the network")
	for n, clk := range c.clocks {
		assert.Equal(t, clock.Clock{}, clk, "Stop resets %s's clock", n)
	}
	assert.Empty(t, nm.Stop(), "nothing left to undo")
}

func TestFixedSkew(t *testing.T) {
	opts := DefaultOptions()
	opts.Kinds = []string{Skew}
	opts.Skew = map[string]int64{"n2": int64(5 * time.Second)}
	nm := New(opts, []string{"n1", "n2"}, rand.New(rand.NewPCG(1, 2)))
	st, _ := nm.Next()
	assert.Equal(t, Skew, st.Fault.F)
	assert.Equal(t, map[string]string{"n2": "+5s"}, st.Fault.Params)
	st, _ = nm.Next()
	assert.Equal(t, Reset, st.Fault.F)
	assert.Equal(t, map[string]string{"n2": "+0s"}, st.Fault.Params)
}

func TestNoKindsNoFaults(t *testing.T) {
	_, ok := New(Options{}, []string{"n1"}, rand.New(rand.NewPCG(1, 2))).Next()
	assert.False(t, ok)
}
