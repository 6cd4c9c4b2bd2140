package checker_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/sim"
)

// Options.Explain explains the lost writes a report lists first and the
// first external violations, and finds, counts and orders every finding
// exactly as a check that explains them all.
func TestExplainBoundsOnlyTheWhy(t *testing.T) {
	cfg := harness.DefaultConfig()
	cfg.Strategy, cfg.Ops = "lww", 3000
	res, err := sim.Run(cfg, nil, sim.Options{})
	require.NoError(t, err)
	all, err := checker.Check(res.History, checker.Options{})
	require.NoError(t, err)
	const n = 25
	require.Greater(t, len(all.Lost), 4*n)
	require.Greater(t, len(all.External), 2*n)
	some, err := checker.Check(res.History, checker.Options{Explain: n})
	require.NoError(t, err)

	explained := map[int]bool{}
	for _, i := range checker.MostInteresting(all.Lost, n) {
		explained[i] = true
	}
	require.Len(t, explained, n)
	ranks := map[int]int{}
	for i := range all.Lost {
		require.NotEmpty(t, all.Lost[i].Why)
		if explained[i] {
			assert.Equal(t, all.Lost[i], some.Lost[i])
			ranks[checker.Interest(&all.Lost[i])]++
		} else {
			assert.Empty(t, some.Lost[i].Why)
			some.Lost[i].Why = all.Lost[i].Why
			assert.Equal(t, all.Lost[i], some.Lost[i], "the same finding, without its Why")
		}
	}
	for i := range all.External {
		if i < n {
			assert.NotEmpty(t, some.External[i].Why)
		} else {
			assert.Empty(t, some.External[i].Why)
		}
		some.External[i].Why = all.External[i].Why
	}
	assert.Equal(t, all, some)
	// The most interesting come first: no unexplained write outranks an
	// explained one.
	worst := 0
	for r := range ranks {
		worst = max(worst, r)
	}
	for i := range all.Lost {
		if !explained[i] {
			assert.GreaterOrEqual(t, checker.Interest(&all.Lost[i]), worst)
		}
	}
}
