package plot

import (
	"bytes"
	"image/png"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dense is a run of 150s with a partition of 100ms every 300ms: 500
// faults, closer than a pixel column apart on a plot of the whole run.
func dense() *Faults {
	f := &Faults{}
	for i := range 500 {
		at := int64(i) * int64(300*time.Millisecond)
		f.Intervals = append(f.Intervals, Fault{Label: "partition n1 | n2 n3", Start: at, End: at + int64(100*time.Millisecond)})
	}
	return f
}

// shadedColumns counts the pixel columns of a plot's PNG whose pixel at
// 40% of its height is the partition shade over white.
func shadedColumns(t *testing.T, f *Figure) int {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, f.PNG(&b))
	img, err := png.Decode(&b)
	require.NoError(t, err)
	r := img.Bounds()
	y := r.Min.Y + r.Dy()*4/10
	n := 0
	for x := r.Min.X; x < r.Max.X; x++ {
		c := img.At(x, y)
		cr, cg, cb, _ := c.RGBA()
		near := func(v uint32, want int) bool { d := int(v>>8) - want; return d >= -4 && d <= 4 }
		if near(cr, 217) && near(cg, 229) && near(cb, 248) {
			n++
		}
	}
	return n
}

// A thousand faults never stripe a plot: past a dozen bands they are drawn
// as a strip under it, and the data area is not shaded at all; a few
// faults are shaded across the plot's height, one band each.
func TestDenseFaultsAreAStripUnderThePlot(t *testing.T) {
	ops, _, _ := run()
	end := int64(150 * time.Second)
	f, err := Rate(ops, dense(), end)
	require.NoError(t, err)
	assert.Zero(t, f.Bands, "no band across the plot")
	assert.NotEmpty(t, f.strip)
	assert.LessOrEqual(t, len(f.strip), plotColumns(), "merged where they share a pixel")
	assert.Zero(t, shadedColumns(t, f), "the data area is not shaded")
	assert.Contains(t, labels(f), "partition", "named in the legend")
	assert.Contains(t, f.Caption, "in the strip under it")

	few := &Faults{Intervals: dense().Intervals[:3]}
	for i := range few.Intervals {
		few.Intervals[i].Start *= 100
		few.Intervals[i].End *= 100
	}
	f, err = Rate(ops, few, end)
	require.NoError(t, err)
	assert.Equal(t, 3, f.Bands)
	assert.Empty(t, f.strip)
	assert.Positive(t, shadedColumns(t, f), "shaded across the plot")
	assert.Contains(t, f.Caption, "partitions shaded")
}

// Intervals closer than a few pixel columns merge into one band.
func TestCloseFaultsMerge(t *testing.T) {
	f := &Faults{Intervals: []Fault{
		{Label: "a", Start: 0, End: int64(time.Second)},
		{Label: "b", Start: int64(1010 * time.Millisecond), End: int64(2 * time.Second)},
		{Label: "c", Start: int64(50 * time.Second), End: int64(51 * time.Second)},
		{Clock: true, Label: "skew", Start: int64(1010 * time.Millisecond), End: int64(2 * time.Second)},
	}}
	bs := bands(f, 0, 100, mergeGap)
	require.Len(t, bs, 3)
	assert.Equal(t, band{start: 0, end: 2, n: 2}, bs[0])
	assert.Equal(t, band{start: 50, end: 51, n: 1, label: "c"}, bs[1])
	assert.True(t, bs[2].clock)
}

// The axes are marked at round numbers, enough of them to read a value.
func TestNiceTicks(t *testing.T) {
	labelled := func(lo, hi float64, n int) []string {
		var out []string
		for _, tk := range (niceTicks{n: n}).Ticks(lo, hi) {
			if tk.Label != "" {
				out = append(out, tk.Label)
			}
		}
		return out
	}
	assert.Equal(t, []string{"0", "20", "40", "60", "80", "100", "120", "140"}, labelled(0, 155, 12))
	assert.Equal(t, []string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0", "1.2", "1.4", "1.6"}, labelled(0, 1.73, 12))
	assert.Equal(t, []string{"0", "5", "10", "15", "20", "25"}, labelled(0, 26.25, 6))
	assert.Equal(t, []string{"-4", "-2", "0", "2", "4"}, labelled(-5.5, 5.5, 6))
	assert.Equal(t, []string{"0.000", "0.005"}, labelled(0, 0.005, 2))
}
