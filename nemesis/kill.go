package nemesis

import (
	"math/rand/v2"
	"slices"
	"time"
)

// Process faults: only a cluster of real processes can take them.
const (
	Kill    = "kill"    // SIGKILL a node's process: what it kept on disk survives, its memory does not
	Restart = "restart" // start a killed (or crashed) node again
)

// KillFault kills node.
func KillFault(node string) Fault {
	return Fault{F: Kill, Node: node, Params: map[string]string{"node": node}}
}

// RestartFault starts node again after a kill.
func RestartFault(node string) Fault {
	return Fault{F: Restart, Node: node, Params: map[string]string{"node": node}}
}

// Kills schedules kill faults: a random node is killed and restarted one
// spell later, then the cluster runs whole for a spell, and so on; each
// spell lasts between half and one and a half intervals, as the Nemesis's
// do. One node is down at a time.
type Kills struct {
	nm   *Nemesis
	next int64
	down string // the node killed and not yet restarted
}

// NewKills returns a kill schedule for nodes, drawing from rng.
func NewKills(interval time.Duration, nodes []string, rng *rand.Rand) *Kills {
	nm := &Nemesis{opts: Options{Interval: interval}, nodes: slices.Sorted(slices.Values(nodes)), rng: rng}
	return &Kills{nm: nm, next: nm.spell()}
}

// Next returns the next kill or restart; it always has one.
func (k *Kills) Next() (Step, bool) {
	at := k.next
	var f Fault
	if k.down != "" {
		f, k.down = RestartFault(k.down), ""
	} else {
		k.down = k.nm.pick()
		f = KillFault(k.down)
	}
	k.next = at + k.nm.spell()
	return Step{At: at, Fault: f}, true
}

// Stop returns the restart of the node that is down, if any.
func (k *Kills) Stop() []Fault {
	if k.down == "" {
		return nil
	}
	f := RestartFault(k.down)
	k.down = ""
	return []Fault{f}
}
