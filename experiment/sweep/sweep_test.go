package sweep

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/experiment"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/internal/runs"
	"github.com/clockwise-kv/clockwise/nemesis"
)

func TestParseSeeds(t *testing.T) {
	for text, want := range map[string]Seeds{"1-1000": {1, 1000}, "200": {1, 200}, " 5 - 5 ": {5, 5}, "0-3": {0, 3}} {
		got, err := ParseSeeds(text)
		require.NoError(t, err, text)
		assert.Equal(t, want, got, text)
	}
	for _, text := range []string{"", "0", "a-b", "5-1", "1-", "-3", "1-2-3", "0-18446744073709551615"} {
		_, err := ParseSeeds(text)
		assert.Error(t, err, text)
	}
}

func TestShardsCoverTheRangeOnce(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7, 10, 13} {
		seeds := Seeds{From: 5, To: 14} // 10 seeds
		next := seeds.From
		for i := range n {
			s, ok := Shard{I: i, N: n}.Slice(seeds)
			if !ok {
				assert.Greater(t, n, 10)
				continue
			}
			assert.Equal(t, next, s.From, "shard %d/%d starts where the last ended", i, n)
			assert.LessOrEqual(t, s.Len(), uint64(10/n+1))
			next = s.To + 1
		}
		assert.Equal(t, seeds.To+1, next, "%d shards cover every seed", n)
	}
	for _, text := range []string{"4/4", "-1/2", "1", "a/b", "0/0"} {
		_, err := ParseShard(text)
		assert.Error(t, err, text)
	}
	sh, err := ParseShard("2/4")
	require.NoError(t, err)
	assert.Equal(t, Shard{2, 4}, sh)
}

func sweepPlan(strategy string, seeds Seeds, ops int) Plan {
	cfg := harness.DefaultConfig()
	cfg.Strategy, cfg.Ops = strategy, ops
	cfg.Nemesis.Kinds = nemesis.Kinds
	return Plan{Config: cfg, Seeds: seeds, Shard: Shard{N: 1}, Parallel: 2, Keep: 2, Options: checker.Options{}}
}

// TestSweepShardsMergeToTheWholeSweep: the merged summaries of a sweep's
// shards are the whole sweep's.
func TestSweepShardsMergeToTheWholeSweep(t *testing.T) {
	p := sweepPlan("lww", Seeds{1, 12}, 200)
	whole, err := Run(p, t.TempDir())
	require.NoError(t, err)
	assert.Equal(t, 12, whole.Run)
	assert.Equal(t, whole.Run, whole.Valid+whole.Invalid+whole.Unknown)
	assert.True(t, whole.Failed(), "lww loses writes under skew")
	assert.Len(t, whole.Failing, whole.Invalid+whole.Unknown)

	var parts []*Summary
	for i := range 3 {
		p.Shard = Shard{I: i, N: 3}
		s, err := Run(p, t.TempDir())
		require.NoError(t, err)
		assert.Equal(t, 4, s.Run)
		parts = append(parts, s)
	}
	merged, err := Merge([]*Summary{parts[2], parts[0], parts[1]})
	require.NoError(t, err)
	assert.Equal(t, []Shard{{0, 3}, {1, 3}, {2, 3}}, merged.Shards)
	for _, s := range []*Summary{merged, whole} {
		s.Wall, s.Shards, s.Dir = 0, nil, ""
		for i := range s.Failing {
			s.Failing[i].Dir = ""
		}
	}
	assert.Equal(t, whole, merged)

	_, err = Merge([]*Summary{parts[0], parts[0]})
	assert.ErrorContains(t, err, "merged twice")
	other := *parts[1]
	other.Strategy = "vv"
	_, err = Merge([]*Summary{parts[0], &other})
	assert.ErrorContains(t, err, "differ")
}

// TestSweepKeepsFailingFolders: only failing seeds get a run folder, at
// most Keep of them, and a kept folder holds the run the sweep judged.
func TestSweepKeepsFailingFolders(t *testing.T) {
	dir := t.TempDir()
	s, err := Run(sweepPlan("lww", Seeds{1, 5}, 200), dir)
	require.NoError(t, err)
	require.Equal(t, 5, s.Invalid)
	kept := 0
	for _, f := range s.Failing {
		if f.Dir == "" {
			continue
		}
		kept++
		info, err := runs.ReadInfo(f.Dir)
		require.NoError(t, err)
		assert.Equal(t, f.Seed, info.Seed)
		assert.Equal(t, f.Lost, info.Summary.Lost, "the folder's run is the run the sweep judged")
		assert.Equal(t, f.Command, info.Command)
	}
	assert.Equal(t, 2, kept)
	back, err := Read(dir)
	require.NoError(t, err)
	assert.Equal(t, s.Failing, back.Failing)

	vv, err := Run(sweepPlan("vv", Seeds{1, 5}, 200), filepath.Join(t.TempDir(), "vv"))
	require.NoError(t, err)
	assert.False(t, vv.Failed())
	assert.Equal(t, 5, vv.Valid)
}

// TestVaryIsRecordedAndReplays: a varied seed's shape comes from the seed
// alone, differs between seeds, and its run.json records it.
func TestVaryIsRecordedAndReplays(t *testing.T) {
	cfg := harness.DefaultConfig()
	shapes := map[[3]int]bool{}
	for seed := uint64(1); seed <= 40; seed++ {
		cfg.Seed = seed
		a, argsA := Vary(cfg)
		b, argsB := Vary(cfg)
		assert.Equal(t, argsA, argsB)
		assert.Equal(t, a, b)
		require.NoError(t, a.Validate())
		assert.True(t, a.Nodes >= 3 && a.Nodes <= 7)
		assert.True(t, a.Nemesis.Interval >= 50*time.Millisecond)
		shapes[[3]int{a.Nodes, a.Clients, a.Keys}] = true
	}
	assert.Greater(t, len(shapes), 10, "seeds give different shapes")

	p := sweepPlan("lww", Seeds{3, 4}, 200)
	p.Vary = true
	s, err := Run(p, t.TempDir())
	require.NoError(t, err)
	require.NotEmpty(t, s.Failing)
	f := s.Failing[0]
	require.NotEmpty(t, f.Dir)
	info, err := runs.ReadInfo(f.Dir)
	require.NoError(t, err)
	assert.Equal(t, f.Vary, info.Vary)
	assert.Contains(t, info.Command, "--mix "+experiment.ShellQuote(info.Vary["mix"]))
	assert.Contains(t, info.Command, "--nodes "+info.Vary["nodes"])
}
