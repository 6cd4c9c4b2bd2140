package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/experiment/shrink"
	"github.com/clockwise-kv/clockwise/experiment/sweep"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/nemesis"
	"github.com/clockwise-kv/clockwise/store"
)

// A mutant is a realistic store bug, planted through a strategy that wraps
// a real one and judged by a sweep of harness runs. A bug in what a node
// sends rather than in its strategy is a wireMutant, planted on the wire by
// the tests' own driver (driver_test.go).
type mutant struct {
	name string
	base string // the strategy it breaks
	// wrap returns the broken strategy around the real one.
	wrap func(s store.Strategy) store.Strategy
	// shape sets the workload and faults that give the bug a chance.
	shape func(cfg *harness.Config)
	// finding is the kind of finding a sweep must name: a lost-write kind,
	// or divergent, stale… (sweep.Outcome.Findings)
	finding string
	gate    []string
}

// wrapped is a strategy with some methods replaced.
type wrapped struct {
	store.Strategy
	name  string
	put   func(obj store.Object, w store.Write, now int64) (store.Object, store.Stamp)
	merge func(local, remote store.Object) store.Object
	read  func(obj store.Object) ([]store.Version, store.Context)
}

func (w *wrapped) Name() string { return w.name }

func (w *wrapped) Put(obj store.Object, wr store.Write, now int64) (store.Object, store.Stamp) {
	if w.put != nil {
		return w.put(obj, wr, now)
	}
	return w.Strategy.Put(obj, wr, now)
}

func (w *wrapped) Merge(local, remote store.Object) store.Object {
	if w.merge != nil {
		return w.merge(local, remote)
	}
	return w.Strategy.Merge(local, remote)
}

func (w *wrapped) Read(obj store.Object) ([]store.Version, store.Context) {
	if w.read != nil {
		return w.read(obj)
	}
	return w.Strategy.Read(obj)
}

func withCrashes(cfg *harness.Config) {
	cfg.Nemesis.Kinds = []string{nemesis.Crash}
	cfg.Nemesis.Interval = 100 * time.Millisecond
}

func readElsewhere(cfg *harness.Config) { cfg.Mix.ReadElsewhere = 4 }

func holds(obj store.Object, write string) bool {
	return slices.ContainsFunc(obj.Siblings, func(s store.Sibling) bool { return s.Write == write })
}

// mutants is the mutation table: every bug here must be caught by a small
// sweep, with the finding named.
var mutants = []mutant{
	{name: "merge drops a sibling", base: "vv", finding: string(checker.ConcurrentDropped),
		wrap: func(s store.Strategy) store.Strategy {
			return &wrapped{Strategy: s, merge: func(local, remote store.Object) store.Object {
				out := s.Merge(local, remote)
				if len(out.Siblings) > len(local.Siblings) && len(out.Siblings) > len(remote.Siblings) && len(remote.Siblings) > 0 {
					drop := remote.Siblings[len(remote.Siblings)-1].Write
					out.Siblings = slices.DeleteFunc(slices.Clone(out.Siblings), func(x store.Sibling) bool { return x.Write == drop })
				}
				return out
			}}
		}},
	{name: "compare treats concurrent as descends", base: "vv", finding: string(checker.ConcurrentDropped), shape: readElsewhere,
		wrap: func(s store.Strategy) store.Strategy {
			return &wrapped{Strategy: s, put: func(obj store.Object, w store.Write, now int64) (store.Object, store.Stamp) {
				if w.Context.Clock.Compare(obj.Clock) == store.Concurrent {
					w.Context.Clock = w.Context.Clock.Merge(obj.Clock)
				}
				return s.Put(obj, w, now)
			}}
		}},
	{name: "dvv sync forgets a dot", base: "dvv", finding: string(checker.Missing),
		wrap: func(s store.Strategy) store.Strategy {
			return &wrapped{Strategy: s, merge: func(local, remote store.Object) store.Object {
				out := s.Merge(local, remote)
				out.Siblings = slices.Clone(out.Siblings)
				for i, x := range out.Siblings {
					if !holds(local, x.Write) {
						out.Siblings[i].Dot = store.Dot{} // the version came over without its dot
					}
				}
				return out
			}}
		}},
	{name: "coordinator acknowledges before applying", base: "vv", finding: string(checker.ConcurrentDropped), shape: withCrashes,
		wrap: func(s store.Strategy) store.Strategy {
			var later []store.Write // acknowledged, applied at the next merge
			w := &wrapped{Strategy: s}
			w.put = func(obj store.Object, wr store.Write, now int64) (store.Object, store.Stamp) {
				_, st := s.Put(obj, wr, now)
				later = append(later, wr)
				return obj, st
			}
			w.merge = func(local, remote store.Object) store.Object {
				out := s.Merge(local, remote)
				for _, wr := range later {
					out, _ = s.Put(out, wr, 0)
				}
				later = later[:0]
				return out
			}
			return w
		}},
	{name: "lww tie-break ignores the node", base: "lww", finding: "divergent",
		shape: func(cfg *harness.Config) {
			cfg.Nemesis.Kinds, cfg.ClockResolution, cfg.Mix = nil, 10*time.Millisecond, harness.Mix{Blind: 1}
			cfg.Keys, cfg.Clients, cfg.Think = 20, 10, time.Millisecond
		},
		wrap: func(s store.Strategy) store.Strategy {
			keep := func(local, remote store.Object) store.Object { // on a tie, what the replica holds stays
				if len(local.Siblings) == 0 || len(remote.Siblings) > 0 && remote.Siblings[0].TS > local.Siblings[0].TS {
					return remote
				}
				return local
			}
			return &wrapped{Strategy: s, merge: keep, put: func(obj store.Object, w store.Write, now int64) (store.Object, store.Stamp) {
				out, st := s.Put(store.Object{}, w, now)
				return keep(obj, out), st
			}}
		}},
	{name: "a read returns one sibling", base: "vv", finding: string(checker.ConcurrentDropped),
		wrap: func(s store.Strategy) store.Strategy {
			return &wrapped{Strategy: s, read: func(obj store.Object) ([]store.Version, store.Context) {
				vs, ctx := s.Read(obj)
				return vs[:min(len(vs), 1)], ctx
			}}
		}},
	// The merged context lacks the peer's dots, so a client that read
	// through this node writes with a context that does not cover the
	// versions it read: they stay as stale siblings, which dvv promises
	// never to keep.
	{name: "dvv sync does not join the peer's context", base: "dvv", finding: "stale", gate: []string{checker.GateStale},
		wrap: func(s store.Strategy) store.Strategy {
			return &wrapped{Strategy: s, merge: func(local, remote store.Object) store.Object {
				out := s.Merge(local, remote)
				out.Clock = local.Clock
				return out
			}}
		}},
	// A read that builds every version from the first sibling's value: the
	// ids are right, the values are not.
	{name: "siblings all report the first sibling's value", base: "vv", finding: "corrupted",
		wrap: func(s store.Strategy) store.Strategy {
			return &wrapped{Strategy: s, read: func(obj store.Object) ([]store.Version, store.Context) {
				vs, ctx := s.Read(obj)
				vs = slices.Clone(vs)
				for i := range vs {
					vs[i].Value = vs[0].Value
				}
				return vs, ctx
			}}
		}},
	// A merge that resolves concurrent siblings by marking them deleted:
	// acknowledged writes come back as tombstones.
	{name: "merge turns siblings into tombstones", base: "vv", finding: "corrupted",
		wrap: func(s store.Strategy) store.Strategy {
			return &wrapped{Strategy: s, merge: func(local, remote store.Object) store.Object {
				out := s.Merge(local, remote)
				if len(out.Siblings) > 1 {
					out.Siblings = slices.Clone(out.Siblings)
					for i := range out.Siblings[1:] {
						out.Siblings[i+1].Deleted = true
					}
				}
				return out
			}}
		}},
}

// caught reports how many of a sweep's seeds name the finding.
func caught(s *sweep.Summary, finding string) int {
	n := 0
	for _, f := range s.Failing {
		if f.Findings[finding] > 0 {
			n++
		}
	}
	return n
}

// register registers the mutant's broken strategy until remove.
func register(m mutant) (remove func()) {
	return store.RegisterForTest(mutantName(m), func(node string, opts store.Options) store.Strategy {
		s, err := store.New(m.base, node, opts)
		if err != nil {
			panic(err)
		}
		w := m.wrap(s)
		if ww, ok := w.(*wrapped); ok {
			ww.name = mutantName(m)
		}
		return w
	})
}

func mutantName(m mutant) string { return "mutant-" + strings.ReplaceAll(m.name, " ", "-") }

// TestMutantsAreCaught: a sweep of a few seeds catches every planted store
// bug, with the finding it must name, while the same sweep of the real
// strategy never names that finding.
func TestMutantsAreCaught(t *testing.T) {
	const seeds = 8
	t.Logf("| bug | strategy | finding | seeds caught | real strategy |")
	for _, m := range mutants {
		t.Run(m.name, func(t *testing.T) {
			cfg := harness.DefaultConfig()
			cfg.Ops = 300
			if m.shape != nil {
				m.shape(&cfg)
			}
			sweepOf := func(strategy string) *sweep.Summary {
				c := cfg
				c.Strategy = strategy
				p := sweep.Plan{Config: c, Seeds: sweep.Seeds{From: 1, To: seeds}, Shard: sweep.Shard{N: 1},
					Keep: 0, Options: checker.Options{Gate: m.gate}}
				s, err := sweep.Run(p, t.TempDir())
				require.NoError(t, err)
				return s
			}
			real := caught(sweepOf(m.base), m.finding)
			defer register(m)()
			broken := sweepOf(mutantName(m))
			got := caught(broken, m.finding)
			kinds := map[string]int{}
			for _, f := range broken.Failing {
				for k, n := range f.Findings {
					kinds[k] += n
				}
			}
			t.Logf("| %s | %s | %s | %d of %d | %d | %v", m.name, m.base, m.finding, got, seeds, real, kinds)
			assert.Positive(t, got, "no seed names %s", m.finding)
			assert.Zero(t, real, "the real %s must not name %s under the same sweep", m.base, m.finding)
		})
	}
}

// TestShrinkABrokenStrategy: a planted bug's failing run shrinks to a run
// at least ten times smaller that still fails with the same finding, the
// same way every time.
func TestShrinkABrokenStrategy(t *testing.T) {
	m := mutants[0] // merge drops a sibling
	defer register(m)()
	cfg := harness.DefaultConfig()
	cfg.Strategy, cfg.Seed = mutantName(m), 3
	s, err := shrink.Run(cfg, m.finding, checker.Options{})
	require.NoError(t, err)
	t.Log(s.Describe())
	assert.False(t, s.Result.Valid)
	assert.Positive(t, s.Findings[m.finding])
	assert.LessOrEqual(t, 10*s.After.Ops, s.Before.Ops)
	again, err := shrink.Run(cfg, m.finding, checker.Options{})
	require.NoError(t, err)
	assert.Equal(t, s.History, again.History, "shrinking is deterministic")

	real := cfg
	real.Strategy = m.base
	_, err = shrink.Run(real, m.finding, checker.Options{})
	assert.Error(t, err, "the real strategy has nothing to shrink")
}

// A wireMutant is a realistic bug in what a node sends, planted by the
// driver's filter on the node's outgoing messages.
type wireMutant struct {
	name    string
	drive   drive
	filter  filter
	finding func(s checker.Summary) int // how many of the finding a check names
}

// syncSkips leaves the objects skip picks out of anti-entropy: out of the
// Sync a node answers a Digest with (the keys it wants stay) and out of the
// Replicate it answers a Sync with (one left empty is not sent).
func syncSkips(skip func(store.Keyed) bool) filter {
	return func(_ string, _ []string, cause store.Kind, out []store.Message) []store.Message {
		switch cause {
		case store.Digest:
			return without(out, store.Sync, skip, true)
		case store.Sync:
			return without(out, store.Replicate, skip, false)
		}
		return out
	}
}

func divergent(s checker.Summary) int { return s.Divergent }

var wireMutants = []wireMutant{
	{name: "anti-entropy skips a key", finding: divergent,
		drive:  drive{strategy: "vv", nodes: 3, clients: 4, keys: 3, ops: 300, mix: [4]int{3, 4, 2, 2}, partitions: true, syncEvery: 20},
		filter: syncSkips(func(k store.Keyed) bool { return k.Key == "k1" })},
	{name: "anti-entropy skips a tombstone", finding: divergent,
		drive: drive{strategy: "vv", nodes: 3, clients: 4, keys: 8, ops: 300, mix: [4]int{2, 2, 0, 4}, partitions: true, syncEvery: 20},
		filter: syncSkips(func(k store.Keyed) bool {
			return len(k.Object.Siblings) > 0 && !slices.ContainsFunc(k.Object.Siblings, func(s store.Sibling) bool { return !s.Deleted })
		})},
	// An off-by-one in the replication loop: the first peer never hears of
	// a write but by anti-entropy. With two nodes no peer does, and a
	// crash before the next round loses the write.
	{name: "replication skips a peer", finding: func(s checker.Summary) int { return s.LostByKind[checker.ConcurrentDropped] },
		drive: drive{strategy: "vv", nodes: 2, clients: 4, keys: 3, ops: 300, mix: [4]int{3, 4, 2, 0}, crashes: true, syncEvery: 20},
		filter: func(_ string, peers []string, cause store.Kind, out []store.Message) []store.Message {
			if cause != store.Put {
				return out
			}
			return slices.DeleteFunc(slices.Clone(out), func(m store.Message) bool { return m.Kind == store.Replicate && m.To == peers[0] })
		}},
}

// TestWireMutantsAreCaught: the checker names the finding in some of a few
// seeds' runs of every bug planted on the wire, and never in the same runs
// without it.
func TestWireMutantsAreCaught(t *testing.T) {
	const seeds = 8
	for _, m := range wireMutants {
		t.Run(m.name, func(t *testing.T) {
			got, real := 0, 0
			for seed := uint64(1); seed <= seeds; seed++ {
				d := m.drive
				d.seed = seed
				r, err := run(d)
				require.NoError(t, err)
				real += min(1, m.finding(r.Summary))
				assert.Equal(t, checker.Valid, r.Verdict, "seed %d without the bug: %v %v", seed, r.Failures, r.Unknown)
				assert.Positive(t, r.Summary.Acknowledged, "seed %d acknowledged no write", seed)
				d.filter = m.filter
				r, err = run(d)
				require.NoError(t, err)
				got += min(1, m.finding(r.Summary))
			}
			t.Logf("| %s | %s | %d of %d | %d |", m.name, m.drive.strategy, got, seeds, real)
			assert.Positive(t, got, "no seed's run names the bug's finding")
			assert.Zero(t, real, "the real %s must not name the finding under the same runs", m.drive.strategy)
		})
	}
}

// run drives one run and judges it.
func run(d drive) (*checker.Result, error) {
	r, err := newDriver(d)
	if err != nil {
		return nil, err
	}
	return r.run()
}
