package explain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/checker/results"
	"github.com/clockwise-kv/clockwise/histories"
)

// Absent is the Why of an element of a set lost: added, and absent from
// every final read of its key; the partition that cut its node off, when
// l.Isolated names one.
func Absent(l *results.Lost) string {
	ack := "acknowledged"
	if l.Write.Type != histories.OK {
		ack = "of unknown outcome but read"
	}
	why := fmt.Sprintf("%s added %q to %s through %s (%s, %s to %s) and no final read of %s holds it",
		l.Write.Write, l.Write.Value, l.Key, l.Write.Node, ack, runTime(l.Write.Start), runTime(l.Write.End), l.Key)
	if l.Isolated != "" {
		why += "; " + l.Write.Node + " was cut off by the partition " + l.Isolated
	}
	return why
}

// Cut is a partition in force from one time to another (end -1: never
// healed).
type Cut struct {
	groups     string
	start, end int64
}

// Partitions lists the partitions of a history's faults with their spells.
func Partitions(faults []results.Fault) []Cut {
	var cuts []Cut
	for _, f := range faults {
		switch f.F {
		case "partition":
			if n := len(cuts); n > 0 && cuts[n-1].end < 0 {
				cuts[n-1].end = f.Time
			}
			cuts = append(cuts, Cut{groups: f.Params["groups"], start: f.Time, end: -1})
		case "heal":
			if n := len(cuts); n > 0 && cuts[n-1].end < 0 {
				cuts[n-1].end = f.Time
			}
		}
	}
	return cuts
}

// Isolated names the partition, and its spell, that cut w's node off from
// the majority of the nodes while w was under way, or else the last one
// that had before w began (a node on the minority side may go on taking
// writes after the heal until it learns it was replaced); "" when none did.
func Isolated(cuts []Cut, w *results.Ref) string {
	end := w.End
	if end < 0 {
		end = 1<<63 - 1
	}
	spell := func(c Cut) string {
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
