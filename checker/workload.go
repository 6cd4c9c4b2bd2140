package checker

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/histories"
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
// its set holds.
const Absent LostKind = "absent"

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
		cuts := partitions(faults)
		for i := range c.res.Lost {
			l := &c.res.Lost[i]
			l.Kind, l.Winner, l.WinnerTime, l.Inverted, l.Above, l.AboveRead, l.Skew, l.Until = Absent, nil, "", nil, nil, false, false, 0
			l.Isolated = isolated(cuts, l.Write)
			ack := "acknowledged"
			if l.Write.Type != histories.OK {
				ack = "of unknown outcome but read"
			}
			l.Why = fmt.Sprintf("%s added %q to %s through %s (%s, %s to %s) and no final read of %s holds it",
				l.Write.Write, l.Write.Value, l.Key, l.Write.Node, ack, runTime(l.Write.Start), runTime(l.Write.End), l.Key)
			if l.Isolated != "" {
				l.Why += "; " + l.Write.Node + " was cut off by the partition " + l.Isolated
			}
		}
		c.whyLost = nil
	}
}

// cut is a partition in force from one time to another (end -1: never
// healed).
type cut struct {
	groups     string
	start, end int64
}

// partitions lists the partitions of a history's faults with their spells.
func partitions(faults []Fault) []cut {
	var cuts []cut
	for _, f := range faults {
		switch f.F {
		case "partition":
			if n := len(cuts); n > 0 && cuts[n-1].end < 0 {
				cuts[n-1].end = f.Time
			}
			cuts = append(cuts, cut{groups: f.Params["groups"], start: f.Time, end: -1})
		case "heal":
			if n := len(cuts); n > 0 && cuts[n-1].end < 0 {
				cuts[n-1].end = f.Time
			}
		}
	}
	return cuts
}

// isolated names the partition, and its spell, that cut w's node off from
// the majority of the nodes while w was under way, or else the last one
// that had before w began (a node on the minority side may go on taking
// writes after the heal until it learns it was replaced); "" when none did.
func isolated(cuts []cut, w *Ref) string {
	end := w.End
	if end < 0 {
		end = 1<<63 - 1
	}
	spell := func(c cut) string {
		until := "never healed"
		if c.end >= 0 {
			until = "healed at " + runTime(c.end)
		}
		return fmt.Sprintf("%s (from %s, %s)", c.groups, runTime(c.start), until)
	}
	before := ""
	for _, c := range cuts {
		if c.start > end || !minority(c.groups, w.Node) {
			continue
		}
		if c.end >= 0 && c.end < w.Start {
			before = spell(c) + ", before this write"
			continue
		}
		return spell(c)
	}
	return before
}

// minority reports whether node is in a group smaller than half of the
// nodes the groups "n1 | n2 n3" name.
func minority(groups, node string) bool {
	total, mine := 0, -1
	for _, g := range strings.Split(groups, "|") {
		f := strings.Fields(g)
		total += len(f)
		if slices.Contains(f, node) {
			mine = len(f)
		}
	}
	return mine >= 0 && 2*mine <= total
}

// runTime writes a run time, in ns, for a reader: "3.21s".
func runTime(ns int64) string {
	if ns < 0 {
		return "never"
	}
	return time.Duration(ns).Round(time.Millisecond).String()
}
