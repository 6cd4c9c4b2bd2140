package sim_test

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/sim"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// tombConfig is a short random run with the tombstone nemesis (and extra
// kinds), a fault about every interval.
func tombConfig(strategy string, seed uint64, kinds ...string) harness.Config {
	cfg := harness.DefaultConfig()
	cfg.Strategy, cfg.Seed, cfg.Ops = strategy, seed, 300
	cfg.Nemesis.Kinds = append([]string{nemesis.Tombstone}, kinds...)
	cfg.Nemesis.Interval = 100 * time.Millisecond
	return cfg
}

func tombRun(t *testing.T, cfg harness.Config) (*harness.Result, *checker.Result, *checker.Graph) {
	t.Helper()
	res, err := sim.Run(cfg, nil, sim.Options{})
	require.NoError(t, err)
	a, err := checker.Analyze(res.History)
	require.NoError(t, err)
	result, err := a.Check(checker.Options{})
	require.NoError(t, err)
	return res, result, a.Graph
}

// tombstones returns the nemesis's acknowledged deletes.
func tombstones(g *checker.Graph, keys []string) []*checker.Write {
	var out []*checker.Write
	for _, k := range keys {
		for _, w := range g.Writes(k) {
			if w.Process == histories.Nemesis && w.Deleted && w.Type == histories.OK {
				out = append(out, w)
			}
		}
	}
	return out
}

func finalReads(h []histories.Event, key string) [][]histories.Version {
	var out [][]histories.Version
	for _, e := range h {
		if e.Process == histories.Final && e.Type == histories.OK && e.Key == key {
			out = append(out, e.Versions)
		}
	}
	return out
}

var tombKeys = []string{"k1", "k2", "k3"}

// Under lww every acknowledged write invoked after a tombstone on its key
// was acknowledged is reported suppressed-by-tombstone, with the tombstone
// as the winner, its timestamp an hour ahead and the key dead past the
// write; none is missed, the writes the delete had read are not blamed, and
// the final reads find the key missing.
func TestTombstoneNemesisLWW(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		res, result, g := tombRun(t, tombConfig("lww", seed))
		tombs := tombstones(g, tombKeys)
		require.NotEmpty(t, tombs, "seed %d: the nemesis deleted something", seed)
		lost := map[string]checker.Lost{}
		for _, l := range result.Lost {
			lost[l.Write.Write] = l
		}
		// What the nemesis read just before each delete.
		read := map[string][]histories.Version{}
		var last []histories.Version
		for _, e := range res.History {
			switch {
			case e.Process != histories.Nemesis:
			case e.F == histories.Read && e.Type == histories.OK:
				last = e.Versions
			case e.F == histories.Delete && e.Type == histories.Invoke:
				read[e.Write] = last
			}
		}
		later := 0
		for _, d := range tombs {
			for _, v := range read[d.Write] {
				assert.NotContains(t, lost, v.Write, "seed %d: %s was read by the delete %s, so it is not lost", seed, v.Write, d.Write)
			}
			for _, w := range g.Writes(d.Key) {
				if w.Type != histories.OK || w == d {
					continue
				}
				if g.Precedes(w, d) {
					assert.NotContains(t, lost, w.Write, "seed %d: %s precedes the delete %s, so it is not lost", seed, w.Write, d.Write)
				}
				if w.Start <= d.End || w.Process == histories.Nemesis {
					continue
				}
				later++
				l, ok := lost[w.Write]
				if !assert.True(t, ok, "seed %d: %s, written after the delete %s, is reported lost", seed, w.Write, d.Write) {
					continue
				}
				assert.Equal(t, checker.SuppressedByTombstone, l.Kind, "seed %d: %s", seed, w.Write)
				require.NotNil(t, l.Winner)
				assert.True(t, l.Winner.Deleted, "seed %d: %s lost to a tombstone", seed, w.Write)
				assert.Greater(t, l.Winner.TS-l.Write.TS, int64(59*time.Minute), "seed %d: %s: the tombstone is stamped an hour ahead", seed, w.Write)
				assert.Greater(t, l.Until, w.End+int64(59*time.Minute), "seed %d: %s: the key stays dead about an hour", seed, w.Write)
			}
			for _, vs := range finalReads(res.History, d.Key) {
				assert.False(t, histories.Found(vs), "seed %d: the final reads of %s find it missing: %v", seed, d.Key, vs)
			}
		}
		assert.Positive(t, later, "seed %d: some writes came after a tombstone", seed)
	}
}

// Under vv a tombstone is just another version: nothing is lost, a write
// concurrent with the delete is read next to the tombstone, and the
// replicas agree.
func TestTombstoneNemesisVV(t *testing.T) {
	res, result, g := tombRun(t, tombConfig("vv", 1, nemesis.Partition))
	require.NotEmpty(t, tombstones(g, tombKeys))
	assert.True(t, result.Valid, "%v", result.Failures)
	assert.Empty(t, result.Lost)
	assert.True(t, res.Converged)
	siblings := 0
	for _, e := range res.History {
		if e.F == histories.Read && e.Type == histories.OK && histories.Found(e.Versions) &&
			slices.ContainsFunc(e.Versions, func(v histories.Version) bool { return v.Deleted }) {
			siblings++
		}
	}
	assert.Positive(t, siblings, "some read returned a live version next to a tombstone")
}

// The scripted story, under every strategy: the writes the delete had read
// are not blamed on it and every replica ends with the same versions. Under
// lww the two writes after the delete are suppressed and x is missing; under
// vv the blind write is a sibling of the tombstone and the write that read
// both replaces them.
func TestTombstoneScenario(t *testing.T) {
	sc := harness.TombstoneScenario()
	for _, name := range strategies() {
		t.Run(name, func(t *testing.T) {
			res, err := sim.RunScript(sc.Config(name), sc.Steps, sim.Options{})
			require.NoError(t, err)
			result, err := checker.Check(res.History, checker.Options{})
			require.NoError(t, err)
			assert.Empty(t, result.Divergent)
			assert.Empty(t, result.Phantoms)
			lost := map[string]checker.Lost{}
			for _, l := range result.Lost {
				lost[l.Write.Write] = l
				if l.Write.Write == "w1" || l.Write.Write == "w2" {
					assert.NotEqual(t, checker.SuppressedByTombstone, l.Kind, "%s was written before the delete", l.Write.Write)
				}
			}

			var afterDelete []histories.Version // c2's read after the delete
			for _, e := range res.History {
				if e.Process == "c2" && e.F == histories.Read && e.Type == histories.OK && e.Time > 150*int64(time.Millisecond) {
					afterDelete = e.Versions
				}
			}
			finals := finalReads(res.History, "x")
			require.Len(t, finals, 3)
			for _, vs := range finals[1:] {
				assert.Equal(t, finals[0], vs, "every node holds the same versions")
			}
			switch name {
			case "lww":
				assert.True(t, res.Converged)
				assert.NotContains(t, lost, "w1", "read by the delete")
				assert.NotContains(t, lost, "w2", "read by the delete")
				require.Len(t, lost, 2, "%v", result.Lost)
				for _, id := range []string{"w4", "w5"} {
					assert.Equal(t, checker.SuppressedByTombstone, lost[id].Kind, id)
					assert.Equal(t, "d3", lost[id].Winner.Write, id)
					assert.Greater(t, lost[id].Until, int64(time.Hour), id)
				}
				assert.Equal(t, []histories.Version{{Write: "d3", Deleted: true}}, afterDelete)
				for _, vs := range finals {
					assert.Equal(t, []histories.Version{{Write: "d3", Deleted: true}}, vs, "x is missing")
				}
			case "vv":
				assert.True(t, res.Converged)
				assert.True(t, result.Valid, "%v", result.Failures)
				assert.Equal(t, []histories.Version{{Write: "d3", Deleted: true}, {Write: "w4", Value: "c"}}, afterDelete,
					"the blind write is a sibling of the tombstone")
				for _, vs := range finals {
					assert.Equal(t, []histories.Version{{Write: "w5", Value: "d"}}, vs, "the write that read the tombstone replaces it")
				}
			}
		})
	}
}

// Tombstones converge under every strategy, with deletes in the workload
// too, through partitions and skew: after heal and anti-entropy every node
// returns the same versions for every key. (Whether the run reports
// Converged also depends on acknowledgements: a strategy that waits out its
// commit timestamp may hold the far-future delete's for an hour.)
func TestTombstonesConvergeEveryStrategy(t *testing.T) {
	for _, name := range strategies() {
		t.Run(name, func(t *testing.T) {
			cfg := tombConfig(name, 4, nemesis.Partition, nemesis.Skew)
			cfg.Mix.Delete = 2
			res, result, g := tombRun(t, cfg)
			// Every strategy gets far-future deletes; a commit-wait strategy
			// holds them for the hour their timestamp lies ahead, so they
			// end indeterminate rather than acknowledged.
			var invoked int
			for _, k := range tombKeys {
				for _, w := range g.Writes(k) {
					if w.Process == histories.Nemesis && w.Deleted {
						invoked++
					}
				}
			}
			require.NotZero(t, invoked, "the nemesis deleted something")
			assert.Empty(t, result.Divergent)
			for _, k := range tombKeys {
				finals := finalReads(res.History, k)
				require.Len(t, finals, cfg.Nodes, k)
				for _, vs := range finals[1:] {
					assert.Equal(t, finals[0], vs, "%s: every node holds the same versions", k)
				}
			}
		})
	}
}

// The tombstone nemesis keeps a run a pure function of its seed, and its
// read and delete do not count against the workload's operations.
func TestTombstoneDeterministic(t *testing.T) {
	var runs [2]bytes.Buffer
	var res *harness.Result
	for i := range runs {
		var err error
		w := histories.NewWriter(&runs[i])
		res, err = sim.Run(tombConfig("lww", 9, nemesis.Partition, nemesis.Skew), nil, sim.Options{Sink: w})
		require.NoError(t, err)
	}
	assert.Equal(t, runs[0].String(), runs[1].String())
	workload, nemesisOps := 0, 0
	for _, e := range res.History {
		switch {
		case e.Type != histories.Invoke:
		case e.Process == histories.Nemesis:
			nemesisOps++
		case e.Process != histories.Final:
			workload++
		}
	}
	assert.Positive(t, nemesisOps)
	assert.Equal(t, workload, res.Ops)
}

func TestScriptTombstoneThroughUnknownNode(t *testing.T) {
	tomb := nemesis.TombstoneFault("n9", "x", time.Hour)
	sc := harness.TombstoneScenario()
	_, err := sim.RunScript(sc.Config("lww"), []harness.Step{{Fault: &tomb}}, sim.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"n9"`)
}

// Tombstones due faster than the nemesis can run them wait their turn: the
// nemesis never has two operations open, and every recorded tombstone is
// followed by its delete.
func TestTombstonesOneAtATime(t *testing.T) {
	cfg := tombConfig("lww", 3)
	cfg.Nemesis.Interval = time.Millisecond
	res, _, g := tombRun(t, cfg) // checker.Check rejects overlapping operations of one process
	faults, deletes := 0, 0
	for _, e := range res.History {
		switch {
		case e.IsFault() && e.F == nemesis.Tombstone:
			faults++
			require.NotNil(t, g.Write(e.Params["write"]), "the delete %s is in the history", e.Params["write"])
		case e.Process == histories.Nemesis && e.F == histories.Delete && e.Type == histories.Invoke:
			deletes++
		}
	}
	assert.Greater(t, faults, 10)
	assert.Equal(t, faults, deletes)
}

// A simulated script that names a client the run does not have is refused.
func TestScriptRefusesUnknownClients(t *testing.T) {
	sc := harness.SkewScenario()
	steps := []harness.Step{{Calls: []harness.Call{{Process: "c3", Op: harness.Op{F: histories.Read, Key: "x", Node: "n1"}}}}}
	_, err := sim.RunScript(sc.Config("lww"), steps, sim.Options{})
	require.ErrorContains(t, err, `script step 1: no client "c3"`)
}
