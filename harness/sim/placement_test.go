package sim_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/sim"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/store"
)

func play(t *testing.T, sc harness.Scenario, strategy string) *checker.Result {
	t.Helper()
	res, err := sim.RunScript(sc.Config(strategy), sc.Steps, sim.Options{})
	require.NoError(t, err)
	require.True(t, res.Converged)
	result, err := checker.Check(res.History, checker.Options{})
	require.NoError(t, err)
	return result
}

// Pruning by wall-clock age loses an acknowledged write: n3's slow clock
// makes its own fresh entry the oldest, so w3 carries the clock of what its
// client read, and w4, which read the same, replaces it.
func TestPruneScenarioLosesAWrite(t *testing.T) {
	result := play(t, harness.PruneScenario(), "vv-pruned")
	assert.False(t, result.Valid)
	require.Len(t, result.Lost, 1)
	l := result.Lost[0]
	assert.Equal(t, "w3", l.Write.Write)
	assert.Equal(t, checker.ConcurrentDropped, l.Kind)
	require.NotNil(t, l.Winner)
	assert.Equal(t, "w4", l.Winner.Write)

	// Unpruned vectors keep both.
	result = play(t, harness.PruneScenario(), "vv")
	assert.True(t, result.Valid)
	assert.Empty(t, result.Lost)
	assert.Equal(t, []string{"w3", "w4"}, result.Keys[0].Final)
}

// The DVV paper's sibling explosion: vv keeps a version its writer had
// read (stale), dvv keeps exactly the concurrent ones.
func TestSiblingsScenario(t *testing.T) {
	result := play(t, harness.SiblingsScenario(), "vv")
	assert.Equal(t, []string{"w1", "w2", "w3"}, result.Keys[0].Final)
	require.NotEmpty(t, result.Stale)
	assert.Equal(t, "w1", result.Stale[0].Write.Write)
	assert.Equal(t, "w3", result.Stale[0].Newer.Write)
	assert.True(t, result.Stale[0].Final)

	result = play(t, harness.SiblingsScenario(), "dvv")
	assert.True(t, result.Valid)
	assert.Empty(t, result.Stale)
	assert.Equal(t, []string{"w2", "w3"}, result.Keys[0].Final)
	assert.True(t, result.Keys[0].Preserved)
}

func TestTurnsSendEachKeysWritesToTheNodesInTurn(t *testing.T) {
	cfg := harness.DefaultConfig()
	cfg.Nodes, cfg.Keys = 4, 2
	cfg.Mix = harness.Mix{Read: 1, ReadWrite: 1, Blind: 1, Delete: 1}
	gen := harness.NewTurns(cfg)
	rng := rand.New(rand.NewPCG(1, 2))
	next := map[string]int{}
	writes := 0
	for range 200 {
		op := gen.Next("c1", rng)
		if op.F == histories.Read {
			continue
		}
		writes++
		assert.Equal(t, fmt.Sprintf("n%d", next[op.Key]%4+1), op.Node, "write %d of %s", next[op.Key], op.Key)
		next[op.Key]++
	}
	assert.Greater(t, writes, 100)
}

// dvv with placement, under partitions and skew, on 10 nodes: nothing lost,
// nothing stale, every key's context within its 3 replicas, which alone
// coordinate its writes; the replicas converge and every node answers a
// final read of every key.
func TestDVVPlacementRun(t *testing.T) {
	cfg := harness.DefaultConfig()
	cfg.Strategy, cfg.Nodes, cfg.Ops = "dvv", 10, 400
	res, err := sim.Run(cfg, harness.NewTurns(cfg), sim.Options{})
	require.NoError(t, err)
	assert.True(t, res.Converged)
	result, err := checker.Check(res.History, checker.Options{})
	require.NoError(t, err)
	assert.True(t, result.Valid, "%v", result.Failures)
	assert.Zero(t, result.Summary.Stale)
	assert.Positive(t, result.Summary.Acknowledged)

	var nodes []string
	for i := 1; i <= cfg.Nodes; i++ {
		nodes = append(nodes, fmt.Sprintf("n%d", i))
	}
	ring, err := store.NewRing(nodes, 3)
	require.NoError(t, err)
	finals := map[string][]string{}
	via := map[string]bool{}
	for _, e := range res.History {
		switch {
		case e.Process == histories.Final && e.Type == histories.OK: // a read that failed is tried again
			finals[e.Key] = append(finals[e.Key], e.Node)
		case e.IsWrite() && e.Type == histories.OK:
			require.NotNil(t, e.Meta)
			require.NotNil(t, e.Meta.Dot)
			assert.LessOrEqual(t, len(e.Meta.VV), 3)
			assert.True(t, ring.Holds(e.Key, e.Meta.Dot.Node), "%s coordinated by %s, not a replica", e.Write, e.Meta.Dot.Node)
			for n := range e.Meta.VV {
				assert.True(t, ring.Holds(e.Key, n), "%s's context names %s", e.Write, n)
			}
			via[e.Node] = true
		}
	}
	assert.Len(t, via, cfg.Nodes, "clients wrote through every node")
	for k, ns := range finals {
		assert.ElementsMatch(t, nodes, ns, "final reads of %s", k)
	}
}

func TestPlacementRunIsDeterministic(t *testing.T) {
	cfg := harness.DefaultConfig()
	cfg.Strategy, cfg.Nodes, cfg.Ops = "dvv", 7, 200
	var out [2]bytes.Buffer
	for i := range out {
		res, err := sim.Run(cfg, nil, sim.Options{})
		require.NoError(t, err)
		require.NoError(t, histories.Encode(&out[i], res.History))
	}
	assert.Equal(t, out[0].String(), out[1].String())
}

// With node actors and every node taking writes, the vector of each key
// grows to one entry per node; vv-pruned stops at its cap.
func TestVectorsGrowWithCoordinators(t *testing.T) {
	for _, c := range []struct {
		strategy string
		want     int
	}{{"vv", 8}, {"vv-pruned", 4}} {
		cfg := harness.DefaultConfig()
		cfg.Strategy, cfg.Nodes, cfg.Ops, cfg.Keys = c.strategy, 8, 200, 2
		cfg.Options.Prune = 4
		res, err := sim.Run(cfg, harness.NewTurns(cfg), sim.Options{})
		require.NoError(t, err)
		a, err := checker.Analyze(res.History)
		require.NoError(t, err)
		keys := a.Metadata()
		require.Len(t, keys, 2)
		for _, k := range keys {
			assert.Equal(t, c.want, k.Entries, "%s: entries of %s", c.strategy, k.Key)
			assert.Equal(t, 8, k.Via)
		}
	}
}
