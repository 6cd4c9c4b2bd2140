package tests

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/sim"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/runs"
)

// runBinary runs clockwise with args b.N times, each a process of its own,
// and reports its peak resident memory (the largest over the runs, from
// the kernel's accounting of the child) and client operations per second
// when ops is set. When yard is set, each run is followed by a bare loop
// of yard operations (the yardstick, untimed), and the runs' total time as
// a multiple of the loops' is reported as ×bare, their CPU time as a
// multiple of the loops' as ×bare-cpu: measured in turns, the two see the
// same machine. Exit 1 (invalid) is a verdict, not an error.
func runBinary(b *testing.B, ops, yard int, args ...string) {
	b.Helper()
	var peak int64
	var run, loop, runCPU, loopCPU time.Duration
	for b.Loop() {
		cmd := exec.Command(binary, args...)
		start := time.Now()
		out, err := cmd.CombinedOutput()
		run += time.Since(start)
		var ee *exec.ExitError
		if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
			b.Fatalf("clockwise %v: %v\n%s", args, err, out)
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			peak = max(peak, ru.Maxrss) // KiB on Linux
			runCPU += cpuTime(ru)
		}
		if yard > 0 {
			b.StopTimer()
			wall, cpu := bare(yard)
			loop, loopCPU = loop+wall, loopCPU+cpu
			b.StartTimer()
		}
	}
	b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB") // benchstat reads MiB as 2^20 bytes
	if ops > 0 {
		b.ReportMetric(float64(ops)*float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	}
	if yard > 0 {
		b.ReportMetric(run.Seconds()/loop.Seconds(), "×bare")
		b.ReportMetric(runCPU.Seconds()/loopCPU.Seconds(), "×bare-cpu")
	}
}

// BenchmarkCheck100k measures `clockwise check --ops 100000` end to end,
// as a user runs it: the simulated run, the history on disk, the verdict
// and the whole run folder (results.json, report.txt, report.html and
// porcupine's page), for every strategy under the default faults, as a
// multiple of the bare loop of 100,000 operations too (×bare).
func BenchmarkCheck100k(b *testing.B) {
	for _, s := range []string{"lww", "lamport", "truetime", "vv", "vv-pruned", "dvv"} {
		b.Run(s, func(b *testing.B) {
			runBinary(b, 100_000, 100_000, "check", "--strategy", s, "--ops", "100000", "--out", b.TempDir())
		})
	}
}

// BenchmarkCheck1M measures a 1,000,000-operation lww check end to end:
// its peak memory is the figure to watch.
func BenchmarkCheck1M(b *testing.B) {
	runBinary(b, 1_000_000, 0, "check", "--strategy", "lww", "--ops", "1000000", "--out", b.TempDir())
}

// history returns the path of a stored history of strategy with ops
// client operations under the default faults, simulated (and streamed to
// disk) once per test binary, in TestMain's temporary folder.
func history(b *testing.B, strategy string, ops int) string {
	path := filepath.Join(scratch, fmt.Sprintf("%s-%d.jsonl", strategy, ops))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	cfg := harness.DefaultConfig()
	cfg.Strategy, cfg.Ops = strategy, ops
	if err := runs.Record(path, func(w *histories.Writer) error {
		_, err := sim.Run(cfg, nil, sim.Options{Sink: w, Stream: true})
		return err
	}); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkAnalyze measures `clockwise analyze` of a stored lww history of
// 10,000, 100,000 and 1,000,000 operations (the strategy with the most to
// explain: nearly every write lost) and of a vv history of 100,000 (every
// read's siblings searched for stale ones), with its peak memory, and as a
// multiple of the bare loop of as many operations (×bare).
func BenchmarkAnalyze(b *testing.B) {
	for _, c := range []struct {
		strategy string
		ops      int
	}{{"lww", 10_000}, {"lww", 100_000}, {"lww", 1_000_000}, {"vv", 100_000}} {
		b.Run(fmt.Sprintf("%s/ops=%d", c.strategy, c.ops), func(b *testing.B) {
			path := history(b, c.strategy, c.ops)
			b.ResetTimer()
			runBinary(b, 0, c.ops, "analyze", path)
		})
	}
}
