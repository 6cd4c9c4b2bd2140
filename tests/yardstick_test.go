package tests

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// The yardstick: a bare event loop, a heap holding six events per
// operation (a client operation's invoke and completion, and the four
// messages of its request and reply between nodes, as a simulator
// schedules them), popped in time order, and nothing else. What a run or a
// judgement costs is given as a multiple of it, measured in the same run on
// the same machine, so that a figure means the same on a fast machine and a
// slow or busy one: in time (×bare), and in CPU time (×bare-cpu: the
// process's user and system time over the loop's), which other work on a
// busy machine disturbs far less, though a process on two cores uses up to
// twice its time in CPU.

// event is one entry of the bare loop's heap.
type event struct {
	at int64 // when, in ns
	op int32 // the operation it belongs to
}

// bareLoop pushes six events for each of ops operations onto a binary heap,
// at random times spread as a run's are, then pops them all in time order.
// It returns a checksum of the order, so that nothing is optimized away.
func bareLoop(ops int) int64 {
	r := rand.New(rand.NewPCG(1, 2))
	h := make([]event, 0, 6*ops)
	for i := range ops {
		start := int64(i) * 20_000 // an operation every 20µs, each taking up to 100µs
		for range 6 {
			h = push(h, event{at: start + r.Int64N(100_000), op: int32(i)})
		}
	}
	var sum int64
	for n := int64(1); len(h) > 0; n++ {
		var e event
		h, e = pop(h)
		sum += n * int64(e.op)
	}
	return sum
}

func push(h []event, e event) []event {
	h = append(h, e)
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if h[p].at <= h[i].at {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
	return h
}

func pop(h []event) ([]event, event) {
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	for i := 0; ; {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && h[c+1].at < h[c].at {
			c++
		}
		if h[i].at <= h[c].at {
			break
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
	return h, top
}

// sink keeps the bare loop's checksum alive.
var sink int64

// bare times one bare loop of ops operations: how long it took, and the
// CPU time its thread used (user and system), which a busy machine
// disturbs less.
func bare(ops int) (wall, cpu time.Duration) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before := threadCPU()
	start := time.Now()
	sink += bareLoop(ops)
	return time.Since(start), threadCPU() - before
}

// threadCPU is the CPU time the calling thread has used.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		panic(err) // Linux has had RUSAGE_THREAD since 2.6.26
	}
	return cpuTime(&ru)
}

// rusageThread is Linux's RUSAGE_THREAD, which package syscall does not
// name.
const rusageThread = 1

// cpuTime is the user and system time ru counts.
func cpuTime(ru *syscall.Rusage) time.Duration {
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBareLoop is the yardstick itself, at the sizes the end-to-end
// benchmarks are measured against.
func BenchmarkBareLoop(b *testing.B) {
	for _, ops := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("ops=%d", ops), func(b *testing.B) {
			for b.Loop() {
				sink += bareLoop(ops)
			}
		})
	}
}

func TestBareLoopPopsInTimeOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var h []event
	for i := range 1000 {
		h = push(h, event{at: r.Int64N(100), op: int32(i)})
	}
	last := int64(-1)
	for len(h) > 0 {
		var e event
		h, e = pop(h)
		if e.at < last {
			t.Fatalf("popped %d after %d", e.at, last)
		}
		last = e.at
	}
}
