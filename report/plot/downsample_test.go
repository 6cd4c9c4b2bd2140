package plot

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot/plotter"
)

// Downsampling keeps each pixel column's lowest and highest point: the
// outliers survive, and no more than two points a column are left.
func TestDownsampleKeepsEachColumnsExtremes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	pts := make(plotter.XYs, 100_000)
	for i := range pts {
		pts[i] = plotter.XY{X: float64(i), Y: r.Float64()}
	}
	pts[123].Y, pts[98_765].Y = 50, -7 // outliers
	out := downsample(pts, 400)
	require.LessOrEqual(t, len(out), 800)
	assert.Contains(t, out, pts[123])
	assert.Contains(t, out, pts[98_765])
	for i := 1; i < len(out); i++ {
		assert.LessOrEqual(t, out[i-1].X, out[i].X, "in x order")
	}
	// Every column of the input keeps its extremes.
	col := func(x float64) int { return min(int(x/99_999*400), 399) }
	lo, hi := map[int]float64{}, map[int]float64{}
	for _, p := range pts {
		c := col(p.X)
		if v, ok := lo[c]; !ok || p.Y < v {
			lo[c] = p.Y
		}
		if v, ok := hi[c]; !ok || p.Y > v {
			hi[c] = p.Y
		}
	}
	got := map[int][]float64{}
	for _, p := range out {
		got[col(p.X)] = append(got[col(p.X)], p.Y)
	}
	for c := range lo {
		assert.Contains(t, got[c], lo[c], "column %d", c)
		assert.Contains(t, got[c], hi[c], "column %d", c)
	}
}

func TestDownsampleLeavesFewPointsAlone(t *testing.T) {
	pts := plotter.XYs{{X: 3, Y: 1}, {X: 1, Y: 2}, {X: 2, Y: 0}}
	assert.Equal(t, pts, downsample(pts, 2))
	assert.Equal(t, pts, downsample(pts, 0))
	same := plotter.XYs{{X: 1, Y: 1}, {X: 1, Y: 5}, {X: 1, Y: 3}, {X: 1, Y: 2}, {X: 1, Y: 0}}
	assert.Equal(t, plotter.XYs{{X: 1, Y: 5}, {X: 1, Y: 0}}, downsample(same, 2), "one x: one column")
}
