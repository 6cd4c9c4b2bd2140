package page

import (
	"cmp"
	"fmt"
	"html/template"
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
	Rows          []row       // labelled rows, nemesis rows first
	Data          opsData     // operations, which the page's script draws
	Script        template.JS // Data as the page holds it (scriptJSON)
	Shades        []shade     // fault intervals across every lane
	Marks         []mark      // instant faults
	Ticks         []tick      // the time axis
	Top, Bottom   int         // the lanes' vertical extent
	LanesH        int         // Bottom - Top
	Legend        []string    // classes shown in the legend
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

// opsData is every operation drawn on the timeline, in columns of small
// numbers, for the page's script: zoomed out it draws how many operations
// each pixel column of each lane holds and how many lost writes, zoomed in
// each operation as a bar. Operations are in order of their start.
type opsData struct {
	Q       int64    `json:"q"`       // ns per unit of Start and Dur
	Lanes   []string `json:"lanes"`   // processes, one lane each
	LaneY   []int    `json:"laneY"`   // each lane's top
	LaneH   int      `json:"laneH"`   // a lane's height
	LostY   int      `json:"lostY"`   // the row of lost writes per column: its top (0: no row)
	LostH   int      `json:"lostH"`   // and its height
	Keys    []string `json:"keys"`    // keys, by index; the last is none
	Nodes   []string `json:"nodes"`   // nodes, by index; the last is none
	Classes []string `json:"classes"` // outcome and function, by index (opClass)
	Start   []int64  `json:"start"`   // each start, less the one before (the first, less 0)
	Dur     []int64  `json:"dur"`     // how long each ran; -1: it never completed
	Invoke  []int    `json:"invoke"`  // each invoke event, less the one before
	// Code packs the rest of an operation into one number:
	// (((key·len(Nodes) + node)·len(Classes) + class)·len(Lanes) + lane)·3 + lost,
	// lost 1 when it wrote a lost write, 2 when that write was lost to
	// clock skew.
	Code    []int `json:"code"`
	Details []int `json:"details"` // operations with details (the page's details, in order), by position
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
	lostH   = 22  // the row of lost writes per column
)

// buildTimeline lays out the timeline of ops, from invoke to completion on
// its process's lane, the fault intervals shaded across the lanes, from
// time 0 to end: faults after end are left out, and cut at end. Every
// operation goes to the script (opsData); the details of at most
// maxDetails, those of the invoke events in want first, then the lost
// writes, then the rest in order.
func buildTimeline(ops []*checker.Op, nv *nemesisView, end int64, lost map[string]*checker.Lost, want map[int]bool) (*timeline, []detail) {
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
	isLost := func(op *checker.Op) bool { return lost[op.Write] != nil && op.F != histories.Read }
	if slices.ContainsFunc(ops, isLost) {
		addRow("lost", "lost writes", lostH, false)
		t.Data.LostY, t.Data.LostH = t.Rows[len(t.Rows)-1].Y, lostH
	}
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

	t.Data.LaneH = laneH
	t.Data.Lanes = procs
	for _, p := range procs {
		t.Data.LaneY = append(t.Data.LaneY, t.Rows[rowOf["lane "+p]].Y)
	}
	details := t.Data.add(ops, procs, lost, isLost, want, lat)
	step := plot.Step(float64(end) * tickGap / width)
	for ns := int64(0); ns <= end; ns += step {
		t.Ticks = append(t.Ticks, tick{X: x(ns), Label: time.Duration(ns).String()})
	}
	return t, details
}

// maxDetails is how many operations the page describes in full (details);
// the script describes the others from opsData, naming their event.
const maxDetails = 2500

// add fills d with ops, in order of their start, on the lanes of procs,
// and returns the details of the ones chosen (see buildTimeline). lat is
// the completed operations' latencies, sorted.
func (d *opsData) add(ops []*checker.Op, procs []string, lost map[string]*checker.Lost, isLost func(*checker.Op) bool,
	want map[int]bool, lat []int64) []detail {
	ops = slices.Clone(ops)
	slices.SortStableFunc(ops, func(a, b *checker.Op) int { return cmp.Compare(a.Start, b.Start) })
	// Units of about a hundredth of the median latency, a power of ten.
	d.Q = 1
	if len(lat) > 0 {
		for m := lat[len(lat)/2] / 100; d.Q*10 <= m; {
			d.Q *= 10
		}
	}
	// Number each operation's key, node and class in the order they first
	// appear (none last for keys and nodes), and its lane, in one pass:
	// the codes need how many of each there are.
	lanes := make(map[string]int, len(procs))
	for i, p := range procs {
		lanes[p] = i
	}
	type class struct {
		t    histories.Type
		f    histories.Func
		open bool
	}
	type numbered struct {
		key, node, class, lane int32
		lost                   int8 // 0, 1 a lost write, 2 lost to clock skew
	}
	keys, nodes := map[string]int32{}, map[string]int32{}
	classes, classNames := map[class]int32{}, map[string]int32{}
	number := func(m map[string]int32, names *[]string, name string) int32 {
		if name == "" {
			return -1 // none: numbered last
		}
		i, ok := m[name]
		if !ok {
			i = int32(len(*names))
			m[name] = i
			*names = append(*names, name)
		}
		return i
	}
	nums := make([]numbered, len(ops))
	for i, op := range ops {
		n := &nums[i]
		n.key, n.node = number(keys, &d.Keys, op.Key), number(nodes, &d.Nodes, op.Node)
		c := class{op.Type, op.F, op.Complete < 0}
		ci, ok := classes[c]
		if !ok {
			ci = number(classNames, &d.Classes, opClass(op))
			classes[c] = ci
		}
		n.class, n.lane = ci, int32(lanes[op.Process])
		if isLost(op) {
			n.lost = 1
			if lost[op.Write].Skew {
				n.lost = 2
			}
		}
	}
	noKey, noNode := int32(len(d.Keys)), int32(len(d.Nodes))
	d.Keys, d.Nodes = append(d.Keys, ""), append(d.Nodes, "")
	d.Details = []int{}
	var prevStart, prevInvoke int64
	chosen := make([]bool, len(ops))
	n := 0
	choose := func(ok func(int) bool) {
		for i := range ops {
			if n < maxDetails && !chosen[i] && ok(i) {
				chosen[i] = true
				n++
			}
		}
	}
	if len(want) > 0 {
		choose(func(i int) bool { return want[ops[i].Invoke] })
	}
	choose(func(i int) bool { return nums[i].lost > 0 })
	choose(func(int) bool { return true })
	var details []detail
	if len(ops) > 0 { // none encode as null, as they always have
		d.Start, d.Dur, d.Invoke, d.Code = make([]int64, 0, len(ops)), make([]int64, 0, len(ops)), make([]int, 0, len(ops)), make([]int, 0, len(ops))
	}
	for i, op := range ops {
		start := op.Start / d.Q
		dur := int64(-1)
		if op.End >= 0 {
			dur = max(0, op.End/d.Q-start)
		}
		d.Start = append(d.Start, start-prevStart)
		d.Dur = append(d.Dur, dur)
		d.Invoke = append(d.Invoke, int(int64(op.Invoke)-prevInvoke))
		prevStart, prevInvoke = start, int64(op.Invoke)
		num := &nums[i]
		key, node := num.key, num.node
		if key < 0 {
			key = noKey
		}
		if node < 0 {
			node = noNode
		}
		code := ((int(key)*len(d.Nodes)+int(node))*len(d.Classes)+int(num.class))*len(procs) + int(num.lane)
		d.Code = append(d.Code, code*3+int(num.lost))
		if chosen[i] {
			det := describe(op, lost[op.Write])
			if num.lost > 0 {
				det.Lost = lostAnchor(op.Write)
			}
			d.Details = append(d.Details, i)
			details = append(details, det)
		}
	}
	return details
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
