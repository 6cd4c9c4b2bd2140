package page

import (
	"bytes"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/sim"
	"github.com/clockwise-kv/clockwise/histories"
)

func renderHistory(t require.TestingT, h []histories.Event) (*checker.Result, *goquery.Document, int) {
	res, err := checker.Check(h, checker.Options{})
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, render(&b, h, res, Info{Command: "replay"}))
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(b.Bytes()))
	require.NoError(t, err)
	return res, doc, b.Len()
}

var eventRE = regexp.MustCompile(`\(event (\d+)\)`)

// For random runs, the page tells every lost write, draws every operation,
// and shades one interval per partition and per node whose clock a fault
// moved off true time, whatever the strategy, faults and seed.
func TestReportShowsEveryFindingAndFaultProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		cfg := harness.DefaultConfig()
		cfg.Strategy = rapid.SampledFrom([]string{"lww", "vv"}).Draw(rt, "strategy")
		cfg.Seed = rapid.Uint64().Draw(rt, "seed")
		cfg.Ops = rapid.IntRange(0, 60).Draw(rt, "ops")
		cfg.Clients = rapid.IntRange(1, 4).Draw(rt, "clients")
		cfg.Keys = rapid.IntRange(1, 3).Draw(rt, "keys")
		cfg.Nemesis.Kinds = rapid.SliceOfDistinct(rapid.SampledFrom([]string{"skew", "strobe", "partition"}),
			func(s string) string { return s }).Draw(rt, "faults")
		cfg.Nemesis.Interval = time.Duration(rapid.IntRange(5, 80).Draw(rt, "interval ms")) * time.Millisecond
		run, err := sim.Run(cfg, nil, sim.Options{})
		require.NoError(rt, err)
		res, doc, _ := renderHistory(rt, run.History)

		require.Equal(rt, len(res.Lost), doc.Find("details.lost").Length())
		for _, l := range res.Lost {
			require.Equal(rt, 1, doc.Find(`details.lost[data-write="`+l.Write.Write+`"]`).Length(), l.Write.Write)
		}
		a, err := checker.Analyze(run.History)
		require.NoError(rt, err)
		drawn, _ := timelineOps(rt, doc)
		require.Len(rt, drawn, len(a.Ops))
		lost := 0
		for _, o := range drawn {
			if o.Lost > 0 {
				lost++
			}
		}
		require.Equal(rt, len(res.Lost), lost)

		// The intervals, from the events alone: each partition, and each
		// node a clock fault set off true time.
		var want []int
		for _, e := range run.History {
			if e.Process != histories.Nemesis {
				continue
			}
			switch e.F {
			case "partition":
				want = append(want, e.Index)
			case "skew", "strobe":
				for _, v := range e.Params {
					if v != "+0s" {
						want = append(want, e.Index)
					}
				}
			}
		}
		var got []int
		doc.Find("#timeline-svg g.interval title").Each(func(_ int, s *goquery.Selection) {
			m := eventRE.FindStringSubmatch(s.Text())
			require.NotNil(rt, m, s.Text())
			n, _ := strconv.Atoi(m[1])
			got = append(got, n)
		})
		slices.Sort(want)
		slices.Sort(got)
		require.Equal(rt, want, got)
		require.Equal(rt, res.Summary.Faults, doc.Find("#faults tr.fault").Length())
		verdict := "VALID"
		switch {
		case res.Verdict == checker.Unknown:
			verdict = "UNKNOWN" // a run of no operation: nothing to judge
			require.Zero(rt, cfg.Ops)
		case !res.Valid:
			verdict = "INVALID"
		}
		require.Equal(rt, verdict, doc.Find("#verdict .badge").Text())
	})
}

// A long run keeps the page small: maxStories stories, the rest of the lost
// writes in brief, maxBars operations on the timeline, maxDetails of them
// described in full, PNG plots.
func TestReportCapsLongRuns(t *testing.T) {
	cfg := harness.DefaultConfig()
	cfg.Ops = maxBars + 500
	run, err := sim.Run(cfg, nil, sim.Options{})
	require.NoError(t, err)
	res, doc, size := renderHistory(t, run.History)
	require.Greater(t, len(res.Lost), maxStories)
	assert.Equal(t, maxStories, doc.Find("details.lost").Length())
	rows := min(len(res.Lost)-maxStories, maxLostRows)
	assert.Equal(t, rows, doc.Find("tr.lostrow").Length())
	if more := len(res.Lost) - maxStories - rows; more > 0 {
		assert.Contains(t, doc.Find("#lost-more").Text(), "and "+strconv.Itoa(more)+" more lost writes")
	}
	got, data := timelineOps(t, doc)
	assert.Len(t, got, maxBars)
	assert.Len(t, data.Details, maxDetails)
	assert.Contains(t, doc.Find("#timeline b.cut").Text(), "first "+strconv.Itoa(maxBars)+" of")
	assert.Regexp(t, `^data:image/png;base64,`, doc.Find("#plot-latency").AttrOr("src", ""))
	assert.Less(t, size, 6<<20, "the page of a %d-operation run", cfg.Ops)
	t.Logf("%d operations, %d lost: %d bytes", cfg.Ops, len(res.Lost), size)
}

func TestClockOffsetsFollowTheFaults(t *testing.T) {
	faults := []checker.Fault{
		{Index: 0, Time: 10, F: "skew", Params: map[string]string{"n1": "+5s"}},
		{Index: 1, Time: 20, F: "partition", Params: map[string]string{"groups": "n1 | n2"}},
		{Index: 2, Time: 30, F: "strobe", Params: map[string]string{"n2": "+0s strobe +100ns/5ns"}},
		{Index: 3, Time: 40, F: "reset", Params: map[string]string{"n1": "+0s", "n2": "+0s"}},
		{Index: 4, Time: 45, F: "tombstone", Params: map[string]string{"key": "k1"}},
	}
	nv := readFaults(faults, 100)
	require.Len(t, nv.Intervals, 3)
	assert.Equal(t, interval{Kind: "clock", Node: "n1", Label: "skew n1 +5s", Start: 10, End: 40}, nv.Intervals[0])
	assert.Equal(t, interval{Kind: "partition", Label: "partition n1 | n2", Start: 20, End: 100, Open: true, Event: 1}, nv.Intervals[1])
	assert.Equal(t, interval{Kind: "clock", Node: "n2", Label: "strobe n2 +0s strobe +100ns/5ns", Start: 30, End: 40, Event: 2}, nv.Intervals[2])
	assert.Equal(t, []instant{{F: "tombstone", Label: "tombstone key k1", Time: 45, Event: 4}}, nv.Instants)
	nodes := []string{"n1", "n2"}
	assert.Equal(t, "n1 +0s, n2 +0s", nv.offsets(nodes, 5))
	assert.Equal(t, "n1 +5s, n2 +0s", nv.offsets(nodes, 10))
	assert.Equal(t, "n1 +5s, n2 +100ns (strobing)", nv.offsets(nodes, 31))
	assert.Equal(t, "n1 +5s, n2 +0s (strobing)", nv.offsets(nodes, 36))
	assert.Equal(t, "n1 +0s, n2 +0s", nv.offsets(nodes, 40))
}

// BenchmarkRender renders the report of the default run (1000 operations
// under lww, skew and partitions).
func BenchmarkRender(b *testing.B) {
	run, err := sim.Run(harness.DefaultConfig(), nil, sim.Options{})
	require.NoError(b, err)
	res, err := checker.Check(run.History, checker.Options{})
	require.NoError(b, err)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		require.NoError(b, render(&buf, run.History, res, Info{}))
	}
	b.ReportMetric(float64(buf.Len()), "bytes/page")
}
