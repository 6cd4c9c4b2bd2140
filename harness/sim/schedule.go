package sim

import (
	"math/rand/v2"

	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// Schedule is a random run's workload as it was generated: each client's
// operations in order, and the nemesis's faults at the true times they
// were applied. RunRecorded writes one down; Replay plays one back, the
// same run byte for byte when nothing was taken out of it, so removing
// operations and faults from a failing run's schedule (shrinking) keeps
// every other choice the run made.
type Schedule struct {
	Ops    map[string][]harness.Op `json:"ops"`    // client → its operations, the last few perhaps never started
	Faults []nemesis.Step          `json:"faults"` // the faults applied, in time order
	// Stop are the faults the nemesis gave to undo what it had under way
	// when the workload ended.
	Stop []nemesis.Fault `json:"stop"`
}

// Cost is how many client operations the schedule's operations invoke: a
// read-then-write is two.
func (s *Schedule) Cost() int {
	n := 0
	for _, ops := range s.Ops {
		for _, op := range ops {
			n++
			if op.ReadFirst {
				n++
			}
		}
	}
	return n
}

// recording is the random generator writing down what it generates.
type recording struct {
	g   harness.Generator
	ops map[string][]harness.Op
}

func (r *recording) Next(client string, rng *rand.Rand) harness.Op {
	op := r.g.Next(client, rng)
	r.ops[client] = append(r.ops[client], op)
	return op
}

// replaying hands each client its recorded operations. It still asks the
// random generator for one, and drops it, so each client draws from its
// stream as it did: its think times are the recorded run's until an
// operation is missing.
type replaying struct {
	g    harness.Generator
	ops  map[string][]harness.Op
	next map[string]int
}

func (r *replaying) Next(client string, rng *rand.Rand) harness.Op {
	r.g.Next(client, rng)
	i := r.next[client]
	if i >= len(r.ops[client]) {
		return harness.Op{} // no more: the client stops
	}
	r.next[client]++
	return r.ops[client][i]
}

// fixed is a recorded list of faults.
type fixed struct {
	steps []nemesis.Step
	stop  []nemesis.Fault
}

func (f *fixed) Next() (nemesis.Step, bool) {
	if len(f.steps) == 0 {
		return nemesis.Step{}, false
	}
	st := f.steps[0]
	f.steps = f.steps[1:]
	return st, true
}

func (f *fixed) Stop() []nemesis.Fault { return f.stop }

var _ nemesis.Schedule = (*fixed)(nil)

// RunRecorded is Run with the random generator, and returns the schedule
// it generated too.
func RunRecorded(cfg harness.Config, o Options) (*harness.Result, *Schedule, error) {
	r, err := newRun(cfg, o)
	if err != nil {
		return nil, nil, err
	}
	s := &Schedule{Ops: map[string][]harness.Op{}, Faults: []nemesis.Step{}}
	r.record = s
	res, err := r.play(&recording{g: harness.NewGenerator(cfg), ops: s.Ops})
	if err != nil {
		return nil, nil, err
	}
	return res, s, nil
}

// Replay plays a recorded schedule under cfg instead of a random workload
// and the configured nemesis: each client runs its operations in order,
// at most cfg.Ops of them, and stops when they run out; each fault comes at
// its recorded time. It ends like Run.
func Replay(cfg harness.Config, s *Schedule, o Options) (*harness.Result, error) {
	r, err := newRun(cfg, o)
	if err != nil {
		return nil, err
	}
	r.nm = &fixed{steps: s.Faults, stop: s.Stop}
	return r.play(&replaying{g: harness.NewGenerator(cfg), ops: s.Ops, next: map[string]int{}})
}
