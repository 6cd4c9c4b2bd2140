package plot

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	gonum "gonum.org/v1/plot"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/histories"
)

// run is a second of client operations, a read through n1 and a write
// through n2 every 10ms, the latency rising while n1's clock is 5s ahead,
// as the reads record.
func run() ([]*checker.Op, *Faults, int64) {
	var ops []*checker.Op
	for i := range 100 {
		at := int64(i) * int64(10*time.Millisecond)
		lat := int64(time.Millisecond)
		if i >= 30 && i < 60 {
			lat *= 4
		}
		var off int64
		if i >= 30 && i < 60 {
			off = int64(5 * time.Second)
		}
		ops = append(ops,
			&checker.Op{Process: "c1", F: histories.Read, Type: histories.OK, Node: "n1", Start: at, End: at + lat, Complete: 1, Offset: &off},
			&checker.Op{Process: "c2", F: histories.Write, Type: histories.OK, Node: "n2", Write: "w" + string(rune('a'+i%26)),
				Start: at, End: at + 2*lat, Complete: 1})
	}
	f := &Faults{
		Intervals: []Fault{{Clock: true, Label: "skew n1 +5s", Start: int64(300 * time.Millisecond), End: int64(600 * time.Millisecond)}},
		Clocks:    map[string][]clock.Clock{"n1": {{Offset: int64(5 * time.Second), Since: int64(300 * time.Millisecond)}, {Since: int64(600 * time.Millisecond)}}},
	}
	return ops, f, int64(time.Second)
}

func labels(f *Figure) []string {
	var out []string
	for _, e := range f.legend {
		out = append(out, e.label)
	}
	return out
}

// The quantile plot draws p50, p95 and p99; the rate plot renders as SVG
// while it is small; every plot shades the faults and names them in its
// legend.
func TestQuantileAndRatePlots(t *testing.T) {
	ops, f, end := run()
	q, err := Quantiles(ops, f, end)
	require.NoError(t, err)
	assert.Subset(t, labels(q), []string{"p50", "p95", "p99"})
	assert.Contains(t, labels(q), "clock fault", "fault intervals are shaded, and named in the legend")

	r, err := Rate(ops, f, end)
	require.NoError(t, err)
	assert.Subset(t, labels(r), []string{"read ok", "write/delete ok", "clock fault"})
	require.NoError(t, r.Render())
	assert.Regexp(t, `^data:image/svg\+xml;base64,`, string(r.URL))
}

// The latency plot rings the lost writes, and every figure saves as a PNG.
func TestLatencyMarksLostWritesAndSavesAPNG(t *testing.T) {
	ops, f, end := run()
	l, err := Latency(ops, f, end, map[string]*checker.Lost{"wc": {}})
	require.NoError(t, err)
	assert.Contains(t, labels(l), "acknowledged, then lost (4)", "wc is written 4 times in 100")
	var b bytes.Buffer
	require.NoError(t, l.PNG(&b))
	assert.True(t, bytes.HasPrefix(b.Bytes(), []byte("\x89PNG\r\n\x1a\n")))

	c, err := Clocks(ops, f, []string{"n1", "n2"}, end)
	require.NoError(t, err)
	assert.Subset(t, labels(c), []string{"n1 (100 operations)", "n2"}, "n1's offsets are points, n2 recorded none")
}

// Offsets past symlogAbove put the clock plot on a symmetric log axis, so
// a clock an hour ahead and one 5ms behind both read; small ones stay
// linear.
func TestClockPlotIsSymlogForLargeOffsets(t *testing.T) {
	op := func(node string, off time.Duration) *checker.Op {
		o := int64(off)
		return &checker.Op{Process: "c1", Node: node, Start: 0, End: int64(time.Millisecond), Offset: &o}
	}
	var nv Faults
	f, err := Clocks([]*checker.Op{op("n1", time.Hour), op("n2", -5*time.Millisecond)}, &nv, []string{"n1", "n2"}, int64(time.Second))
	require.NoError(t, err)
	assert.IsType(t, symlog{}, f.p.Y.Scale)
	var ticks []string
	for _, tk := range f.p.Y.Tick.Marker.Ticks(f.p.Y.Min, f.p.Y.Max) {
		ticks = append(ticks, tk.Label)
	}
	assert.Subset(t, ticks, []string{"0", "1s", "1h"})
	n := func(x float64) float64 { return f.p.Y.Scale.Normalize(f.p.Y.Min, f.p.Y.Max, x) }
	assert.Greater(t, n(time.Hour.Seconds()), 0.9, "an hour near the top")
	assert.Less(t, n(-0.005), n(0)-0.02, "5ms behind is visibly below zero")

	f, err = Clocks([]*checker.Op{op("n1", 5*time.Second)}, &nv, []string{"n1"}, int64(time.Second))
	require.NoError(t, err)
	assert.IsType(t, gonum.LinearScale{}, f.p.Y.Scale)
}

// Step rounds up to 1, 2 or 5 times a power of ten.
func TestStep(t *testing.T) {
	for in, want := range map[float64]int64{0.3: 1, 1: 1, 3: 5, 7: 10, 120: 200, 4e6: 5e6} {
		assert.Equal(t, want, Step(in), "%v", in)
	}
}
