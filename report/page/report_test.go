package page

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/runs"
)

const replayCmd = "clockwise check --strategy lww --seed 7 --skew n1=+5s"

// known renders testdata/skew.jsonl: n1 runs 5s fast; w2 is overwritten by
// the older w1, w4 dropped for the concurrent w3, w5 suppressed by the
// delete w6; a partition n1 | n2 n3 and a strobe of n2 come and go.
func known(t *testing.T) ([]histories.Event, *checker.Result, *goquery.Document, []byte) {
	t.Helper()
	h, err := histories.ReadFile(filepath.Join("testdata", "skew.jsonl"))
	require.NoError(t, err)
	res, err := checker.Check(h, checker.Options{})
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, render(&b, h, res, Info{Name: "lww-test", Strategy: "lww", Nemesis: "skew,partition", Seed: "7",
		Command: replayCmd, Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}))
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(b.Bytes()))
	require.NoError(t, err)
	return h, res, doc, b.Bytes()
}

func text(s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") }

func TestReportHeaderHasVerdictAndReplayCommand(t *testing.T) {
	_, res, doc, _ := known(t)
	require.False(t, res.Valid)
	assert.Contains(t, text(doc.Find("#verdict h1")), "INVALID")
	assert.Contains(t, text(doc.Find("#verdict h1")), "INVALID 1 acknowledged write lost to clock skew; 1 more dropped as a concurrent write")
	assert.Equal(t, "3 of 6 acknowledged writes lost.", text(doc.Find("#total")))
	first := doc.Find("#skew details.lost").First()
	assert.True(t, strings.HasPrefix(text(first.Find(".story p").First()), "the newer write lost because the highest timestamp belongs to the fastest clock"),
		"a skew story never opens with two concurrent writes: %s", text(first.Find(".story p").First()))
	assert.True(t, strings.HasPrefix(text(first.Find("p.beaten")), "When it was written: w2 ("), text(first.Find("p.beaten")))
	assert.Equal(t, "lww", text(doc.Find("#run-strategy")))
	assert.Equal(t, "skew,partition", text(doc.Find("#run-nemesis")))
	assert.Equal(t, "7", text(doc.Find("#run-seed")))
	assert.Equal(t, replayCmd, doc.Find("#replay").Text())
	assert.Equal(t, "3", text(doc.Find("#count-lost")))
}

func TestReportTellsEachLostWritesStory(t *testing.T) {
	_, res, doc, _ := known(t)
	require.Len(t, res.Lost, 3)
	stories := doc.Find("details.lost")
	require.Equal(t, len(res.Lost), stories.Length())
	kinds := map[string]checker.LostKind{}
	for _, l := range res.Lost {
		s := doc.Find(`details.lost[data-write="` + l.Write.Write + `"]`)
		require.Equal(t, 1, s.Length(), "a story for %s", l.Write.Write)
		kinds[l.Write.Write] = checker.LostKind(s.AttrOr("data-kind", ""))
		assert.Equal(t, l.Key, s.AttrOr("data-key", ""))
		body := text(s)
		require.NotNil(t, l.Winner)
		assert.Contains(t, body, "lost to "+l.Winner.Write)
		// Both timestamps, both acks, the why.
		ts := s.Find("td.ts")
		require.Equal(t, 2, ts.Length())
		// As people read them, with the raw value the history holds.
		for i, stamp := range []int64{l.Write.TS, l.Winner.TS} {
			assert.Equal(t, clock.Stamp(stamp)+" ("+itoa(stamp)+")", text(ts.Eq(i)))
		}
		assert.Contains(t, text(s.Find("td.ack").First()), "event "+itoa(int64(l.Write.Ack)))
		assert.Contains(t, body, strings.Join(strings.Fields(l.Why), " "))
		// Every node's clock when the write was acknowledged: n1 ran 5s fast
		// until 400ms, when every write here was acknowledged.
		assert.Equal(t, "n1 +5s, n2 +0s, n3 +0s", text(s.Find("td.clocks").First()))
		assert.Contains(t, text(s.Find("p.relation")), l.Write.Write)
	}
	assert.Equal(t, map[string]checker.LostKind{
		"w2": checker.OverwrittenByOlder, "w4": checker.ConcurrentDropped, "w5": checker.SuppressedByTombstone,
	}, kinds)
	w2 := doc.Find(`details.lost[data-write="w2"]`)
	assert.Contains(t, text(w2.Find("p.relation")), "w2 follows w1")
	assert.Contains(t, text(w2.Find("p.order")), "w1 is 4.949s ahead")
	w4 := doc.Find(`details.lost[data-write="w4"]`)
	assert.Contains(t, text(w4.Find("p.relation")), "concurrent")
	assert.Contains(t, text(w4.Find("p.final")), "n1: [w3] n2: [w3] n3: [w3]")
}

func TestReportShadesNemesisIntervals(t *testing.T) {
	_, _, doc, _ := known(t)
	var labels []string
	doc.Find("#timeline-svg g.interval").Each(func(_ int, s *goquery.Selection) {
		labels = append(labels, s.AttrOr("data-label", ""))
	})
	assert.Equal(t, []string{"skew n1 +5s", "partition n1 | n2 n3", "strobe n2 +0s strobe +200ms/10ms"}, labels)
	assert.Equal(t, 3, doc.Find("#timeline-svg rect.shade").Length(), "each interval shaded across the lanes")
	assert.Equal(t, 2, doc.Find("#timeline-svg rect.shade.clock").Length())
	// The partition runs from 150ms to the heal at 300ms.
	part := doc.Find("#timeline-svg g.interval.partition title")
	assert.Equal(t, "partition n1 | n2 n3, 150ms → 300ms (event 11)", text(part))
	var faults []string
	doc.Find("#faults tr.fault").Each(func(_ int, s *goquery.Selection) { faults = append(faults, s.AttrOr("data-f", "")) })
	assert.Equal(t, []string{"skew", "partition", "heal", "strobe", "reset"}, faults)
}

func TestReportTimelineHasEveryOperation(t *testing.T) {
	h, res, doc, _ := known(t)
	a, err := checker.Analyze(h)
	require.NoError(t, err)
	ops := a.Ops
	bars := doc.Find("#timeline-svg rect.op")
	require.Equal(t, len(ops), bars.Length())
	lost := map[string]bool{}
	for _, l := range res.Lost {
		lost[l.Write.Write] = true
	}
	var details []detail
	require.NoError(t, json.Unmarshal([]byte(doc.Find("script#details").Text()), &details))
	for i, op := range ops {
		b := bars.Eq(i)
		d := details[atoi(t, b.AttrOr("data-i", ""))]
		assert.Equal(t, anchor(op.Invoke), b.AttrOr("id", ""))
		assert.Contains(t, b.AttrOr("class", ""), op.Type)
		assert.Equal(t, lost[op.Write], strings.Contains(b.AttrOr("class", ""), "lost"), "bar of %s", op.Write)
		assert.Contains(t, d.Title, op.Process+" ", "the bar's tooltip, from its details")
	}
	var lanes []string
	doc.Find(".tl-labels text.lane").Each(func(_ int, s *goquery.Selection) { lanes = append(lanes, s.Text()) })
	assert.Equal(t, []string{"c1", "c2", "c3", "final"}, lanes)
	// The info write that never completed within its lane runs as an open bar.
	assert.Equal(t, 1, doc.Find("#timeline-svg rect.op.info").Length())
	assert.Equal(t, 3, doc.Find("#timeline-svg path.lostmark").Length())
}

func TestReportShowsEachKeysFinalSiblingsAndGraph(t *testing.T) {
	h, _, doc, _ := known(t)
	a, err := checker.Analyze(h)
	require.NoError(t, err)
	g := a.Graph
	for _, k := range []string{"x", "y", "z"} {
		art := doc.Find(`article.key[data-key="` + k + `"]`)
		require.Equal(t, 1, art.Length())
		assert.Equal(t, 3, art.Find("table.final tr").Length()-1, "one row per node")
		nodes := art.Find("svg.graph g.w")
		assert.Equal(t, len(g.Writes(k)), nodes.Length())
	}
	x := doc.Find(`article.key[data-key="x"]`)
	assert.Equal(t, []string{"n1 w1=a", "n2 w1=a", "n3 w1=a"}, rows(x.Find("table.final tr").Slice(1, goquery.ToEnd)))
	assert.Equal(t, 1, x.Find("path.edge").Length(), "w2 read w1")
	assert.Equal(t, "final", strings.Fields(x.Find(`g.w[data-write="w1"]`).AttrOr("class", ""))[1])
	assert.Equal(t, "lost", strings.Fields(x.Find(`g.w[data-write="w2"]`).AttrOr("class", ""))[1])
	assert.Equal(t, "failed", strings.Fields(x.Find(`g.w[data-write="w7"]`).AttrOr("class", ""))[1])
	z := doc.Find(`article.key[data-key="z"]`)
	assert.Equal(t, []string{"n1 w6 (deleted)", "n2 w6 (deleted)", "n3 w6 (deleted)"}, rows(z.Find("table.final tr").Slice(1, goquery.ToEnd)))
	assert.Equal(t, 1, z.Find(`g.w[data-write="w6"] rect`).Length(), "a delete is drawn as a square")
	// y: w3 and w4 were concurrent and blind: two lanes.
	y := doc.Find(`article.key[data-key="y"]`)
	w3, w4 := y.Find(`g.w[data-write="w3"] circle`), y.Find(`g.w[data-write="w4"] circle`)
	assert.NotEqual(t, w3.AttrOr("cy", ""), w4.AttrOr("cy", ""))
}

func TestReportIsSelfContained(t *testing.T) {
	_, _, doc, raw := known(t)
	doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		_, has := s.Attr("src")
		assert.False(t, has, "no external scripts")
	})
	doc.Find("link").Each(func(_ int, s *goquery.Selection) {
		assert.NotEqual(t, "stylesheet", s.AttrOr("rel", ""), "no external style sheets")
	})
	for _, id := range []string{"#plot-latency", "#plot-clocks"} {
		src := doc.Find(id).AttrOr("src", "")
		assert.True(t, strings.HasPrefix(src, "data:image/svg+xml;base64,"), "%s is inlined", id)
	}
	assert.NotContains(t, string(raw), "http://")
	assert.NotContains(t, string(raw), "https://")
	assert.NotContains(t, string(raw), "@import")
}

func TestReportIsDeterministic(t *testing.T) {
	_, _, _, a := known(t)
	_, _, _, b := known(t)
	assert.Equal(t, a, b)
}

func TestReportRejectsMalformedHistory(t *testing.T) {
	h := []histories.Event{{Index: 0, Process: "c1", Type: histories.OK, F: histories.Read, Key: "x"}}
	err := render(&bytes.Buffer{}, h, &checker.Result{}, Info{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "never invoked")
	require.Error(t, render(&bytes.Buffer{}, nil, nil, Info{}))
}

func TestLinksFindsRawFilesAndOtherViews(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"history.jsonl", "run.json", runs.HTMLFile, "porcupine-k1.html", "linearizability/k2.html", "notes.md"} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644))
	}
	var names []string
	for _, l := range links(dir) {
		names = append(names, l.Href)
	}
	assert.Equal(t, []string{"history.jsonl", "run.json", "linearizability/k2.html", "porcupine-k1.html"}, names)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// rows is the text of each row, cells joined by a space.
func rows(s *goquery.Selection) []string {
	var out []string
	s.Each(func(_ int, r *goquery.Selection) {
		var cells []string
		r.Find("td").Each(func(_ int, c *goquery.Selection) { cells = append(cells, text(c)) })
		out = append(out, strings.Join(cells, " "))
	})
	return out
}

// The page lists the skew signature first, like the text report, and counts
// the losses stamped below a write they follow.
func TestReportOrdersLostWritesByInterestAndCountsInversions(t *testing.T) {
	h, res := inversionHistory(t)
	require.NotZero(t, res.Summary.Inverted, "the run must have a loss stamped below a write it follows")
	var b bytes.Buffer
	require.NoError(t, render(&b, h, res, Info{Name: "lww-x", Strategy: "lww", Seed: "1", Command: "clockwise check"}))
	doc, err := goquery.NewDocumentFromReader(&b)
	require.NoError(t, err)
	var got []string
	doc.Find("details.lost").Each(func(_ int, s *goquery.Selection) { got = append(got, s.AttrOr("data-write", "")) })
	var want []string
	for _, i := range checker.ByInterest(res.Lost, 0) {
		want = append(want, res.Lost[i].Write.Write)
	}
	require.NotEmpty(t, got)
	assert.Equal(t, want[:len(got)], got, "stories in the order of interest")
	first := res.Lost[checker.ByInterest(res.Lost, 0)[0]]
	assert.True(t, first.Kind == checker.OverwrittenByOlder || first.Inverted != nil, "the first story shows the skew")
	assert.Contains(t, text(doc.Find("ul.kinds")), "stamped below a write it follows "+strconv.Itoa(res.Summary.Inverted))
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}
