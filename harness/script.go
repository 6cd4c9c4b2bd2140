package harness

import (
	"fmt"
	"time"

	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// Call is an operation by a named client.
type Call struct {
	Process string // c1…cN
	Op
}

// Step is one moment of a script: a pause, then a fault (if any), then calls
// issued together. The step ends when every call has completed. A tombstone
// fault is an operation: the calls wait until its delete has completed.
type Step struct {
	Pause time.Duration
	Fault *nemesis.Fault
	Calls []Call
}

// checkSteps reports the first step whose calls name a client other than
// c1…c<clients>, or whose calls or tombstone name a node other than
// n1…n<nodes>.
func checkSteps(steps []Step, clients, nodes int) error {
	for i, st := range steps {
		if f := st.Fault; f != nil && f.F == nemesis.Tombstone && ValidNode(f.Node, nodes) != nil {
			return fmt.Errorf("harness: script step %d: tombstone through no node %q (nodes are n1…n%d)", i+1, f.Node, nodes)
		}
		for _, call := range st.Calls {
			if !numbered(call.Process, "c", clients) {
				return fmt.Errorf("harness: script step %d: no client %q (clients are c1…c%d)", i+1, call.Process, clients)
			}
			if ValidNode(call.Node, nodes) != nil {
				return fmt.Errorf("harness: script step %d: no node %q (nodes are n1…n%d)", i+1, call.Node, nodes)
			}
		}
	}
	return nil
}

// RunScript plays steps in order instead of a random workload; the
// configured nemesis is not used. It ends like Run: faults healed,
// convergence, final reads.
func RunScript(cfg Config, steps []Step, sink *histories.Writer) (*Result, error) {
	cfg.Nemesis.Kinds = nil
	r, err := newRun(cfg, sink)
	if err != nil {
		return nil, err
	}
	clients := map[string]*client{}
	for _, c := range r.clients {
		clients[c.id] = c
	}
	if err := checkSteps(steps, cfg.Clients, cfg.Nodes); err != nil {
		return nil, err
	}
	done := false
	var play func(i int)
	play = func(i int) {
		if i == len(steps) {
			done = true
			return
		}
		st := steps[i]
		calls := func() {
			left := len(st.Calls)
			if left == 0 {
				play(i + 1)
				return
			}
			for _, call := range st.Calls {
				clients[call.Process].do(call.Op, func() {
					if left--; left == 0 {
						play(i + 1)
					}
				})
			}
		}
		r.sim.after(int64(st.Pause), func() {
			switch {
			case st.Fault != nil && st.Fault.F == nemesis.Tombstone:
				r.tombstone(*st.Fault, calls) // the calls wait for the delete
			case st.Fault != nil:
				r.fault(*st.Fault)
				calls()
			default:
				calls()
			}
		})
	}
	play(0)
	r.sim.runUntil(func() bool { return done || r.rec.err != nil })
	return r.finish()
}
