package plot

import (
	"fmt"
	"slices"
	"strconv"

	gonum "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Size is the causal metadata a strategy kept per key at one cluster size:
// the mean over keys of each key's mean, and the most any key reached, in
// bytes.
type Size struct {
	Strategy string
	Nodes    int
	Mean     float64
	Max      int
}

// Metadata draws bytes per key against cluster size into the PNG at path:
// per strategy, in the order they first appear, the mean (solid, with
// points) and the max (dashed).
func Metadata(path string, sizes []Size) error {
	p := gonum.New()
	p.Title.Text = "Causal metadata per key, by cluster size"
	p.X.Label.Text = "nodes"
	p.Y.Label.Text = "bytes per key after a write"
	p.Y.Min = 0
	p.Legend.Top, p.Legend.Left = true, true
	p.Add(plotter.NewGrid())
	var order []string
	var ticks gonum.ConstantTicks
	for _, r := range sizes {
		if !slices.Contains(order, r.Strategy) {
			order = append(order, r.Strategy)
		}
		if !slices.ContainsFunc(ticks, func(t gonum.Tick) bool { return t.Value == float64(r.Nodes) }) {
			ticks = append(ticks, gonum.Tick{Value: float64(r.Nodes), Label: strconv.Itoa(r.Nodes)})
		}
	}
	p.X.Tick.Marker = ticks
	for i, s := range order {
		var mean, top plotter.XYs
		for _, r := range sizes {
			if r.Strategy != s {
				continue
			}
			mean = append(mean, plotter.XY{X: float64(r.Nodes), Y: r.Mean})
			top = append(top, plotter.XY{X: float64(r.Nodes), Y: float64(r.Max)})
		}
		slices.SortFunc(mean, func(a, b plotter.XY) int { return int(a.X - b.X) })
		slices.SortFunc(top, func(a, b plotter.XY) int { return int(a.X - b.X) })
		line, points, err := plotter.NewLinePoints(mean)
		if err != nil {
			return fmt.Errorf("plot: metadata: %w", err)
		}
		line.Color, points.Color, points.Shape = plotutil.Color(i), plotutil.Color(i), plotutil.Shape(i)
		line.Width = vg.Points(1.5)
		dashed, err := plotter.NewLine(top)
		if err != nil {
			return fmt.Errorf("plot: metadata: %w", err)
		}
		dashed.Color, dashed.Dashes = plotutil.Color(i), []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(line, points, dashed)
		p.Legend.Add(s+" mean", line, points)
		p.Legend.Add(s+" max", dashed)
	}
	if err := p.Save(7*vg.Inch, 4.5*vg.Inch, path); err != nil {
		return fmt.Errorf("plot: metadata: %w", err)
	}
	return nil
}
