package sim

import (
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// RunScript plays steps in order instead of a random workload; the
// configured nemesis is not used. It ends like Run: faults healed,
// convergence, final reads.
func RunScript(cfg harness.Config, steps []harness.Step, o Options) (*harness.Result, error) {
	cfg.Nemesis.Kinds = nil
	r, err := newRun(cfg, o)
	if err != nil {
		return nil, err
	}
	clients := map[string]*client{}
	for _, c := range r.clients {
		clients[c.id] = c
	}
	if err := harness.CheckSteps(steps, cfg.Clients, cfg.Nodes); err != nil {
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
