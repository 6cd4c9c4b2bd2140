package page

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/report"
	"github.com/clockwise-kv/clockwise/report/plot"
)

// setClock is a node's clock as a nemesis event set it.
type setClock struct {
	clock.Clock
	Text string // as the history wrote it
}

// parseClock reads a clock the way nemesis events write it; ok is false for
// anything else (a partition's groups, another fault's parameters).
func parseClock(s string) (setClock, bool) {
	c, err := clock.Parse(s)
	return setClock{Clock: c, Text: s}, err == nil
}

// Fault kinds that open and close network intervals.
const (
	partition = "partition"
	heal      = "heal"
)

// interval is a stretch of true time during which a fault was in force.
type interval struct {
	Kind  string // "clock" or "partition"
	Node  string // clock intervals: the node whose clock was off
	Label string // e.g. "n1 +5s", "n1 | n2 n3"
	Start int64
	End   int64 // the history's end when the fault was never undone
	Open  bool  // never undone within the history
	Event int   // index of the nemesis event that started it
}

// instant is a nemesis event that is not part of an interval.
type instant struct {
	F     histories.Func
	Label string
	Time  int64
	Event int
}

// nemesisView is what the nemesis did, rebuilt from its events.
type nemesisView struct {
	Intervals []interval
	Instants  []instant
	clocks    map[string][]setClock // node → its clocks in time order
}

// readFaults rebuilds the fault intervals and each node's clock from the
// nemesis events. A clock event sets the clocks of the nodes it names; the
// clock stays off true time until another clock event names the node. A
// partition lasts until the next heal or partition. Any other fault is an
// instant. end is the history's last time.
func readFaults(faults []checker.Fault, end int64) nemesisView {
	v := nemesisView{clocks: map[string][]setClock{}}
	part := -1 // the open partition interval
	closeClock := func(node string, t int64) {
		for i := len(v.Intervals) - 1; i >= 0; i-- {
			if iv := &v.Intervals[i]; iv.Kind == "clock" && iv.Node == node && iv.Open {
				iv.End, iv.Open = t, false
				return
			}
		}
	}
	closePart := func(t int64) {
		if part >= 0 {
			v.Intervals[part].End, v.Intervals[part].Open = t, false
			part = -1
		}
	}
	for _, f := range faults {
		clocks := map[string]setClock{}
		for k, val := range f.Params {
			if c, ok := parseClock(val); ok {
				c.Since = f.Time
				clocks[k] = c
			}
		}
		switch {
		case f.F == partition:
			closePart(f.Time)
			part = len(v.Intervals)
			v.Intervals = append(v.Intervals, interval{Kind: "partition", Label: "partition " + groupsLabel(f.Params),
				Start: f.Time, End: end, Open: true, Event: f.Index})
		case f.F == heal:
			closePart(f.Time)
			v.Instants = append(v.Instants, instant{F: f.F, Label: "heal", Time: f.Time, Event: f.Index})
		case len(clocks) > 0 && len(clocks) == len(f.Params):
			for _, n := range slices.Sorted(maps.Keys(clocks)) {
				c := clocks[n]
				closeClock(n, f.Time)
				v.clocks[n] = append(v.clocks[n], c)
				if !c.True() {
					v.Intervals = append(v.Intervals, interval{Kind: "clock", Node: n, Label: fmt.Sprintf("%s %s %s", f.F, n, c.Text),
						Start: f.Time, End: end, Open: true, Event: f.Index})
				}
			}
		default:
			v.Instants = append(v.Instants, instant{F: f.F, Label: strings.TrimSpace(string(f.F) + " " + report.Params(f.Params)), Time: f.Time, Event: f.Index})
		}
	}
	slices.SortStableFunc(v.Intervals, func(a, b interval) int { return cmp.Compare(a.Start, b.Start) })
	return v
}

// plotted is what the nemesis did as the plots draw it.
func (v *nemesisView) plotted() plot.Faults {
	f := plot.Faults{Clocks: map[string][]clock.Clock{}}
	for _, iv := range v.Intervals {
		f.Intervals = append(f.Intervals, plot.Fault{Clock: iv.Kind == "clock", Label: iv.Label, Start: iv.Start, End: iv.End})
	}
	for n, cs := range v.clocks {
		for _, c := range cs {
			f.Clocks[n] = append(f.Clocks[n], c.Clock)
		}
	}
	return f
}

// clockAt returns node's clock at true time t (true time if none was set).
func (v *nemesisView) clockAt(node string, t int64) setClock {
	c := setClock{Text: "+0s"}
	for _, x := range v.clocks[node] {
		if x.Since > t {
			break
		}
		c = x
	}
	return c
}

// offsets describes every node's clock offset at true time t: "n1 +5s, n2 +0s".
func (v *nemesisView) offsets(nodes []string, t int64) string {
	parts := make([]string, len(nodes))
	for i, n := range nodes {
		c := v.clockAt(n, t)
		s := n + " " + clock.Signed(c.OffsetAt(t))
		if c.Strobe != 0 {
			s += " (strobing)"
		}
		parts[i] = s
	}
	return strings.Join(parts, ", ")
}

func groupsLabel(p map[string]string) string {
	if g, ok := p["groups"]; ok {
		return g
	}
	return report.Params(p)
}
