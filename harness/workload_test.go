package harness

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/histories"
)

func TestBlindGeneratorReadsAndWritesBlindly(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Mix = Mix{Read: 1, Blind: 3}
	g := NewBlind(cfg)
	rng := rand.New(rand.NewPCG(1, 2))
	count := map[histories.Func]int{}
	for range 4000 {
		op := g.Next("c1", rng)
		require.Contains(t, []histories.Func{histories.Read, histories.Write}, op.F)
		assert.False(t, op.ReadFirst || op.AfterRead, "a blind workload never writes what it read")
		assert.NoError(t, ValidNode(op.Node, cfg.Nodes))
		count[op.F]++
	}
	assert.InDelta(t, 1000, count[histories.Read], 150)
}

func TestValidWorkload(t *testing.T) {
	assert.NoError(t, ValidWorkload(""))
	assert.NoError(t, ValidWorkload(Set))
	assert.ErrorContains(t, ValidWorkload("queue"), `unknown workload "queue" (known: register, set)`)
}
