package shrink

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/experiment"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/runs"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// RequireShrinks shrinks cfg's failing run keeping finding and requires
// the shrunk run to fail the same way, be at least ten times smaller, and
// come out the same on a second shrink. It returns the shrunk run.
func requireShrinks(t *testing.T, cfg harness.Config, finding string) *Shrunk {
	t.Helper()
	s, err := Run(cfg, finding, checker.Options{})
	require.NoError(t, err)
	assert.Equal(t, finding, s.Finding)
	assert.False(t, s.Result.Valid)
	assert.Positive(t, s.Findings[finding], "the shrunk run still fails with %s", finding)
	assert.Equal(t, cfg.Strategy, s.Config.Strategy)
	assert.LessOrEqual(t, 10*s.After.Ops, s.Before.Ops, "%s", s.Describe())
	assert.LessOrEqual(t, 10*s.After.Events, s.Before.Events, "%s", s.Describe())
	t.Log(s.Describe())

	again, err := Run(cfg, finding, checker.Options{})
	require.NoError(t, err)
	assert.Equal(t, encode(t, s.History), encode(t, again.History), "shrinking is deterministic")
	assert.Equal(t, s.Runs, again.Runs)
	return s
}

func encode(t *testing.T, h []histories.Event) []byte {
	var b bytes.Buffer
	w := histories.NewWriter(&b)
	for i := range h {
		require.NoError(t, w.Write(&h[i]))
	}
	require.NoError(t, w.Flush())
	return b.Bytes()
}

func TestShrinkKeepsEachFindingKind(t *testing.T) {
	for _, tc := range []struct {
		finding checker.LostKind
		seed    uint64
		kinds   []string
	}{
		{checker.OverwrittenByOlder, 2, []string{nemesis.Skew, nemesis.Partition}},
		{checker.ConcurrentDropped, 1, []string{nemesis.Skew, nemesis.Partition}},
		{checker.SuppressedByTombstone, 2, []string{nemesis.Tombstone, nemesis.Partition}},
	} {
		t.Run(string(tc.finding), func(t *testing.T) {
			cfg := harness.DefaultConfig()
			cfg.Strategy, cfg.Seed, cfg.Nemesis.Kinds = "lww", tc.seed, tc.kinds
			requireShrinks(t, cfg, string(tc.finding))
		})
	}
}

// The default lww run shrinks toward its headline: a write lost to clock
// skew, with the clock fault that lost it.
func TestShrinkKeepsTheHeadline(t *testing.T) {
	cfg := harness.DefaultConfig()
	s, err := Run(cfg, "", checker.Options{})
	require.NoError(t, err)
	assert.Equal(t, experiment.FindingSkew, s.Finding)
	assert.Positive(t, s.Result.Summary.SkewLost)
	clockFault, started := false, 0
	for _, f := range s.Analysis.Faults {
		clockFault = clockFault || f.F == nemesis.Skew || f.F == nemesis.Strobe
		if f.F != nemesis.Reset && f.F != nemesis.Heal {
			started++
		}
	}
	assert.True(t, clockFault, "the shrunk run keeps a clock fault: %v", s.Analysis.Faults)
	assert.Equal(t, started, s.After.Faults, "the size counts the faults started, not their resets and heals: %v", s.Analysis.Faults)
	assert.Contains(t, experiment.FindingKinds, "skew", "--finding skew is accepted")
}

func TestShrunkRunFolderReplays(t *testing.T) {
	cfg := harness.DefaultConfig()
	cfg.Seed = 2
	s, err := Run(cfg, string(checker.OverwrittenByOlder), checker.Options{})
	require.NoError(t, err)
	r, err := Save(t.TempDir(), s, "clockwise shrink x", checker.Options{})
	require.NoError(t, err)
	assert.False(t, r.Result.Valid)
	assert.True(t, runs.Has(r.Dir, experiment.ScheduleFile))
	h, err := histories.ReadFile(r.Dir + "/" + runs.HistoryFile)
	require.NoError(t, err)
	assert.Equal(t, encode(t, s.History), encode(t, h), "the folder holds the shrunk run")

	_, err = Run(cfg, string(checker.SuppressedByTombstone), checker.Options{})
	assert.ErrorContains(t, err, "not invalid with suppressed-by-tombstone (its findings: ")
	assert.NotContains(t, err.Error(), "map[", "findings in words")
	cfg.Strategy = "vv"
	_, err = Run(cfg, "", checker.Options{})
	assert.ErrorContains(t, err, "valid")
}

func TestDDMin(t *testing.T) {
	runs := 0
	got := ddmin(100, func(keep []int) bool {
		runs++
		has := map[int]bool{}
		for _, k := range keep {
			has[k] = true
		}
		return has[13] && has[58] && has[99]
	})
	assert.Equal(t, []int{13, 58, 99}, got)
	assert.Less(t, runs, 200)
	assert.Empty(t, ddmin(5, func([]int) bool { return true }))
}
