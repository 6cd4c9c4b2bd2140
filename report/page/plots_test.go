package page

import (
	"bytes"
	"html/template"
	"os"
	"path/filepath"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/sim"
	"github.com/clockwise-kv/clockwise/histories"
)

// writeFolder saves each plot of the page as a PNG in the run folder, and
// the page links them.
func TestWriteHTMLSavesEachPlotAsAPNG(t *testing.T) {
	h, res, _, _ := known(t)
	dir := t.TempDir()
	path, err := writeFolder(dir, h, res, Info{Name: "lww-test"})
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

// A report whose result names porcupine's page links it, saying how to
// read it.
func TestReportLinksPorcupinesPage(t *testing.T) {
	h, res, _, _ := known(t)
	res.Visualization = "linearizability.html"
	var b bytes.Buffer
	require.NoError(t, render(&b, h, res, Info{}))
	doc, err := goquery.NewDocumentFromReader(&b)
	require.NoError(t, err)
	assert.Equal(t, "linearizability.html", doc.Find("#linear-link a").AttrOr("href", ""))
	assert.Contains(t, text(doc.Find("#linear-link")), "a row per client")
}

// The latency plot drawn before the verdict for a history whose reads
// returned siblings is the one drawn after it when no write was lost; when
// one was, the page draws it again, marking the lost writes.
func TestLatencyPlotDrawnBeforeTheVerdict(t *testing.T) {
	cfg := harness.DefaultConfig()
	cfg.Strategy, cfg.Ops = "vv", 600
	res0, err := sim.Run(cfg, nil, sim.Options{})
	require.NoError(t, err)
	a, err := checker.Analyze(res0.History)
	require.NoError(t, err)
	res, err := a.Check(checker.Options{})
	require.NoError(t, err)
	require.Empty(t, res.Lost)

	latency := func(res *checker.Result, early bool) template.URL {
		d := begin(a)
		require.True(t, d.siblings, "the vv history's reads return siblings")
		if !early {
			d.wg.Wait()
			d.siblings = false // as if not drawn: finish draws it
		}
		p, err := d.finish(res, Info{})
		require.NoError(t, err)
		return p.Plots[len(p.Plots)-1].URL
	}
	assert.Equal(t, latency(res, false), latency(res, true))

	lost := *res
	for _, op := range a.Ops {
		if op.F == histories.Write && op.Type == histories.OK {
			lost.Lost = []checker.Lost{{Write: &checker.Ref{Write: op.Write, Process: op.Process, Node: op.Node, Invoke: op.Invoke}, Key: op.Key, Kind: checker.Missing}}
			break
		}
	}
	require.NotEmpty(t, lost.Lost)
	marked := latency(&lost, true)
	assert.Equal(t, latency(&lost, false), marked)
	assert.NotEqual(t, latency(res, true), marked, "the lost write is marked")
}
