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

// decodedOp is one operation of the timeline's data, decoded as the
// page's script decodes it.
type decodedOp struct {
	Start, End       int64 // End -1: never completed
	Invoke           int
	Lane, Class, Key string
	Node             string
	Lost             int // 0, 1 lost, 2 lost to clock skew
	Detail           int // index into the page's details; -1: none
}

// timelineOps decodes the operations the page gives its script.
func timelineOps(t require.TestingT, doc *goquery.Document) ([]decodedOp, opsData) {
	var d opsData
	require.NoError(t, json.Unmarshal([]byte(doc.Find("script#timeline-data").Text()), &d))
	n := len(d.Start)
	for _, col := range [][]int{d.Invoke, d.Code} {
		require.Len(t, col, n)
	}
	require.Len(t, d.Dur, n)
	out := make([]decodedOp, n)
	var at int64
	inv := 0
	for i := range out {
		at += d.Start[i]
		inv += d.Invoke[i]
		o := decodedOp{Start: at * d.Q, End: -1, Invoke: inv, Detail: -1}
		if d.Dur[i] >= 0 {
			o.End = (at + d.Dur[i]) * d.Q
		}
		c := d.Code[i]
		o.Lost, c = c%3, c/3
		o.Lane, c = d.Lanes[c%len(d.Lanes)], c/len(d.Lanes)
		o.Class, c = d.Classes[c%len(d.Classes)], c/len(d.Classes)
		o.Node, o.Key = d.Nodes[c%len(d.Nodes)], d.Keys[c/len(d.Nodes)]
		out[i] = o
	}
	for j, i := range d.Details {
		out[i].Detail = j
	}
	return out, d
}

func TestReportTimelineHasEveryOperation(t *testing.T) {
	h, res, doc, _ := known(t)
	a, err := checker.Analyze(h)
	require.NoError(t, err)
	ops := a.Ops
	got, data := timelineOps(t, doc)
	require.Len(t, got, len(ops))
	lost := map[string]*checker.Lost{}
	for i := range res.Lost {
		lost[res.Lost[i].Write.Write] = &res.Lost[i]
	}
	var details []detail
	require.NoError(t, json.Unmarshal([]byte(doc.Find("script#details").Text()), &details))
	require.Len(t, details, len(ops), "a short run's operations are all described in full")
	byInvoke := map[int]decodedOp{}
	for i, o := range got {
		byInvoke[o.Invoke] = o
		if i > 0 {
			assert.LessOrEqual(t, got[i-1].Start, o.Start, "in order of their start")
		}
	}
	for _, op := range ops {
		o, ok := byInvoke[op.Invoke]
		require.True(t, ok, "operation %d on the timeline", op.Invoke)
		assert.Equal(t, op.Start/data.Q*data.Q, o.Start)
		assert.Equal(t, op.Process, o.Lane)
		assert.Equal(t, op.Key, o.Key)
		assert.Equal(t, op.Node, o.Node)
		assert.Equal(t, opClass(op), o.Class)
		want := 0
		if l := lost[op.Write]; l != nil && op.F != histories.Read {
			want = 1
			if l.Skew {
				want = 2
			}
		}
		assert.Equal(t, want, o.Lost, "operation %d (%s)", op.Invoke, op.Write)
		require.GreaterOrEqual(t, o.Detail, 0)
		assert.Contains(t, details[o.Detail].Title, op.Process+" ", "its tooltip, from its details")
		if want > 0 {
			assert.Equal(t, lostAnchor(op.Write), details[o.Detail].Lost)
		}
	}
	var lanes []string
	doc.Find(".tl-labels text.lane").Each(func(_ int, s *goquery.Selection) { lanes = append(lanes, s.Text()) })
	assert.Equal(t, []string{"c1", "c2", "c3", "final"}, lanes)
	assert.Equal(t, lanes, data.Lanes)
	assert.Equal(t, "lost writes", text(doc.Find(".tl-labels text.nem").Last()), "a row of lost writes above the lanes")
	// The info write is drawn as one.
	info := 0
	for _, o := range got {
		if strings.HasPrefix(o.Class, "info ") {
			info++
		}
	}
	assert.Equal(t, 1, info)
}

// A long run's timeline describes at most maxDetails operations in full:
// those the page links to first, then the lost writes.
func TestTimelineDetailsFavourLinkedOperations(t *testing.T) {
	var ops []*checker.Op
	lost := map[string]*checker.Lost{}
	for i := range maxDetails + 100 {
		op := &checker.Op{Process: "c1", F: histories.Write, Type: histories.OK, Key: "k", Node: "n1", Write: "w" + strconv.Itoa(i),
			Invoke: 2 * i, Complete: 2*i + 1, Start: int64(i) * 10, End: int64(i)*10 + 5}
		ops = append(ops, op)
		if i%1000 == 999 {
			lost[op.Write] = &checker.Lost{}
		}
	}
	want := map[int]bool{2 * (maxDetails + 50): true}
	nv := readFaults(nil, 0)
	_, details := buildTimeline(ops, &nv, int64(len(ops))*10, lost, want)
	require.Len(t, details, maxDetails)
	var lostDescribed int
	linked := false
	for _, d := range details {
		if d.Lost != "" {
			lostDescribed++
		}
		linked = linked || strings.Contains(d.Title, "(w"+strconv.Itoa(maxDetails+50)+")")
	}
	assert.True(t, linked, "an operation the page links to is described, however late")
	assert.Equal(t, len(lost), lostDescribed, "every lost write described")
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

// A causal graph is drawn no smaller than graphMinScale of its size (wider
// than its box, it scrolls), and left out past graphLimit writes.
func TestCausalGraphsStayReadable(t *testing.T) {
	_, _, doc, _ := known(t)
	svg := doc.Find(`article.key[data-key="x"] svg.graph`)
	w := atoi(t, svg.AttrOr("width", ""))
	assert.Contains(t, svg.AttrOr("style", ""), "min-width: "+strconv.Itoa(int(graphMinScale*float64(w)))+"px")

	var ws []*checker.Write
	for i := range graphLimit + 1 {
		ws = append(ws, &checker.Write{Op: &checker.Op{Write: "w" + strconv.Itoa(i), Start: int64(i), End: int64(i), Type: histories.OK}})
	}
	assert.Equal(t, graphLimit+1, layoutGraph(ws, nil, nil, true).Omitted)
	g := layoutGraph(ws[:graphLimit], nil, nil, true)
	assert.Zero(t, g.Omitted)
	assert.Len(t, g.Nodes, graphLimit)
}
