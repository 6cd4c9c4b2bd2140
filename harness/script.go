package harness

import (
	"fmt"
	"time"

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

// CheckSteps reports the first step whose calls name a client other than
// c1…c<clients>, or whose calls or tombstone name a node other than
// n1…n<nodes>.
func CheckSteps(steps []Step, clients, nodes int) error {
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
