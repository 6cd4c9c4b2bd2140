package report

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/histories"
)

// clock is a node's clock as a nemesis event describes it: "+5s",
// "+0s strobe +200ms/10ms", "+1s drift 0.001".
type clock struct {
	Offset int64   // ns ahead of true time
	Strobe int64   // strobe amplitude, ns; 0: none
	Period int64   // strobe half-period, ns
	Drift  float64 // seconds gained per second since the clock was set
	Since  int64   // true time the clock was set
	Text   string  // as the history wrote it
}

// zero reports whether the clock keeps true time.
func (c clock) zero() bool { return c.Offset == 0 && c.Strobe == 0 && c.Drift == 0 }

// at is the clock's offset from true time at true time t, strobe included.
func (c clock) at(t int64) int64 {
	off := c.Offset
	if c.Drift != 0 && t > c.Since {
		off += int64(c.Drift * float64(t-c.Since))
	}
	if c.Strobe != 0 && c.Period > 0 && t >= c.Since && ((t-c.Since)/c.Period)%2 == 0 {
		off += c.Strobe
	}
	return off
}

// parseClock reads a clock the way nemesis events write it; ok is false for
// anything else (a partition's groups, another fault's parameters).
func parseClock(s string) (clock, bool) {
	c := clock{Text: s}
	f := strings.Fields(s)
	if len(f) == 0 {
		return c, false
	}
	off, ok := signedDuration(f[0])
	if !ok {
		return c, false
	}
	c.Offset = off
	for i := 1; i < len(f); i += 2 {
		if i+1 >= len(f) {
			return c, false
		}
		switch f[i] {
		case "strobe":
			amp, per, found := strings.Cut(f[i+1], "/")
			a, ok1 := signedDuration(amp)
			p, err := time.ParseDuration(per)
			if !found || !ok1 || err != nil {
				return c, false
			}
			c.Strobe, c.Period = a, int64(p)
		case "drift":
			d, err := strconv.ParseFloat(f[i+1], 64)
			if err != nil {
				return c, false
			}
			c.Drift = d
		default:
			return c, false
		}
	}
	return c, true
}

func signedDuration(s string) (int64, bool) {
	if s == "" || (s[0] != '+' && s[0] != '-') {
		return 0, false
	}
	d, err := time.ParseDuration(strings.TrimPrefix(s, "+"))
	return int64(d), err == nil
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
	F     string
	Label string
	Time  int64
	Event int
}

// nemesisView is what the nemesis did, rebuilt from its events.
type nemesisView struct {
	Intervals []interval
	Instants  []instant
	clocks    map[string][]clock // node → its clocks in time order
}

// readFaults rebuilds the fault intervals and each node's clock from the
// nemesis events. A clock event sets the clocks of the nodes it names; the
// clock stays off true time until another clock event names the node. A
// partition lasts until the next heal or partition. Any other fault is an
// instant. end is the history's last time.
func readFaults(faults []checker.Fault, end int64) nemesisView {
	v := nemesisView{clocks: map[string][]clock{}}
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
		clocks := map[string]clock{}
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
				if !c.zero() {
					v.Intervals = append(v.Intervals, interval{Kind: "clock", Node: n, Label: fmt.Sprintf("%s %s %s", f.F, n, c.Text),
						Start: f.Time, End: end, Open: true, Event: f.Index})
				}
			}
		default:
			v.Instants = append(v.Instants, instant{F: f.F, Label: strings.TrimSpace(f.F + " " + paramsText(f.Params)), Time: f.Time, Event: f.Index})
		}
	}
	slices.SortStableFunc(v.Intervals, func(a, b interval) int { return cmp.Compare(a.Start, b.Start) })
	return v
}

// clockAt returns node's clock at true time t (true time if none was set).
func (v *nemesisView) clockAt(node string, t int64) clock {
	c := clock{Text: "+0s"}
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
		s := n + " " + histories.Duration(c.at(t))
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
	return paramsText(p)
}

func paramsText(p map[string]string) string {
	parts := make([]string, 0, len(p))
	for _, k := range slices.Sorted(maps.Keys(p)) {
		parts = append(parts, k+" "+p[k])
	}
	return strings.Join(parts, ", ")
}
