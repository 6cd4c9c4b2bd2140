package plot

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"fmt"
	"html/template"
	"image/color"
	"image/png"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	gonum "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	plottext "gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/histories"
)

// Colours shared with the page's style sheet.
var (
	clockShade     = color.NRGBA{R: 245, G: 170, B: 0, A: 60}
	partitionShade = color.NRGBA{R: 60, G: 120, B: 220, A: 50}
	readColour     = color.NRGBA{R: 110, G: 190, B: 130, A: 255}
	writeColour    = color.NRGBA{R: 25, G: 120, B: 60, A: 255}
	failColour     = color.NRGBA{R: 200, G: 40, B: 40, A: 255}
	infoColour     = color.NRGBA{R: 230, G: 130, B: 0, A: 255}
	lostColour     = color.NRGBA{R: 220, G: 0, B: 0, A: 255}
	nodeColours    = []color.NRGBA{
		{R: 31, G: 119, B: 180, A: 255}, {R: 214, G: 39, B: 40, A: 255}, {R: 44, G: 160, B: 44, A: 255},
		{R: 148, G: 103, B: 189, A: 255}, {R: 140, G: 86, B: 75, A: 255}, {R: 227, G: 119, B: 194, A: 255},
		{R: 127, G: 127, B: 127, A: 255}, {R: 188, G: 189, B: 34, A: 255}, {R: 23, G: 190, B: 207, A: 255},
	}
)

const (
	plotW = 10 * vg.Inch
	plotH = 3.4 * vg.Inch
)

func secs(ns int64) float64 { return float64(ns) / 1e9 }

// Fault is a stretch of true time during which a fault was in force:
// every plot of a run shades it.
type Fault struct {
	Clock      bool   // a clock fault; else a partition
	Label      string // e.g. "skew n1 +5s", "partition n1 | n2 n3"
	Start, End int64
}

// Faults is what the nemesis did, as the plots draw it.
type Faults struct {
	Intervals []Fault
	// Clocks are each node's clocks as the nemesis set them, in time
	// order, each from its Since; before the first, a node's clock is
	// true time.
	Clocks map[string][]clock.Clock
}

// Figure is one plot of a run's page: drawn into the page (SVG, or PNG
// past maxSVGPoints, Render) and saved as a PNG into the run folder (PNG).
type Figure struct {
	ID      string // the img element's id
	File    string // the PNG's name in the run folder
	Alt     string
	Caption string
	URL     template.URL // the page's image, once rendered (Render)
	pngData []byte       // the PNG, when the page's image is one

	// Bands is how many fault bands the plot shades across its height:
	// none when its faults are drawn as a strip under it.
	Bands int

	p      *gonum.Plot
	legend []legendEntry
	points int
	strip  []band // the fault bands, when drawn as a strip under the plot
}

// legendEntry is one entry of a figure's legend, drawn below the plot.
type legendEntry struct {
	label  string
	thumbs []gonum.Thumbnailer
}

func (f *Figure) add(label string, thumbs ...gonum.Thumbnailer) {
	f.legend = append(f.legend, legendEntry{label: label, thumbs: thumbs})
}

// newFigure is a figure with a title and axis labels, all text in the
// page's sans-serif.
func newFigure(id, file, title, x, y string) *Figure {
	p := gonum.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, x, y
	for _, st := range []*plottext.Style{&p.Title.TextStyle, &p.X.Label.TextStyle, &p.Y.Label.TextStyle,
		&p.X.Tick.Label, &p.Y.Tick.Label} {
		st.Font.Variant = "Sans"
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = niceTicks{n: 12}, niceTicks{n: 6}
	return &Figure{ID: id, File: file, p: p}
}

// Latency draws each completed operation's latency against the time it
// was invoked, the writes lost (by write id) ringed, with the fault
// intervals shaded.
func Latency(ops []*checker.Op, nv *Faults, end int64, lost map[string]*checker.Lost) (*Figure, error) {
	f := newFigure("plot-latency", "latency-raw.png", "Latency of each operation, by the time it was invoked", "true time (s)", "latency (ms)")
	f.Alt, f.Caption = "latency of each operation over time, fault intervals shaded", "Latency of every operation; clock faults and partitions shaded."
	p := f.p
	series := map[string]plotter.XYs{}
	top := 1.0
	for _, op := range ops {
		if op.Complete < 0 || op.Process == histories.Final {
			continue
		}
		ms := float64(op.End-op.Start) / 1e6
		top = math.Max(top, ms)
		s := string(op.Type) + " " + string(op.F)
		if op.Type == histories.OK && op.F == histories.Delete {
			s = "ok write"
		}
		if op.Type != histories.OK {
			s = string(op.Type)
		}
		series[s] = append(series[s], plotter.XY{X: secs(op.Start), Y: ms})
		if lost[op.Write] != nil && op.F != histories.Read {
			series["lost"] = append(series["lost"], plotter.XY{X: secs(op.Start), Y: ms})
		}
	}
	p.X.Min, p.X.Max = 0, math.Max(secs(end), 1e-6)
	p.Y.Min, p.Y.Max = 0, top*1.05
	if err := f.shadeFaults(nv); err != nil {
		return nil, err
	}
	for _, s := range []struct {
		name, label string
		c           color.Color
		glyph       draw.GlyphDrawer
		r           vg.Length
	}{
		{"ok read", "read ok", readColour, draw.CircleGlyph{}, 1.6},
		{"ok write", "write/delete ok", writeColour, draw.CircleGlyph{}, 1.8},
		{string(histories.Fail), "failed", failColour, draw.CrossGlyph{}, 2.5},
		{string(histories.Info), "unknown outcome", infoColour, draw.TriangleGlyph{}, 2.5},
		{"lost", "acknowledged, then lost", lostColour, draw.RingGlyph{}, 3},
	} {
		all := series[s.name]
		if len(all) == 0 {
			continue
		}
		pts := downsample(all, plotColumns())
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, fmt.Errorf("plot: latency: %w", err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: s.c, Radius: s.r, Shape: s.glyph}
		p.Add(sc)
		f.points += len(pts)
		f.add(fmt.Sprintf("%s (%d)", s.label, len(all)), sc)
	}
	return f, nil
}

// windows cuts [0, end] into about 40 windows of a round length and returns
// that length.
func windows(end int64) int64 { return Step(float64(max(end, 1)) / 40) }

// Step rounds ns up to 1, 2 or 5 times a power of ten: the length of a
// plot's windows, the interval of a time axis's ticks.
func Step(ns float64) int64 {
	if ns < 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(ns)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= ns {
			return int64(m * p)
		}
	}
	return int64(10 * p)
}

// Quantiles draws, per window of time, the 50th, 95th and 99th
// percentiles of the latency of the operations invoked in it, as Jepsen's
// latency-quantiles plot does.
func Quantiles(ops []*checker.Op, nv *Faults, end int64) (*Figure, error) {
	f := newFigure("plot-quantiles", "latency-quantiles.png", "Latency quantiles over time", "true time (s)", "latency (ms)")
	f.Alt = "the 50th, 95th and 99th percentiles of latency over time, fault intervals shaded"
	w := windows(end)
	f.Caption = fmt.Sprintf("Latency percentiles of the operations invoked in each %s; clock faults and partitions shaded.", time.Duration(w))
	byWindow := map[int64][]float64{}
	for _, op := range ops {
		if op.Complete < 0 || op.Process == histories.Final {
			continue
		}
		byWindow[op.Start/w] = append(byWindow[op.Start/w], float64(op.End-op.Start)/1e6)
	}
	qs := []struct {
		q     float64
		label string
		c     color.Color
	}{{0.5, "p50", writeColour}, {0.95, "p95", infoColour}, {0.99, "p99", failColour}}
	lines := make([]plotter.XYs, len(qs))
	top := 1.0
	for i := int64(0); i*w <= end; i++ {
		lat := byWindow[i]
		if len(lat) == 0 {
			continue
		}
		slices.Sort(lat)
		for j, q := range qs {
			v := lat[min(len(lat)-1, int(q.q*float64(len(lat))))]
			top = math.Max(top, v)
			lines[j] = append(lines[j], plotter.XY{X: secs(i*w + w/2), Y: v})
		}
	}
	f.p.X.Min, f.p.X.Max = 0, math.Max(secs(end), 1e-6)
	f.p.Y.Min, f.p.Y.Max = 0, top*1.1
	if err := f.shadeFaults(nv); err != nil {
		return nil, err
	}
	for j, q := range qs {
		if len(lines[j]) == 0 {
			continue
		}
		l, pts, err := plotter.NewLinePoints(lines[j])
		if err != nil {
			return nil, fmt.Errorf("plot: quantiles: %w", err)
		}
		l.LineStyle = draw.LineStyle{Color: q.c, Width: vg.Points(1.5)}
		pts.GlyphStyle = draw.GlyphStyle{Color: q.c, Radius: 1.5, Shape: draw.CircleGlyph{}}
		f.p.Add(l, pts)
		f.add(q.label, l, pts)
		f.points += len(lines[j])
	}
	return f, nil
}

// Rate draws, per window of time, how many operations completed per
// second, by outcome, as Jepsen's rate plot does.
func Rate(ops []*checker.Op, nv *Faults, end int64) (*Figure, error) {
	f := newFigure("plot-rate", "rate.png", "Throughput over time, by outcome", "true time (s)", "operations completed per second")
	f.Alt = "operations completed per second over time, by outcome, fault intervals shaded"
	w := windows(end)
	f.Caption = fmt.Sprintf("Operations completed in each %s, per second, by outcome; clock faults and partitions shaded.", time.Duration(w))
	outcomes := []struct {
		name, label string
		c           color.Color
	}{
		{"ok read", "read ok", readColour}, {"ok write", "write/delete ok", writeColour},
		{string(histories.Fail), "failed", failColour}, {string(histories.Info), "unknown outcome", infoColour},
	}
	n := int(end/w) + 1
	counts := map[string][]int{}
	for _, o := range outcomes {
		counts[o.name] = make([]int, n)
	}
	for _, op := range ops {
		if op.Process == histories.Final {
			continue
		}
		at, s := op.End, string(op.Type)
		if op.Complete < 0 {
			at, s = op.Start, string(histories.Info) // never completed: unknown, when it was invoked
		} else if op.Type == histories.OK {
			s = "ok write"
			if op.F == histories.Read {
				s = "ok read"
			}
		}
		if c := counts[s]; c != nil && int(at/w) < n {
			c[at/w]++
		}
	}
	perSec := 1e9 / float64(w)
	top := 1.0
	f.p.X.Min, f.p.X.Max = 0, math.Max(secs(end), 1e-6)
	var adds []func()
	for _, o := range outcomes {
		c := counts[o.name]
		if slices.Max(c) == 0 {
			continue
		}
		xy := make(plotter.XYs, n)
		for i, k := range c {
			xy[i] = plotter.XY{X: secs(int64(i)*w + w/2), Y: float64(k) * perSec}
			top = math.Max(top, xy[i].Y)
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, fmt.Errorf("plot: rate: %w", err)
		}
		l.LineStyle = draw.LineStyle{Color: o.c, Width: vg.Points(1.5)}
		label := o.label
		adds = append(adds, func() { f.p.Add(l); f.add(label, l) })
		f.points += n
	}
	f.p.Y.Min, f.p.Y.Max = 0, top*1.1
	if err := f.shadeFaults(nv); err != nil {
		return nil, err
	}
	for _, add := range adds {
		add()
	}
	return f, nil
}

// Clocks draws each node's clock offset over time: the offset the
// nemesis set (a line; strobing clocks also a dashed line at the top of the
// strobe) and the offsets recorded with operations (points). When an offset
// reaches past symlogAbove the offset axis is symmetric-logarithmic, so a
// clock an hour off and one a few milliseconds off both read.
func Clocks(ops []*checker.Op, nv *Faults, nodes []string, end int64) (*Figure, error) {
	f := newFigure("plot-clocks", "clocks.png", "Clock offset of each node from true time", "true time (s)", "offset (s)")
	f.Alt = "each node's clock offset over time"
	f.Caption = "Each node's clock offset: the line is what the nemesis set, the points what operations recorded."
	p := f.p
	p.X.Min, p.X.Max = 0, math.Max(secs(end), 1e-6)
	observed := map[string]plotter.XYs{}
	lo, hi := 0.0, 0.0
	for _, op := range ops {
		if op.Offset == nil || op.Node == "" {
			continue
		}
		// The serving node read its clock while the operation ran: plot
		// the point halfway.
		t := op.Start
		if op.End > op.Start {
			t += (op.End - op.Start) / 2
		}
		v := secs(*op.Offset)
		lo, hi = math.Min(lo, v), math.Max(hi, v)
		observed[op.Node] = append(observed[op.Node], plotter.XY{X: secs(t), Y: v})
	}
	for i, n := range nodes {
		c := nodeColours[i%len(nodeColours)]
		var line plotter.XYs
		segs := append([]clock.Clock{{}}, nv.Clocks[n]...)
		for j, s := range segs {
			stop := end
			if j+1 < len(segs) {
				stop = segs[j+1].Since
			}
			from := s.Since
			base := func(t int64) float64 { return secs(s.Offset + int64(s.Drift*float64(t-from))) }
			line = append(line, plotter.XY{X: secs(from), Y: base(from)}, plotter.XY{X: secs(stop), Y: base(stop)})
			lo, hi = math.Min(lo, base(from)), math.Max(hi, base(from))
			lo, hi = math.Min(lo, base(stop)), math.Max(hi, base(stop))
			if s.Strobe != 0 && stop > from {
				top := plotter.XYs{{X: secs(from), Y: base(from) + secs(s.Strobe)}, {X: secs(stop), Y: base(stop) + secs(s.Strobe)}}
				l, err := plotter.NewLine(top)
				if err != nil {
					return nil, fmt.Errorf("plot: clocks: %w", err)
				}
				l.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}}
				p.Add(l)
				lo, hi = math.Min(lo, top[0].Y), math.Max(hi, top[0].Y)
			}
		}
		l, err := plotter.NewLine(line)
		if err != nil {
			return nil, fmt.Errorf("plot: clocks: %w", err)
		}
		l.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(1.5)}
		p.Add(l)
		if all := observed[n]; len(all) > 0 {
			pts := downsample(all, plotColumns())
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return nil, fmt.Errorf("plot: clocks: %w", err)
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: c, Radius: 1.4, Shape: draw.CircleGlyph{}}
			p.Add(sc)
			f.points += len(pts)
			f.add(fmt.Sprintf("%s (%d operations)", n, len(all)), l, sc)
		} else {
			f.add(n, l)
		}
	}
	if math.Max(-lo, hi) > symlogAbove.Seconds() {
		p.Y.Scale, p.Y.Tick.Marker = symlog{}, symlogTicks{}
		p.Y.Label.Text = "offset (symlog)"
		f.Caption += " The offset axis is symmetric-logarithmic (linear within 10ms of zero): some offset is past " + symlogAbove.String() + "."
		p.Y.Min, p.Y.Max = symlogPad(lo, -1), symlogPad(hi, 1)
		return f, nil
	}
	span := math.Max(hi-lo, 0.1)
	p.Y.Min, p.Y.Max = lo-0.1*span, hi+0.1*span
	return f, nil
}

// symlogAbove is the largest clock offset the clock plot draws on a linear
// axis.
const symlogAbove = 30 * time.Second

// symlogLinear is where the symmetric log scale turns linear: within 10ms
// of zero.
const symlogLinear = 1e-2

// symlogValue maps an offset in seconds to the symmetric log scale:
// linear within symlogLinear of zero, logarithmic beyond, sign kept.
func symlogValue(x float64) float64 {
	return math.Copysign(math.Log10(1+math.Abs(x)/symlogLinear), x)
}

// symlog is the clock plot's symmetric log axis.
type symlog struct{}

func (symlog) Normalize(min, max, x float64) float64 {
	a, b := symlogValue(min), symlogValue(max)
	return (symlogValue(x) - a) / (b - a)
}

// symlogPad widens an axis end a little on the symmetric log scale: dir is
// -1 for the bottom, 1 for the top.
func symlogPad(v float64, dir float64) float64 {
	y := symlogValue(v) + dir*0.3
	return math.Copysign(symlogLinear*(math.Pow(10, math.Abs(y))-1), y)
}

// symlogTicks marks 0 and ±100ms, ±1s, ±10s, ±1m, ±10m, ±1h, ±10h within
// the axis.
type symlogTicks struct{}

func (symlogTicks) Ticks(min, max float64) []gonum.Tick {
	ticks := []gonum.Tick{{Value: 0, Label: "0"}}
	for _, d := range []struct {
		d     time.Duration
		label string
	}{{100 * time.Millisecond, "100ms"}, {time.Second, "1s"}, {10 * time.Second, "10s"}, {time.Minute, "1m"},
		{10 * time.Minute, "10m"}, {time.Hour, "1h"}, {10 * time.Hour, "10h"}} {
		for _, sign := range []float64{-1, 1} {
			v := sign * d.d.Seconds()
			if v >= min && v <= max {
				label := d.label
				if sign < 0 {
					label = "-" + label
				}
				ticks = append(ticks, gonum.Tick{Value: v, Label: label})
			}
		}
	}
	return ticks
}

// band is one or more fault intervals of a kind drawn as one: intervals
// closer than a few pixels of the plot merge, so that a thousand faults
// do not stripe the plot.
type band struct {
	clock      bool
	start, end float64 // seconds
	n          int     // intervals merged
	label      string  // the interval's label, when it is one
}

// mergeGap is how close, in pixel columns of the plot, two fault intervals
// of a kind come before they are drawn as one band.
const mergeGap = 4

// maxBands is the most fault bands a plot shades across its height; past
// it the faults are drawn as a strip under the plot instead.
const maxBands = 12

// bands merges each kind's fault intervals closer than gap pixel columns
// of a plot spanning lo to hi seconds: partitions first, then clock
// faults, each in time order.
func bands(nv *Faults, lo, hi, columns float64) []band {
	gap := columns * (hi - lo) / float64(plotColumns())
	var out []band
	for _, clk := range []bool{false, true} {
		var ivs []band
		for _, iv := range nv.Intervals {
			if iv.Clock == clk {
				ivs = append(ivs, band{clock: clk, start: secs(iv.Start), end: secs(iv.End), n: 1, label: iv.Label})
			}
		}
		slices.SortStableFunc(ivs, func(a, b band) int { return cmp.Compare(a.start, b.start) })
		for i, b := range ivs {
			if i > 0 && b.start-out[len(out)-1].end <= gap {
				last := &out[len(out)-1]
				last.end, last.n, last.label = math.Max(last.end, b.end), last.n+b.n, ""
				continue
			}
			out = append(out, b)
		}
	}
	return out
}

// shadeFaults shows the fault intervals: merged into bands (bands), each
// shaded across the plot's height and labelled when wide enough; or, when
// that would take more than maxBands bands or merge more than a few
// intervals, as a strip under the plot (draw), merged only where they
// touch the same pixel, so that dense faults never stripe the data.
func (f *Figure) shadeFaults(nv *Faults) error {
	p := f.p
	y0, y1 := p.Y.Min, p.Y.Max
	bs := bands(nv, p.X.Min, p.X.Max, mergeGap)
	for _, name := range []string{"partition", "clock fault"} {
		clk := name == "clock fault"
		if slices.ContainsFunc(bs, func(b band) bool { return b.clock == clk }) {
			poly := fillThumb(shadeOf(clk))
			f.add(name, poly)
		}
	}
	if len(bs) > maxBands || len(nv.Intervals) > 2*maxBands {
		f.strip = bands(nv, p.X.Min, p.X.Max, 1)
		f.Caption = strings.Replace(f.Caption, "clock faults and partitions shaded", "clock faults and partitions in the strip under it, too many to shade", 1)
		f.Alt = strings.Replace(f.Alt, "fault intervals shaded", "fault intervals in a strip under it", 1)
		return nil
	}
	var labels plotter.XYLabels
	for _, b := range bs {
		poly, err := plotter.NewPolygon(plotter.XYs{{X: b.start, Y: y0}, {X: b.end, Y: y0}, {X: b.end, Y: y1}, {X: b.start, Y: y1}})
		if err != nil {
			return fmt.Errorf("plot: shading: %w", err)
		}
		poly.LineStyle.Width = 0
		poly.Color = shadeOf(b.clock)
		p.Add(poly)
		f.Bands++
		label := b.label
		if b.n > 1 {
			label = fmt.Sprintf("%d partitions", b.n)
			if b.clock {
				label = fmt.Sprintf("%d clock faults", b.n)
			}
		}
		// A label wants about 1% of the width per character.
		if (b.end-b.start)/(p.X.Max-p.X.Min) > 0.011*float64(len(label)) {
			labels.XYs = append(labels.XYs, plotter.XY{X: b.start, Y: y1})
			labels.Labels = append(labels.Labels, label)
		}
	}
	if len(labels.XYs) == 0 {
		return nil
	}
	l, err := plotter.NewLabels(labels)
	if err != nil {
		return fmt.Errorf("plot: shading: %w", err)
	}
	for i := range l.TextStyle {
		l.TextStyle[i].Font.Variant = "Sans"
		l.TextStyle[i].Font.Size = vg.Points(8)
		l.TextStyle[i].YAlign = draw.YTop
		l.Offset = vg.Point{X: vg.Points(2), Y: -vg.Points(2)}
	}
	p.Add(l)
	return nil
}

func shadeOf(clock bool) color.NRGBA {
	if clock {
		return clockShade
	}
	return partitionShade
}

// fillThumb is a legend thumbnail filled with c.
type fillThumb color.NRGBA

func (c fillThumb) Thumbnail(dc *draw.Canvas) {
	pts := []vg.Point{dc.Min, {X: dc.Min.X, Y: dc.Max.Y}, dc.Max, {X: dc.Max.X, Y: dc.Min.Y}}
	dc.FillPolygon(color.NRGBA(c), dc.ClipPolygonXY(pts))
}

// drawStrip draws the fault bands as a strip under the plot, within box:
// a row for partitions and a row for clock faults, aligned with the plot's
// time axis (data, the plot's data area).
func (f *Figure) drawStrip(box, data draw.Canvas) {
	x, _ := f.p.Transforms(&data)
	sty := gonum.NewLegend().TextStyle
	sty.Font.Variant = "Sans"
	sty.Font.Size = vg.Points(8)
	sty.XAlign, sty.YAlign = draw.XRight, draw.YCenter
	rows := []struct {
		clock bool
		label string
	}{{false, "partitions"}, {true, "clock faults"}}
	top := box.Max.Y - vg.Points(stripGap)
	for _, r := range rows {
		if !slices.ContainsFunc(f.strip, func(b band) bool { return b.clock == r.clock }) {
			continue
		}
		y0, y1 := top-vg.Points(stripRow-2), top
		c := shadeOf(r.clock)
		c.A = 190
		bg := c
		bg.A = 25
		box.FillPolygon(bg, []vg.Point{{X: data.Min.X, Y: y0}, {X: data.Max.X, Y: y0}, {X: data.Max.X, Y: y1}, {X: data.Min.X, Y: y1}})
		for _, b := range f.strip {
			if b.clock != r.clock {
				continue
			}
			l, h := x(b.start), x(b.end)
			h = max(h, l+vg.Points(0.6))
			box.FillPolygon(c, []vg.Point{{X: l, Y: y0}, {X: h, Y: y0}, {X: h, Y: y1}, {X: l, Y: y1}})
		}
		box.FillText(sty, vg.Point{X: data.Min.X - vg.Points(4), Y: (y0 + y1) / 2}, r.label)
		top -= vg.Points(stripRow)
	}
}

// stripRows is how many rows the strip has: one per kind of fault.
func (f *Figure) stripRows() int {
	n := 0
	for _, clk := range []bool{false, true} {
		if slices.ContainsFunc(f.strip, func(b band) bool { return b.clock == clk }) {
			n++
		}
	}
	return n
}

// The strip's geometry, in points: a row's height, and the gap above it.
const (
	stripRow = 10
	stripGap = 4
)

// maxSVGPoints is the most points a plot draws as SVG; a plot with more is
// a PNG, which stays small whatever the run's length.
const maxSVGPoints = 4000

// Render draws the figure for the page, as a data URL (URL): SVG, or PNG
// past maxSVGPoints. It draws the PNG the run folder keeps (PNG) too, so
// that whoever renders a figure beside other work (a page's plots are
// drawn while the history is judged) leaves nothing to draw after it.
func (f *Figure) Render() error {
	var b bytes.Buffer
	if err := f.draw(pngCanvas(), &b); err != nil {
		return err
	}
	f.pngData = b.Bytes()
	if f.points > maxSVGPoints {
		f.URL = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(f.pngData))
		return nil
	}
	var svg bytes.Buffer
	err := f.draw(vgsvg.New(plotW, plotH), &svg)
	f.URL = template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(svg.Bytes()))
	return err
}

// PNG writes the figure as a PNG: the one Render drew, or, before Render,
// one drawn now.
func (f *Figure) PNG(w io.Writer) error {
	if f.pngData != nil {
		_, err := w.Write(f.pngData)
		return err
	}
	return f.draw(pngCanvas(), w)
}

// plotColumns is how many pixel columns wide a plot's PNG is: what
// downsample thins a series of points to.
func plotColumns() int { return int(plotW.Dots(pngDPI)) }

// pngDPI is the resolution of the plots' PNGs.
const pngDPI = 120

func pngCanvas() vg.CanvasWriterTo {
	return fastPNG{vgimg.NewWith(vgimg.UseWH(plotW, plotH), vgimg.UseDPI(pngDPI), vgimg.UseBackgroundColor(color.White))}
}

// fastPNG writes its canvas as a PNG compressed for speed: a plot is mostly
// flat colour, which compresses well either way.
type fastPNG struct{ *vgimg.Canvas }

func (c fastPNG) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: w}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	err := enc.Encode(cw, c.Image())
	return cw.n, err
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// draw draws the plot on c with its legend in rows below it, so that the
// legend hides no data and takes no width, and writes c to w.
func (f *Figure) draw(c vg.CanvasWriterTo, w io.Writer) error {
	dc := draw.New(c)
	sty := gonum.NewLegend().TextStyle
	sty.Font.Variant = "Sans"
	const (
		thumbW = 18
		gap    = 14
		rowH   = 14
	)
	// Lay the entries out in rows across the width.
	type placed struct {
		e    legendEntry
		x    vg.Length
		row  int
		text vg.Length
	}
	var (
		items []placed
		x     = vg.Points(8)
		row   = 0
	)
	for _, e := range f.legend {
		tw := sty.Width(e.label)
		need := vg.Points(thumbW+4) + tw
		if x > vg.Points(8) && x+need > dc.Max.X-vg.Points(8) {
			x, row = vg.Points(8), row+1
		}
		items = append(items, placed{e: e, x: x, row: row, text: tw})
		x += need + vg.Points(gap)
	}
	band := vg.Length(0)
	if len(items) > 0 {
		band = vg.Points(float64(rowH*(row+1) + 6))
	}
	for _, it := range items {
		y := dc.Min.Y + band - vg.Points(float64(rowH*(it.row+1)))
		box := draw.Crop(dc, it.x, 0, y, 0)
		box.Max = vg.Point{X: box.Min.X + vg.Points(thumbW), Y: y + vg.Points(10)}
		box.Min.Y = y
		for _, t := range it.e.thumbs {
			t.Thumbnail(&box)
		}
		dc.FillText(sty, vg.Point{X: it.x + vg.Points(thumbW+4), Y: y}, it.e.label)
	}
	if len(f.strip) > 0 {
		strip := vg.Points(float64(stripGap + f.stripRows()*stripRow))
		pc := draw.Crop(dc, 0, 0, band+strip, 0)
		f.p.Draw(pc)
		sb := draw.Crop(dc, 0, 0, band, 0)
		sb.Max.Y = sb.Min.Y + strip
		f.drawStrip(sb, f.p.DataCanvas(pc))
	} else {
		f.p.Draw(draw.Crop(dc, 0, 0, band, 0))
	}
	if _, err := c.WriteTo(w); err != nil {
		return fmt.Errorf("plot: draw: %w", err)
	}
	return nil
}
