package checker

import (
	"fmt"
	"slices"
	"strings"

	"github.com/clockwise-kv/clockwise/checker/explain"
	"github.com/clockwise-kv/clockwise/checker/results"
)

// Workloads the checker judges apart from the store's own (contexts,
// siblings, deletes), as Options.Workload names them: stores without
// contexts, such as real databases, run them.
const (
	// WorkloadRegister is single-key reads and blind writes of unique
	// values: a write overwrites the key, so an overwritten write is not
	// lost. Each key's linearizability (porcupine) gates the verdict, as
	// --gate linearizable does, and lost writes are not reported.
	WorkloadRegister = "register"
	// WorkloadSet is Jepsen's set: each write adds its own element to its
	// key's set, and a read returns every element. A write acknowledged (or
	// indeterminate and read) that no final read holds is lost (Absent),
	// named with the partition that isolated the node that served it.
	WorkloadSet = "set"
)

// Workloads lists the workloads Options.Workload may name.
var Workloads = []string{WorkloadRegister, WorkloadSet}

// Absent is the kind of a write of the set workload that no final read of
// its set holds (results.Absent).
const Absent = results.Absent

// validWorkload reports an unknown workload.
func validWorkload(w string) error {
	if w == "" || slices.Contains(Workloads, w) {
		return nil
	}
	return fmt.Errorf("checker: unknown workload %q (known: %s)", w, strings.Join(Workloads, ", "))
}

// gated reports whether gate name applies: Options.Gate names it, or the
// workload implies it (the register workload's linearizability).
func (o *Options) gated(name string) bool {
	return slices.Contains(o.Gate, name) || (o.Workload == WorkloadRegister && name == GateLinearizable)
}

// gatedBy says what applied gate name: " (gated by --gate name)", or the
// workload that implies it.
func (o *Options) gatedBy(name string) string {
	if slices.Contains(o.Gate, name) {
		return fmt.Sprintf(" (gated by --gate %s)", name)
	}
	return fmt.Sprintf(" (gated by the %s workload)", o.Workload)
}

// workload recasts the lost writes the key checks found for the workload:
// the register's are overwrites and no finding; the set's are elements
// absent from the final reads, each explained with the partition in force
// when its node served it.
func (c *check) workload(w string, faults []Fault) {
	c.res.Workload = w
	switch w {
	case WorkloadRegister:
		c.res.Lost, c.whyLost = c.res.Lost[:0], c.whyLost[:0]
	case WorkloadSet:
		cuts := explain.Partitions(faults)
		for i := range c.res.Lost {
			l := &c.res.Lost[i]
			l.Kind, l.Winner, l.WinnerTime, l.Inverted, l.Above, l.AboveRead, l.Skew, l.Until = Absent, nil, "", nil, nil, false, false, 0
			l.Isolated = explain.Isolated(cuts, l.Write)
			l.Why = explain.Absent(l)
		}
		c.whyLost = nil
	}
}
