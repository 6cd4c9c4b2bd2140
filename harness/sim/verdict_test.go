package sim_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/sim"
	"github.com/clockwise-kv/clockwise/nemesis"
)

const epsilon = 7 * time.Millisecond

// verdict runs cfg and judges its history.
func verdict(t require.TestingT, cfg harness.Config) *checker.Result {
	res, err := sim.Run(cfg, nil, sim.Options{})
	require.NoError(t, err)
	require.True(t, res.Converged)
	result, err := checker.Check(res.History, checker.Options{})
	require.NoError(t, err)
	return result
}

// drawConfig draws a small randomized test of strategy under the given
// nemesis kinds, with skew offsets bounded by maxSkew.
func drawConfig(t *rapid.T, strategy string, kinds []string, maxSkew time.Duration) harness.Config {
	cfg := harness.DefaultConfig()
	cfg.Strategy = strategy
	cfg.Options.Epsilon = epsilon
	cfg.Seed = rapid.Uint64().Draw(t, "seed")
	cfg.Nodes = rapid.IntRange(2, 4).Draw(t, "nodes")
	cfg.Clients = rapid.IntRange(2, 6).Draw(t, "clients")
	cfg.Keys = rapid.IntRange(1, 3).Draw(t, "keys")
	cfg.Ops = rapid.IntRange(50, 250).Draw(t, "ops")
	cfg.Nemesis.Kinds = kinds
	cfg.Nemesis.MaxSkew = maxSkew
	cfg.Nemesis.Interval = time.Duration(rapid.IntRange(50, 500).Draw(t, "interval ms")) * time.Millisecond
	return cfg
}

// truetime while every clock stays within ε: a causally newer write is never
// overwritten by an older one, and timestamps follow real time.
func TestTrueTimeWithinEpsilon(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		kinds := rapid.SampledFrom([][]string{{nemesis.Skew}, {nemesis.Skew, nemesis.Partition}}).Draw(t, "nemesis")
		// (MaxSkew 0 would mean the nemesis's default of 5s.)
		skew := time.Duration(rapid.Int64Range(1, int64(epsilon/time.Millisecond)).Draw(t, "max skew ms")) * time.Millisecond
		cfg := drawConfig(t, "truetime", kinds, skew)
		// Fast links and eager clients make a read-then-write chain
		// shorter than the clocks' disagreement: the race a commit wait
		// must close. Many keys leave many final writes to judge, where
		// such a race shows as a loss.
		cfg.Keys = rapid.IntRange(1, 40).Draw(t, "many keys")
		cfg.Latency.Min = time.Duration(rapid.IntRange(0, 1000).Draw(t, "latency µs")) * time.Microsecond
		cfg.Latency.Mean = time.Duration(rapid.IntRange(0, 2000).Draw(t, "latency mean µs")) * time.Microsecond
		cfg.Think = time.Duration(rapid.IntRange(0, 5000).Draw(t, "think µs")) * time.Microsecond
		res := verdict(t, cfg)
		s := res.Summary
		assert.Zero(t, s.LostByKind[checker.OverwrittenByOlder], "overwritten-by-older with |skew| ≤ ε")
		assert.Zero(t, s.External, "external-consistency violations with |skew| ≤ ε: %v", res.External)
		assert.Equal(t, s.Acknowledged, s.Stamped, "every truetime write carries a timestamp")
		assert.Zero(t, s.SiblingReads, "truetime keeps no siblings")
		if s.Acknowledged > 0 {
			assert.GreaterOrEqual(t, s.CommitWait.P50, int64(2*epsilon), "the commit wait is at least 2ε")
		}
	})
}

// The seeds of the "loss comes back" tests: node n1's clock jumps 1s ahead
// (far beyond ε) on and off, on every seed.
func skewedBeyondEpsilon(strategy string, seed uint64) harness.Config {
	cfg := harness.DefaultConfig()
	cfg.Strategy, cfg.Seed, cfg.Ops = strategy, seed, 300
	cfg.Options.Epsilon = epsilon
	cfg.Nemesis.Kinds = []string{nemesis.Skew}
	cfg.Nemesis.Skew = map[string]int64{"n1": int64(time.Second)}
	cfg.Nemesis.Interval = 200 * time.Millisecond
	return cfg
}

const lossSeeds = 20

// Once a clock is off by more than ε, truetime's guarantee is gone: every
// seed breaks external consistency, and the causally newer write lost to an
// older one comes back on most seeds (it needs the older write to be the
// one that finally survives, which the workload does not always arrange).
func TestTrueTimeBeyondEpsilon(t *testing.T) {
	older := 0
	for seed := range uint64(lossSeeds) {
		s := verdict(t, skewedBeyondEpsilon("truetime", seed+1)).Summary
		assert.Positive(t, s.External, "seed %d: no external-consistency violation with skew 1s > ε", seed+1)
		if s.LostByKind[checker.OverwrittenByOlder] > 0 {
			older++
		}
	}
	assert.GreaterOrEqual(t, older, lossSeeds*3/4, "seeds with an overwritten-by-older loss")
}

// lww loses causally newer writes under the same skew.
func TestLWWLosesNewerWritesUnderSkew(t *testing.T) {
	older := 0
	for seed := range uint64(lossSeeds) {
		s := verdict(t, skewedBeyondEpsilon("lww", seed+1)).Summary
		assert.Positive(t, s.External, "seed %d", seed+1)
		assert.Positive(t, s.LostByKind[checker.ConcurrentDropped], "seed %d", seed+1)
		if s.LostByKind[checker.OverwrittenByOlder] > 0 {
			older++
		}
	}
	assert.GreaterOrEqual(t, older, lossSeeds*3/4, "seeds with an overwritten-by-older loss")
}

// lamport ignores the physical clocks: under any skew, strobe or partition,
// no read-then-write chain is broken, yet concurrent writes are dropped.
func TestLamportUnderSkew(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		kinds := rapid.SampledFrom([][]string{{nemesis.Skew}, {nemesis.Strobe}, {nemesis.Skew, nemesis.Partition}}).Draw(t, "nemesis")
		cfg := drawConfig(t, "lamport", kinds, 5*time.Second)
		cfg.Clients = rapid.IntRange(3, 6).Draw(t, "clients ≥ 3")
		cfg.Ops = rapid.IntRange(150, 250).Draw(t, "ops ≥ 150")
		s := verdict(t, cfg).Summary
		assert.Zero(t, s.LostByKind[checker.OverwrittenByOlder])
		assert.Positive(t, s.LostByKind[checker.ConcurrentDropped], "concurrent writes resolve to one winner")
		assert.Zero(t, s.SiblingReads)
	})
}

// vv never loses an acknowledged write, whatever the nemesis.
func TestVVNeverLoses(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		kinds := rapid.SampledFrom([][]string{nil, {nemesis.Skew}, {nemesis.Strobe}, {nemesis.Partition}, {nemesis.Skew, nemesis.Partition}}).Draw(t, "nemesis")
		res := verdict(t, drawConfig(t, "vv", kinds, 5*time.Second))
		assert.Zero(t, res.Summary.Lost, "%v", res.Lost)
		assert.Zero(t, res.Summary.Stamped, "vv stamps no timestamps")
		assert.True(t, res.Valid, res.Failures)
	})
}

// A register served by a single node, with no fault, is linearizable: the
// porcupine integration on real histories. With two replicas serving local
// reads it is not, and porcupine says so.
func TestSingleNodeRegistersAreLinearizable(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		strategy := rapid.SampledFrom([]string{"lww", "lamport", "truetime"}).Draw(t, "strategy")
		cfg := drawConfig(t, strategy, nil, 0)
		cfg.Nodes = 1
		res := verdict(t, cfg)
		assert.Equal(t, checker.Answer(checker.Valid), res.Summary.Linearizable, "%v", res.Linear)
		assert.Zero(t, res.Summary.External)
	})
	cfg := harness.DefaultConfig()
	cfg.Ops, cfg.Nemesis.Kinds = 300, nil
	assert.Equal(t, checker.Answer(checker.Invalid), verdict(t, cfg).Summary.Linearizable, "lww on three replicas serves stale reads")
}
