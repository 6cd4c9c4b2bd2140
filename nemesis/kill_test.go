package nemesis

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKillsAlternateAndStopRestarts(t *testing.T) {
	nodes := []string{"n3", "n1", "n2"}
	k := NewKills(100*time.Millisecond, nodes, rand.New(rand.NewPCG(1, 3)))
	var last int64
	var down string
	for i := range 20 {
		st, ok := k.Next()
		require.True(t, ok)
		assert.Greater(t, st.At, last, "steps come in time order")
		last = st.At
		if i%2 == 0 {
			require.Equal(t, Kill, st.Fault.F)
			assert.Contains(t, nodes, st.Fault.Node)
			down = st.Fault.Node
		} else {
			assert.Equal(t, RestartFault(down), st.Fault, "the killed node restarts next")
		}
	}
	assert.Empty(t, k.Stop(), "nobody is down")
	st, _ := k.Next()
	assert.Equal(t, []Fault{RestartFault(st.Fault.Node)}, k.Stop())
	assert.Empty(t, k.Stop())

	a := NewKills(time.Second, nodes, rand.New(rand.NewPCG(7, 3)))
	b := NewKills(time.Second, nodes, rand.New(rand.NewPCG(7, 3)))
	for range 10 {
		x, _ := a.Next()
		y, _ := b.Next()
		assert.Equal(t, x, y, "the same seed, the same schedule")
	}
}
