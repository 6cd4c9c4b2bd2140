package nemesis

import (
	"math/rand/v2"
	"time"
)

// Pause faults: only a cluster of real processes can take them.
const (
	Pause  = "pause"  // SIGSTOP a node's processes: it holds its connections and answers nothing
	Resume = "resume" // SIGCONT a paused node: it wakes up believing what it believed before
)

// PauseFault pauses node.
func PauseFault(node string) Fault {
	return Fault{F: Pause, Node: node, Params: map[string]string{"node": node}}
}

// ResumeFault resumes node after a pause.
func ResumeFault(node string) Fault {
	return Fault{F: Resume, Node: node, Params: map[string]string{"node": node}}
}

// Pauses schedules pause faults as Kills schedules kills: a random node is
// paused and resumed one spell later, then the cluster runs whole for a
// spell, and so on. One node is paused at a time.
type Pauses struct{ k *Kills }

var _ Schedule = (*Pauses)(nil)

// NewPauses returns a pause schedule for nodes, drawing from rng.
func NewPauses(interval time.Duration, nodes []string, rng *rand.Rand) *Pauses {
	return &Pauses{k: NewKills(interval, nodes, rng)}
}

// Next returns the next pause or resume; it always has one.
func (p *Pauses) Next() (Step, bool) {
	st, ok := p.k.Next()
	return Step{At: st.At, Fault: paused(st.Fault)}, ok
}

// Stop returns the resume of the node that is paused, if any.
func (p *Pauses) Stop() []Fault {
	out := p.k.Stop()
	for i, f := range out {
		out[i] = paused(f)
	}
	return out
}

// paused turns a kill into a pause and a restart into a resume.
func paused(f Fault) Fault {
	if f.F == Kill {
		return PauseFault(f.Node)
	}
	return ResumeFault(f.Node)
}
