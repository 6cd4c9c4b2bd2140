package sim_test

import (
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/sim"
	"github.com/clockwise-kv/clockwise/histories"
)

// benchRun runs cfg b.N times and reports client operations per second of
// wall time.
func benchRun(b *testing.B, cfg harness.Config) {
	ops := 0
	for b.Loop() {
		res, err := sim.Run(cfg, nil, sim.Options{})
		if err != nil {
			b.Fatal(err)
		}
		ops += res.Ops
	}
	b.ReportMetric(float64(ops)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkRun measures the simulator: client operations per second of
// wall time, for a 10,000-operation run under skew and partitions, for
// every strategy at 3 and 5 nodes.
func BenchmarkRun(b *testing.B) {
	for _, strategy := range strategies() {
		for _, nodes := range []int{3, 5} {
			b.Run(fmt.Sprintf("%s/nodes=%d", strategy, nodes), func(b *testing.B) {
				cfg := config(strategy, 1, 10_000)
				cfg.Nodes = nodes
				benchRun(b, cfg)
			})
		}
	}
}

// BenchmarkRun100k is BenchmarkRun for a 100,000-operation run on 3 nodes:
// the size of a long randomized check.
func BenchmarkRun100k(b *testing.B) {
	for _, strategy := range strategies() {
		b.Run(strategy, func(b *testing.B) { benchRun(b, config(strategy, 1, 100_000)) })
	}
}

// BenchmarkCommitWait reports truetime's measured commit wait (the mean of
// meta.wait over acknowledged writes) as a multiple of 2ε, with no faults:
// the ideal is 1.
func BenchmarkCommitWait(b *testing.B) {
	for _, eps := range []time.Duration{time.Millisecond, 7 * time.Millisecond, 50 * time.Millisecond} {
		b.Run(fmt.Sprintf("eps=%v", eps), func(b *testing.B) {
			cfg := config("truetime", 1, 2000)
			cfg.Options.Epsilon = eps
			cfg.Nemesis.Kinds = nil
			var sum, n, most int64
			for b.Loop() {
				res, err := sim.Run(cfg, nil, sim.Options{})
				if err != nil {
					b.Fatal(err)
				}
				for _, e := range res.History {
					if e.Type == histories.OK && e.IsWrite() && e.Meta != nil {
						sum += e.Meta.Wait
						most = max(most, e.Meta.Wait)
						n++
					}
				}
			}
			if n == 0 {
				b.Fatal("no acknowledged write")
			}
			b.ReportMetric(float64(sum)/float64(n)/float64(2*eps), "commit-wait/2ε")
			b.ReportMetric(float64(most)/float64(2*eps), "max-commit-wait/2ε")
		})
	}
}

// BenchmarkRunMemory runs a 1,000,000-operation lww run whose history is
// streamed to a discarding sink and reports the peak of the heap's live and
// not yet swept objects during the run, sampled every 10,000 operations.
// history=kept also keeps the history in the Result, as Run does by
// default; history=streamed sets Options.Stream.
func BenchmarkRunMemory(b *testing.B) {
	b.Run("history=kept", func(b *testing.B) { benchMemory(b, config("lww", 1, 1_000_000), false) })
	b.Run("history=streamed", func(b *testing.B) { benchMemory(b, config("lww", 1, 1_000_000), true) })
}

func benchMemory(b *testing.B, cfg harness.Config, stream bool) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	progress := func(done, _ int) {
		if done%10_000 == 0 {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
		}
	}
	for b.Loop() {
		runtime.GC()
		res, err := sim.Run(cfg, nil, sim.Options{Sink: histories.NewWriter(io.Discard), Stream: stream, Progress: progress})
		if err != nil {
			b.Fatal(err)
		}
		runtime.KeepAlive(res)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}
