package harness

import (
	"context"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// ThinkTime is how long a client waits before its next operation: up to
// c.Think, drawn from the client's rng (nothing drawn when Think is 0).
func (c *Config) ThinkTime(rng *rand.Rand) time.Duration {
	if c.Think <= 0 {
		return 0
	}
	return time.Duration(rng.Int64N(int64(c.Think) + 1))
}

// Recorder is a real run's history as it is made, for the runners of real
// processes (harness/live, harness/dblive): each event is stamped with the
// next index and the true time since Begin, read under its lock so that
// times never go back, kept, and streamed to a sink. It counts the
// workload's completed operations for a progress callback. Its methods are
// safe for concurrent use.
type Recorder struct {
	sink     *histories.Writer
	progress func(done, total int)
	total    int
	failed   func() // called when the sink fails

	start      time.Time
	progressMu sync.Mutex // serialises progress

	mu   sync.Mutex // guards below
	h    []histories.Event
	err  error // the sink's
	ops  int   // workload operations invoked
	done int   // and completed
}

// NewRecorder records to sink, if not nil, and calls progress, if not nil,
// as each of the total operations completes (Completed), one call at a
// time. failed, if not nil, is called when the sink first fails: the run
// should stop.
func NewRecorder(sink *histories.Writer, progress func(done, total int), total int, failed func()) *Recorder {
	return &Recorder{sink: sink, progress: progress, total: total, failed: failed, start: time.Now()}
}

// Begin starts the run's clock: times are ns since now.
func (r *Recorder) Begin() { r.start = time.Now() }

// Start is when the run's clock started.
func (r *Recorder) Start() time.Time { return r.start }

// Now is the true time of the run: ns since Begin, monotonic.
func (r *Recorder) Now() int64 { return int64(time.Since(r.start)) }

// Add stamps e with the next index and the current time, records it and
// streams it.
func (r *Recorder) Add(e histories.Event) histories.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.add(e)
}

func (r *Recorder) add(e histories.Event) histories.Event {
	e.Index = len(r.h)
	e.Time = r.Now()
	r.h = append(r.h, e)
	if r.sink != nil && r.err == nil {
		if r.err = r.sink.Write(&r.h[len(r.h)-1]); r.err != nil && r.failed != nil {
			r.failed()
		}
	}
	return e
}

// AddAfter runs do with no event recorded meanwhile, then, if it
// succeeded, records e: a fault that breaks requests (a kill) is recorded
// before the requests it broke.
func (r *Recorder) AddAfter(do func() error, e histories.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := do(); err != nil {
		return err
	}
	r.add(e)
	return nil
}

// Fault records f as the nemesis's: an info event with f's name and
// parameters.
func (r *Recorder) Fault(f nemesis.Fault) {
	r.Add(FaultEvent(f))
}

// FaultEvent is the nemesis's event of f.
func FaultEvent(f nemesis.Fault) histories.Event {
	return histories.Event{Process: histories.Nemesis, Type: histories.Info, F: histories.Func(f.F), Params: f.Params}
}

// Clocks records a clock fault f that some nodes took: as f with the
// parameters of those applied, and skipped for the others, with why.
func (r *Recorder) Clocks(f nemesis.Fault, applied map[string]string, why []string) {
	if len(applied) > 0 {
		r.Fault(nemesis.Fault{F: f.F, Params: applied})
	}
	if len(why) > 0 {
		skipped := maps.Clone(f.Params)
		for n := range applied {
			delete(skipped, n)
		}
		r.Skip(f.F, skipped, strings.Join(why, "; "))
	}
}

// Undo is the faults that put a cluster back together, in order: a
// restart of each node down, a heal if a partition is in force, and the
// skewed clocks back on true time.
func Undo(down []string, cut bool, skewed []string) []nemesis.Fault {
	var out []nemesis.Fault
	for _, n := range down {
		out = append(out, nemesis.RestartFault(n))
	}
	if cut {
		out = append(out, nemesis.HealFault())
	}
	if len(skewed) > 0 {
		clocks := map[string]clock.Clock{}
		for _, n := range skewed {
			clocks[n] = clock.Clock{}
		}
		out = append(out, nemesis.ResetFault(clocks))
	}
	return out
}

// Marked is the names m marks true, in order.
func Marked(m map[string]bool) []string {
	var out []string
	for _, n := range slices.Sorted(maps.Keys(m)) {
		if m[n] {
			out = append(out, n)
		}
	}
	return out
}

// Restart restarts the node of the restart fault f: skipped when down
// says it was not killed, recorded as it begins (the node serves before
// restart returns), and skipped with restart's error when it fails. It
// reports whether the node runs again.
func (r *Recorder) Restart(f nemesis.Fault, down bool, restart func() error) bool {
	if !down {
		r.Skip(f.F, f.Params, f.Node+" was not killed")
		return false
	}
	r.Fault(f)
	if err := restart(); err != nil {
		r.Skip(f.F, f.Params, err.Error())
		return false
	}
	return true
}

// Skip records a fault the cluster did not take: f "skipped", the fault's
// name and parameters and why in its parameters, and why in error.
func (r *Recorder) Skip(f string, params map[string]string, why string) {
	p := maps.Clone(params)
	if p == nil {
		p = map[string]string{}
	}
	p["fault"], p["why"] = f, why
	r.Add(histories.Event{Process: histories.Nemesis, Type: histories.Info, F: histories.Skipped, Params: p, Error: "skipped: " + why})
}

// Invoked counts a workload operation invoked (Result.Ops).
func (r *Recorder) Invoked() {
	r.mu.Lock()
	r.ops++
	r.mu.Unlock()
}

// Completed counts a workload operation completed and reports the count
// to the progress callback.
func (r *Recorder) Completed() {
	r.mu.Lock()
	r.done++
	done := r.done
	r.mu.Unlock()
	if r.progress != nil {
		r.progressMu.Lock()
		r.progress(done, r.total)
		r.progressMu.Unlock()
	}
}

// Err is the sink's error, if it failed.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Result flushes the sink and returns what was recorded, with the sink's
// error if it failed.
func (r *Recorder) Result(converged bool) (*Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil && r.sink != nil {
		r.err = r.sink.Flush()
	}
	return &Result{History: r.h, Converged: converged, Duration: time.Duration(r.Now()), Ops: r.ops}, r.err
}

// ReadFinal takes a final read: read, tried until it succeeds, FinalTries
// times at most, or until ctx ends.
func ReadFinal(ctx context.Context, read func() histories.Type) {
	for try := 1; read() != histories.OK && try < FinalTries && ctx.Err() == nil; try++ {
	}
}
