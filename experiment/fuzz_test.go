package experiment

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/sim"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// FuzzCheckerCatchesPlantedLoss runs the simulator on a fuzzed shape, then
// plants a lost write in the history: an acknowledged write that no other
// write follows is taken out of every final read. The checker must never
// panic, and never call such a history valid.
func FuzzCheckerCatchesPlantedLoss(f *testing.F) {
	f.Add(uint64(1), uint8(3), uint8(3), uint8(2), uint8(0), uint16(200), uint8(0))
	f.Add(uint64(7), uint8(5), uint8(1), uint8(1), uint8(5), uint16(50), uint8(3))
	f.Add(uint64(42), uint8(1), uint8(8), uint8(6), uint8(2), uint16(400), uint8(9))
	strategies := []string{"vv", "dvv", "lww", "lamport", "truetime", "vv-pruned"}
	f.Fuzz(func(t *testing.T, seed uint64, nodes, clients, keys, mix uint8, ops uint16, pick uint8) {
		cfg := harness.DefaultConfig()
		cfg.Strategy = strategies[int(mix)%len(strategies)]
		cfg.Seed, cfg.Nodes, cfg.Clients, cfg.Keys = seed, 1+int(nodes%7), 1+int(clients%8), 1+int(keys%6)
		cfg.Ops = int(ops % 500)
		cfg.Mix = harness.Mix{Read: int(mix % 3), ReadWrite: 1 + int(mix%4), Blind: int(mix/4) % 3, Delete: int(mix/16) % 2, ReadElsewhere: int(mix/32) % 3}
		cfg.Nemesis.Kinds = nemesis.Kinds[:int(pick)%(len(nemesis.Kinds)+1)]
		res, err := sim.Run(cfg, nil, sim.Options{})
		require.NoError(t, err)
		h := res.History
		_, err = checker.Check(h, checker.Options{})
		require.NoError(t, err)

		// An acknowledged write in the final reads that no write's context
		// names: nothing follows it.
		named := map[string]bool{}
		acked := map[string]bool{}
		for _, e := range h {
			for _, id := range e.Context {
				named[id] = true
			}
			if e.Type == histories.OK && (e.F == histories.Write || e.F == histories.Delete) {
				acked[e.Write] = true
			}
		}
		var cands []string
		seen := map[string]bool{}
		for _, e := range h {
			if e.Process != histories.Final || e.Type != histories.OK {
				continue
			}
			for _, v := range e.Versions {
				if acked[v.Write] && !named[v.Write] && !seen[v.Write] {
					seen[v.Write] = true
					cands = append(cands, v.Write)
				}
			}
		}
		if len(cands) == 0 {
			return
		}
		victim := cands[int(pick)%len(cands)]
		planted := make([]histories.Event, len(h))
		copy(planted, h)
		for i, e := range planted {
			if e.Process != histories.Final || e.Type != histories.OK {
				continue
			}
			var vs []histories.Version
			for _, v := range e.Versions {
				if v.Write != victim {
					vs = append(vs, v)
				}
			}
			if vs == nil {
				vs = []histories.Version{}
			}
			planted[i].Versions = vs
		}
		r, err := checker.Check(planted, checker.Options{})
		require.NoError(t, err)
		require.False(t, r.Valid, "%s lost from the final reads, yet valid (%s seed %d)", victim, cfg.Strategy, seed)
		lost := false
		for _, l := range r.Lost {
			lost = lost || l.Write.Write == victim
		}
		require.True(t, lost, "%s is reported lost", victim)
	})
}
