package page

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
