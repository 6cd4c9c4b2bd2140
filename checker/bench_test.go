package checker_test

import (
	"testing"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/sim"
)

// BenchmarkCheck judges a 100,000-operation history. lww loses most writes
// (every loss is classified and explained); vv keeps siblings (stale-sibling
// search on every multi-version read).
func BenchmarkCheck(b *testing.B) {
	for _, strategy := range []string{"lww", "vv"} {
		b.Run(strategy+"/ops=100000", func(b *testing.B) {
			cfg := harness.DefaultConfig()
			cfg.Strategy, cfg.Ops = strategy, 100_000
			res, err := sim.Run(cfg, nil, sim.Options{})
			if err != nil {
				b.Fatal(err)
			}
			h := res.History
			b.ResetTimer()
			for b.Loop() {
				if _, err := checker.Check(h, checker.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(h)), "events")
		})
	}
}
