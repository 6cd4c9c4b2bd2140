package report

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot"

	"github.com/clockwise-kv/clockwise/checker"
)

// WriteHTML saves each plot of the page as a PNG in the run folder, and
// the page links them.
func TestWriteHTMLSavesEachPlotAsAPNG(t *testing.T) {
	h, res, _, _ := known(t)
	dir := t.TempDir()
	path, err := WriteHTML(dir, h, res, Info{Name: "lww-test"})
	require.NoError(t, err)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(b))
	require.NoError(t, err)
	for id, file := range map[string]string{"plot-quantiles": "latency-quantiles.png", "plot-rate": "rate.png",
		"plot-clocks": "clocks.png", "plot-latency": "latency-raw.png"} {
		png, err := os.ReadFile(filepath.Join(dir, file))
		require.NoError(t, err, file)
		assert.True(t, bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")), file)
		assert.Equal(t, 1, doc.Find("img#"+id).Length(), id)
		assert.Equal(t, 1, doc.Find(`#files a[href="`+file+`"]`).Length(), "the page links %s", file)
	}
}

// The quantile plot draws p50 ≤ p95 ≤ p99 in every window; the rate plot
// counts every completed client operation once.
func TestQuantileAndRatePlots(t *testing.T) {
	h, _, _, _ := known(t)
	a, err := checker.Analyze(h)
	require.NoError(t, err)
	var end int64
	for _, e := range h {
		end = max(end, e.Time)
	}
	nv := readFaults(a.Faults, end)
	q, err := quantilePlot(a.Ops, &nv, end)
	require.NoError(t, err)
	var labels []string
	for _, e := range q.legend {
		labels = append(labels, e.label)
	}
	assert.Subset(t, labels, []string{"p50", "p95", "p99"})
	assert.Contains(t, labels, "clock fault", "fault intervals are shaded, and named in the legend")

	r, err := ratePlot(a.Ops, &nv, end)
	require.NoError(t, err)
	require.NoError(t, r.render())
	assert.Regexp(t, `^data:image/svg\+xml;base64,`, string(r.URL))
}

// Offsets past SymlogAbove put the clock plot on a symmetric log axis, so
// a clock an hour ahead and one 5ms behind both read; small ones stay
// linear.
func TestClockPlotIsSymlogForLargeOffsets(t *testing.T) {
	op := func(node string, off time.Duration) *checker.Op {
		o := int64(off)
		return &checker.Op{Process: "c1", Node: node, Start: 0, End: int64(time.Millisecond), Offset: &o}
	}
	var nv nemesisView
	f, err := clockPlot([]*checker.Op{op("n1", time.Hour), op("n2", -5*time.Millisecond)}, &nv, []string{"n1", "n2"}, int64(time.Second))
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

	f, err = clockPlot([]*checker.Op{op("n1", 5*time.Second)}, &nv, []string{"n1"}, int64(time.Second))
	require.NoError(t, err)
	assert.IsType(t, plot.LinearScale{}, f.p.Y.Scale)
}

// A report whose result names porcupine's page links it, saying how to
// read it.
func TestReportLinksPorcupinesPage(t *testing.T) {
	h, res, _, _ := known(t)
	res.Visualization = "linearizability.html"
	var b bytes.Buffer
	require.NoError(t, Write(&b, h, res, Info{}))
	doc, err := goquery.NewDocumentFromReader(&b)
	require.NoError(t, err)
	assert.Equal(t, "linearizability.html", doc.Find("#linear-link a").AttrOr("href", ""))
	assert.Contains(t, text(doc.Find("#linear-link")), "a row per client")
}
