package report

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	plottext "gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/clockwise-kv/clockwise/checker"
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

// newPlot is a plot with a title and axis labels, and its legend, drawn
// apart (see svgURL); all text in Liberation Sans to match the page.
func newPlot(title, x, y string) (*plot.Plot, *plot.Legend) {
	p := plot.New()
	leg := plot.NewLegend()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, x, y
	for _, st := range []*plottext.Style{&p.Title.TextStyle, &p.X.Label.TextStyle, &p.Y.Label.TextStyle,
		&p.X.Tick.Label, &p.Y.Tick.Label, &leg.TextStyle} {
		st.Font.Variant = "Sans"
	}
	leg.Top = true
	leg.YOffs = -vg.Points(24)
	return p, &leg
}

// latencyPlot draws each completed operation's latency against the time it
// was invoked, with the fault intervals shaded.
func latencyPlot(ops []*checker.Op, nv *nemesisView, end int64, lost map[string]*checker.Lost) (template.URL, error) {
	p, leg := newPlot("Latency of each operation, by the time it was invoked", "true time (s)", "latency (ms)")
	series := map[string]plotter.XYs{}
	top, points := 1.0, 0
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
	if err := shadeFaults(p, leg, nv, p.Y.Min, p.Y.Max); err != nil {
		return "", err
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
		pts := series[s.name]
		if len(pts) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return "", fmt.Errorf("report: latency plot: %w", err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: s.c, Radius: s.r, Shape: s.glyph}
		p.Add(sc)
		points += len(pts)
		leg.Add(fmt.Sprintf("%s (%d)", s.label, len(pts)), sc)
	}
	return plotURL(p, leg, points)
}

// clockPlot draws each node's clock offset over time: the offset the
// nemesis set (a line; strobing clocks also a dashed line at the top of the
// strobe) and the offsets recorded with operations (points).
func clockPlot(ops []*checker.Op, nv *nemesisView, nodes []string, end int64) (template.URL, error) {
	p, leg := newPlot("Clock offset of each node from true time", "true time (s)", "offset (s)")
	p.X.Min, p.X.Max = 0, math.Max(secs(end), 1e-6)
	observed := map[string]plotter.XYs{}
	lo, hi, points := 0.0, 0.0, 0
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
		points++
	}
	for i, n := range nodes {
		c := nodeColours[i%len(nodeColours)]
		var line plotter.XYs
		segs := append([]setClock{{Text: "+0s"}}, nv.clocks[n]...)
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
					return "", fmt.Errorf("report: clock plot: %w", err)
				}
				l.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}}
				p.Add(l)
				lo, hi = math.Min(lo, top[0].Y), math.Max(hi, top[0].Y)
			}
		}
		l, err := plotter.NewLine(line)
		if err != nil {
			return "", fmt.Errorf("report: clock plot: %w", err)
		}
		l.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(1.5)}
		p.Add(l)
		label := n
		if pts := observed[n]; len(pts) > 0 {
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return "", fmt.Errorf("report: clock plot: %w", err)
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: c, Radius: 1.4, Shape: draw.CircleGlyph{}}
			p.Add(sc)
			leg.Add(fmt.Sprintf("%s (%d operations)", label, len(pts)), l, sc)
		} else {
			leg.Add(label, l)
		}
	}
	span := math.Max(hi-lo, 0.1)
	p.Y.Min, p.Y.Max = lo-0.1*span, hi+0.1*span
	return plotURL(p, leg, points)
}

// shadeFaults shades every fault interval from y0 to y1.
func shadeFaults(p *plot.Plot, leg *plot.Legend, nv *nemesisView, y0, y1 float64) error {
	legend := map[string]bool{}
	for _, iv := range nv.Intervals {
		x0, x1 := secs(iv.Start), secs(iv.End)
		poly, err := plotter.NewPolygon(plotter.XYs{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
		if err != nil {
			return fmt.Errorf("report: shading: %w", err)
		}
		poly.LineStyle.Width = 0
		poly.Color = partitionShade
		name := "partition"
		if iv.Kind == "clock" {
			poly.Color, name = clockShade, "clock fault"
		}
		p.Add(poly)
		if !legend[name] {
			legend[name] = true
			leg.Add(name, poly)
		}
	}
	return nil
}

// MaxSVGPoints is the most points a plot draws as SVG; a plot with more is
// a PNG, which stays small whatever the run's length.
const MaxSVGPoints = 4000

// plotURL renders p as a data URL for an img element, its legend to the
// right of the plot so that it hides no data: SVG, or PNG past MaxSVGPoints.
func plotURL(p *plot.Plot, leg *plot.Legend, points int) (template.URL, error) {
	var (
		c    vg.CanvasWriterTo
		mime = "image/svg+xml"
	)
	if points <= MaxSVGPoints {
		c = vgsvg.New(plotW, plotH)
	} else {
		c, mime = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(plotW, plotH), vgimg.UseDPI(144),
			vgimg.UseBackgroundColor(color.White))}, "image/png"
	}
	dc := draw.New(c)
	lr := leg.Rectangle(dc)
	leg.Draw(dc)
	p.Draw(draw.Crop(dc, 0, -(lr.Max.X-lr.Min.X)-vg.Points(12), 0, 0))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return "", fmt.Errorf("report: plot: %w", err)
	}
	return template.URL("data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(b.Bytes())), nil
}
