package nemesis

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPausesAlternatePauseAndResumeOfOneNode(t *testing.T) {
	p := NewPauses(time.Second, []string{"n2", "n1", "n3"}, rand.New(rand.NewPCG(1, 4)))
	var last int64
	for i := range 10 {
		st, ok := p.Next()
		require.True(t, ok)
		assert.Greater(t, st.At, last)
		last = st.At
		if i%2 == 0 {
			assert.Equal(t, Pause, st.Fault.F)
		} else {
			assert.Equal(t, Resume, st.Fault.F)
		}
		assert.Equal(t, map[string]string{"node": st.Fault.Node}, st.Fault.Params)
	}
	st, _ := p.Next()
	require.Equal(t, Pause, st.Fault.F)
	undo := p.Stop()
	require.Len(t, undo, 1)
	assert.Equal(t, ResumeFault(st.Fault.Node), undo[0])
	assert.Empty(t, p.Stop(), "nothing is paused any more")
}

func TestPauseIsARealKind(t *testing.T) {
	kinds, err := ParseKinds("partition,pause")
	require.NoError(t, err)
	assert.Equal(t, []string{Partition, Pause}, kinds)
}
