package plot

import "gonum.org/v1/plot/plotter"

// downsample thins points for a plot columns wide: the x range is cut into
// columns equal slices (a pixel column each) and each slice keeps only its
// lowest and its highest point, in x order, so the drawn outline and every
// outlier survive while the points drawn stay under 2×columns. Points need
// not be sorted; the result is in x order (input order among equal x).
// With columns < 1, or no more points than 2×columns, it
// returns pts unchanged.
func downsample(pts plotter.XYs, columns int) plotter.XYs {
	if columns < 1 || len(pts) <= 2*columns {
		return pts
	}
	lo, hi := pts[0].X, pts[0].X
	for _, p := range pts {
		lo, hi = min(lo, p.X), max(hi, p.X)
	}
	type extremes struct{ min, max int } // indices into pts; -1: none yet
	cols := make([]extremes, columns)
	for i := range cols {
		cols[i] = extremes{-1, -1}
	}
	width := hi - lo
	for i, p := range pts {
		c := 0
		if width > 0 {
			c = min(int((p.X-lo)/width*float64(columns)), columns-1)
		}
		e := &cols[c]
		if e.min < 0 || p.Y < pts[e.min].Y {
			e.min = i
		}
		if e.max < 0 || p.Y > pts[e.max].Y {
			e.max = i
		}
	}
	out := make(plotter.XYs, 0, 2*columns)
	for _, e := range cols {
		switch {
		case e.min < 0:
		case e.min == e.max:
			out = append(out, pts[e.min])
		case pts[e.min].X < pts[e.max].X || (pts[e.min].X == pts[e.max].X && e.min < e.max):
			out = append(out, pts[e.min], pts[e.max])
		default:
			out = append(out, pts[e.max], pts[e.min])
		}
	}
	return out
}
