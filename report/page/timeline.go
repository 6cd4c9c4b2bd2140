package page

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/report"
	"github.com/clockwise-kv/clockwise/report/plot"
)

// timeline is the geometry of the timeline's SVG: one lane per process,
// rows for the nemesis above them, an axis on top.
type timeline struct {
	Width, Height int
	Rows          []row    // labelled rows, nemesis rows first
	Bars          []bar    // operations
	Shades        []shade  // fault intervals across every lane
	Marks         []mark   // instant faults
	Ticks         []tick   // the time axis
	Top, Bottom   int      // the lanes' vertical extent
	LanesH        int      // Bottom - Top
	Legend        []string // classes shown in the legend
	// The page's script zooms and pans from these: true time per pixel as
	// drawn, the margin left and right, and the time the timeline ends.
	NsPerPx float64
	Pad     int
	End     int64
}

type row struct {
	Label string
	Y, H  int
	Lane  bool // a process's lane (not a nemesis row)
}

type bar struct {
	X, Y, W, H float64
	I          int // index into the page's details
	ID         string
	Class      string
	Lost       bool
}

type shade struct {
	X, W       float64
	Y, H       int // its labelled bar in a nemesis row
	Class      string
	Label      string
	Title      string
	ShowLabels bool
}

type mark struct {
	X     float64
	Y, H  int
	Label string
	Title string
}

type tick struct {
	X     float64
	Label string
}

const (
	axisH   = 22
	rowH    = 16
	laneH   = 18
	barH    = 12
	padX    = 8
	minW    = 1000
	maxW    = 24000
	tickGap = 110 // px between ticks, roughly
)

// buildTimeline lays out every operation from invoke to completion on its
// process's lane, the fault intervals shaded across the lanes, from time 0
// to end: faults after end are left out, and cut at end.
func buildTimeline(ops []*checker.Op, nv *nemesisView, end int64, lost map[string]*checker.Lost) (*timeline, []detail) {
	t := &timeline{}
	if end <= 0 {
		end = 1
	}
	// Scale: the median operation gets about 4px, within bounds.
	var lat []int64
	for _, op := range ops {
		if op.End >= 0 && op.End > op.Start {
			lat = append(lat, op.End-op.Start)
		}
	}
	width := float64(minW)
	if len(lat) > 0 {
		slices.Sort(lat)
		width = math.Max(width, math.Min(maxW, 4*float64(end)/float64(lat[len(lat)/2])))
	}
	scale := width / float64(end)
	x := func(ns int64) float64 { return round1(padX + float64(ns)*scale) }
	t.Width = int(width) + 2*padX
	t.NsPerPx, t.Pad, t.End = 1/scale, padX, end

	// Rows: the nemesis's, then one lane per process.
	y := axisH
	rowOf := map[string]int{}
	addRow := func(key, label string, h int, lane bool) {
		rowOf[key] = len(t.Rows)
		t.Rows = append(t.Rows, row{Label: label, Y: y, H: h, Lane: lane})
		y += h
	}
	for _, iv := range nv.Intervals {
		if iv.Start > end {
			continue
		}
		k := "nemesis " + iv.Kind + " " + iv.Node
		if _, ok := rowOf[k]; !ok {
			label := "partitions"
			if iv.Kind == "clock" {
				label = iv.Node + " clock"
			}
			addRow(k, label, rowH, false)
		}
	}
	for _, in := range nv.Instants {
		if in.F != heal && in.Time <= end {
			if _, ok := rowOf["nemesis other"]; !ok {
				addRow("nemesis other", "other faults", rowH, false)
			}
		}
	}
	y += 4
	t.Top = y
	var procs []string
	for _, op := range ops {
		if !slices.Contains(procs, op.Process) {
			procs = append(procs, op.Process)
		}
	}
	slices.SortFunc(procs, func(a, b string) int {
		if (a == histories.Final) != (b == histories.Final) {
			if a == histories.Final {
				return 1
			}
			return -1
		}
		return report.CompareNames(a, b)
	})
	for _, p := range procs {
		addRow("lane "+p, p, laneH, true)
	}
	t.Bottom = y
	t.LanesH = t.Bottom - t.Top
	t.Height = y + 4

	for _, iv := range nv.Intervals {
		if iv.Start > end {
			continue
		}
		stop := min(iv.End, end)
		r := t.Rows[rowOf["nemesis "+iv.Kind+" "+iv.Node]]
		title := fmt.Sprintf("%s, %s → %s (event %d)", iv.Label, clock.Seconds(iv.Start), clock.Seconds(iv.End), iv.Event)
		if iv.Open {
			title += ", never undone"
		}
		w := x(stop) - x(iv.Start)
		t.Shades = append(t.Shades, shade{X: x(iv.Start), W: math.Max(1, round1(w)), Y: r.Y + 2, H: r.H - 4,
			Class: iv.Kind, Label: iv.Label, Title: title, ShowLabels: w > 6*float64(len(iv.Label))})
	}
	for _, in := range nv.Instants {
		if in.F == heal || in.Time > end {
			continue
		}
		r := t.Rows[rowOf["nemesis other"]]
		t.Marks = append(t.Marks, mark{X: x(in.Time), Y: r.Y, H: t.Bottom - r.Y, Label: in.Label,
			Title: fmt.Sprintf("%s at %s (event %d)", in.Label, clock.Seconds(in.Time), in.Event)})
	}

	var details []detail
	for _, op := range ops {
		r := t.Rows[rowOf["lane "+op.Process]]
		stop := op.End
		if stop < 0 {
			stop = end
		}
		b := bar{X: x(op.Start), Y: float64(r.Y + (laneH-barH)/2), H: barH, I: len(details), ID: anchor(op.Invoke),
			Class: opClass(op)}
		b.W = math.Max(1, round1(x(stop)-b.X))
		d := describe(op, lost[op.Write])
		if l := lost[op.Write]; l != nil && op.F != histories.Read {
			b.Lost = true
			d.Lost = lostAnchor(op.Write)
		}
		t.Bars = append(t.Bars, b)
		details = append(details, d)
	}
	step := plot.Step(float64(end) * tickGap / width)
	for ns := int64(0); ns <= end; ns += step {
		t.Ticks = append(t.Ticks, tick{X: x(ns), Label: time.Duration(ns).String()})
	}
	return t, details
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// opClass is an operation's colour classes: its outcome, then what it did.
func opClass(op *checker.Op) string {
	c := string(op.Type) + " " + string(op.F)
	if op.Complete < 0 {
		c += " open"
	}
	return c
}

// describe is an operation's tooltip and detail rows.
func describe(op *checker.Op, l *checker.Lost) detail {
	what := string(op.F) + " " + op.Key
	if op.F == histories.Write {
		what = fmt.Sprintf("write %s=%s (%s)", op.Key, op.Value, op.Write)
	} else if op.F == histories.Delete {
		what = fmt.Sprintf("delete %s (%s)", op.Key, op.Write)
	}
	d := detail{Title: fmt.Sprintf("%s %s via %s: %s", op.Process, what, op.Node, op.Type)}
	// The title names the client, the operation, the node and the
	// outcome; the rows add the rest.
	add := func(k, v string) { d.Rows = append(d.Rows, [2]string{k, v}) }
	add("invoked", fmt.Sprintf("%s (event %d)", clock.Seconds(op.Start), op.Invoke))
	if op.Complete >= 0 {
		add("completed", fmt.Sprintf("%s (event %d), after %s", clock.Seconds(op.End), op.Complete, clock.Seconds(op.End-op.Start)))
	} else {
		add("completed", "never (the history ended first)")
	}
	if op.F != histories.Read {
		ctx := "nothing (blind)"
		if len(op.Context) > 0 {
			ctx = strings.Join(op.Context, " ")
		}
		add("had read", ctx)
	}
	if op.F == histories.Read && op.Type == histories.OK {
		add("returned", versionsText(op.Versions))
	}
	if m := op.Meta; m != nil {
		if m.TS != 0 {
			add("timestamp", stampText(m.TS))
		}
		if m.VV != nil {
			add("version vector", report.VV(m.VV))
		}
		if m.Dot != nil {
			add("dot", fmt.Sprintf("%s:%d", m.Dot.Node, m.Dot.Counter))
		}
	}
	add(op.Node+"'s clock", clock.Offset(op.Offset))
	if op.Error != "" {
		add("error", op.Error)
	}
	if l != nil && op.F != histories.Read {
		d.Title += " · LOST (" + string(l.Kind) + ")"
	}
	d.Title += fmt.Sprintf(" · %s → %s", clock.Seconds(op.Start), clock.Seconds(op.End))
	return d
}

// versionsText is what a read returned, as the page writes it: "w1=a d2
// (deleted)", or "nothing (not found)".
func versionsText(vs []histories.Version) string {
	if len(vs) == 0 {
		return "nothing (not found)"
	}
	return report.Versions(vs, " (deleted)")
}
