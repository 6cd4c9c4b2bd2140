package tests

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/clockwise-kv/clockwise/harness/live"
)

// BenchmarkRealCluster measures client operations per second against three
// `clockwise node` processes on loopback, with no faults: b.N operations by
// concurrent clients with no think time, the final convergence wait and
// reads included. The history is kept in memory, not written. The default
// mix on 3 keys: with many more clients vv's stale siblings pile up (every
// read and replicated object carries hundreds of versions) and throughput
// falls with them, a property of vv, not of the transport.
func BenchmarkRealCluster(b *testing.B) {
	for _, strategy := range []string{"lww", "vv", "dvv"} {
		for _, clients := range []int{8} {
			b.Run(fmt.Sprintf("%s/clients=%d", strategy, clients), func(b *testing.B) {
				cfg := config(strategy, b.N)
				cfg.Clients, cfg.Think = clients, 0
				cfg.Timeout = 5 * time.Second
				l, err := live.StartLocal(context.Background(), cfg, live.LocalOptions{Binary: binary})
				if err != nil {
					b.Fatal(err)
				}
				defer l.Close()
				b.ResetTimer()
				res, err := live.Run(context.Background(), cfg, l, nil, live.Options{})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if res.Ops != b.N {
					b.Fatalf("%d operations ran, want %d", res.Ops, b.N)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
			})
		}
	}
}
