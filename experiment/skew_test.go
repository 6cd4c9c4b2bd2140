package experiment

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/sim"
	"github.com/clockwise-kv/clockwise/internal/historytest"
	"github.com/clockwise-kv/clockwise/internal/parallel"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// The losses the checker flags as lost to clock skew are exactly those an
// independent count over the history finds by the definition
// (historytest.SkewLosses), for the strategies that stamp with a physical
// clock under skew, partitions and far-future tombstones; without faults
// there are none.
func TestSkewLossesMatchAnIndependentCount(t *testing.T) {
	type trial struct {
		strategy, nemesis string
		seed              uint64
	}
	var trials []trial
	for seed := uint64(1); seed <= 3; seed++ {
		trials = append(trials,
			trial{"lww", "skew,partition", seed}, trial{"truetime", "skew,partition", seed},
			trial{"lww", "tombstone,skew", seed}, trial{"lww", "none", seed})
	}
	type count struct{ flagged, independent, lost int }
	got := make([]count, len(trials))
	require.NoError(t, errors.Join(parallel.Do(len(trials), 2, func(i int) error {
		tr := trials[i]
		cfg := harness.DefaultConfig()
		cfg.Strategy, cfg.Seed = tr.strategy, tr.seed
		kinds, err := nemesis.ParseKinds(tr.nemesis)
		if err != nil {
			return err
		}
		cfg.Nemesis.Kinds = kinds
		res, err := sim.Run(cfg, nil, sim.Options{})
		if err != nil {
			return err
		}
		r, err := checker.Check(res.History, checker.Options{})
		if err != nil {
			return err
		}
		got[i] = count{r.Summary.SkewLost, historytest.SkewLosses(res.History), r.Summary.Lost}
		return nil
	}, nil)...))
	for i, tr := range trials {
		name := fmt.Sprintf("%s %s seed %d", tr.strategy, tr.nemesis, tr.seed)
		t.Logf("%s: %d lost, %d lost to clock skew, independent count %d", name, got[i].lost, got[i].flagged, got[i].independent)
		assert.Equal(t, got[i].independent, got[i].flagged, name)
		if tr.nemesis == "none" {
			assert.Zero(t, got[i].flagged, name)
		}
	}
}
