package harness_test

import (
	"fmt"
	"testing"

	"github.com/clockwise-kv/clockwise/harness"
)

// BenchmarkRun measures the simulator: client operations per second of
// wall time, for a 10,000-operation run under skew and partitions.
func BenchmarkRun(b *testing.B) {
	for _, strategy := range []string{"lww", "vv"} {
		for _, nodes := range []int{3, 5} {
			b.Run(fmt.Sprintf("%s/nodes=%d", strategy, nodes), func(b *testing.B) {
				cfg := config(strategy, 1, 10_000)
				cfg.Nodes = nodes
				ops := 0
				for b.Loop() {
					res, err := harness.Run(cfg, nil, nil)
					if err != nil {
						b.Fatal(err)
					}
					ops += res.Ops
				}
				b.ReportMetric(float64(ops)/b.Elapsed().Seconds(), "ops/s")
			})
		}
	}
}
