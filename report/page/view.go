package page

import (
	"errors"
	"fmt"
	"html/template"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/report"
	"github.com/clockwise-kv/clockwise/report/plot"
)

// page is everything the report template shows.
type page struct {
	Info     Info
	Res      *checker.Result
	Events   int
	Duration int64
	Nodes    []string
	Kinds    []kindCount
	Faults   []faultRow
	Started  int        // faults the nemesis started, heals apart (report.FaultsStarted)
	Skew     []lostView // the first maxSkewStories lost to clock skew, with their stories
	SkewMore int        // of those, the ones not told in Skew
	Lost     []lostView // the next lost writes, up to maxStories with Skew, with their stories
	LostRows []lostRow  // the next maxLostRows, one line each
	LostMore int        // lost writes beyond those, left to results.json
	Stale    []staleView
	Keys     []keyView
	Timeline *timeline
	Details  []detail // of the timeline's operations described in full (opsData.Details)
	// Details as the page holds it (scriptJSON)
	DetailsScript template.JS
	// Parts are the page's largest sections, executed side by side
	// before the page that holds them (execute).
	Parts    map[string]template.HTML
	Plots    []*plot.Figure // latency quantiles, throughput, clocks, every latency
	Missing  int            // operations that never completed
	Ops      int            // operations in the history
	Shown    int            // of those, the ones on the timeline
	Verdict  string         // VALID, INVALID or UNKNOWN
	Headline string         // what the verdict rests on
	Total    string         // how many writes were lost of how many (checker.Total)
}

// Invalid reports whether the verdict is invalid: the page then also lists
// what the history could not decide.
func (p *page) Invalid() bool { return p.Res.Verdict == checker.Invalid }

// Limits that keep the page of a long run small enough for a browser. What
// they cut is said on the page; results.json and report.txt have it all.
const (
	maxStories     = 100     // lost writes told in full
	maxSkewStories = 10      // of those, the ones lost to clock skew told above the timeline
	maxLostRows    = 2000    // further lost writes, one line each
	maxStaleRows   = 2000    // stale siblings listed, one row each
	maxBars        = 120_000 // operations drawn on the timeline, in invoke order
	maxWriteRows   = 500     // rows in each key's table of writes
)

// lostRow is a lost write in one line.
type lostRow struct {
	Write, Key, Winner, Acked, Delta string
	Kind                             checker.LostKind
}

type kindCount struct {
	Kind string
	N    int
	Note string
}

// kindNotes say what each kind of lost write means.
var kindNotes = map[checker.LostKind]string{
	checker.OverwrittenByOlder:    "a causally older write won over a write that follows it",
	checker.ConcurrentDropped:     "two concurrent writes, and the store silently kept one instead of both as siblings",
	checker.SuppressedByTombstone: "a delete that did not follow the write is what survives",
	checker.Missing:               "no version of the key survives on any node",
}

// faultRow is one nemesis event.
type faultRow struct {
	Index int
	Time  int64
	F     histories.Func
	Value string
}

// side is one write in a lost write's story.
type side struct {
	Ref     *checker.Ref
	What    string // "write", "delete"
	TS      string
	Offset  string // the serving node's offset, as recorded with the operation
	Clocks  string // every node's offset when it was acknowledged
	Context string
	Anchor  string // id of its bar on the timeline
}

// lostView is a lost write with its story.
type lostView struct {
	checker.Lost
	Open     bool
	Note     string
	Write    side
	Winner   *side
	Label    string // the kind, or "lost to clock skew"
	Beaten   string // what beat it when it was written (Lost.Above)
	Relation string // how the two relate causally
	Order    string // true-time order against timestamp order
	Final    []nodeFinal
}

type staleView struct {
	checker.Stale
}

// nodeFinal is what one node's final read of a key returned.
type nodeFinal struct {
	Node     string
	Versions []versionView
	Differs  bool // not what the first node returned
}

type versionView struct {
	Write   string
	Value   string
	Deleted bool
}

// keyView is one key: its final state, verdict and causal graph.
type keyView struct {
	checker.Key
	FinalIDs   idsView // F
	MaximalIDs idsView // the maximal writes
	Final      []nodeFinal
	Graph      *graphView
	Writes     []writeRow
	Lost       int
	Count      int // writes of the key
}

type writeRow struct {
	Invoke                                                          int
	ID, Process, Node, TS, Offset, Context, Fate, FateClass, Anchor string
	Type                                                            histories.Type
	Deleted                                                         bool
	Value                                                           string
}

// detail is what clicking a bar on the timeline shows.
type detail struct {
	Title string      `json:"title"`
	Rows  [][2]string `json:"rows"`
	Lost  string      `json:"lost,omitempty"` // anchor of the lost write's story
}

// build makes the page of history h, judged as res.
func build(h []histories.Event, res *checker.Result, info Info) (*page, error) {
	a, err := checker.Analyze(h)
	if err != nil {
		return nil, fmt.Errorf("page: %w", err)
	}
	return begin(a).finish(res, info)
}

// draft is a page begun from the history's analysis alone: the plots
// that need no verdict are drawn, each on a goroutine of its own, from the
// moment it begins, while the history is being judged.
type draft struct {
	a     *checker.Analysis
	end   int64
	nv    nemesisView // read only, by finish
	pf    plot.Faults // the same, as the plots draw it; read only
	nodes []string
	plots []*plot.Figure // quantiles, rate, clocks
	errs  []error
	// unmarked is the latency plot drawn before the verdict, marking no
	// lost write, when siblings is set: the page's if none was lost.
	siblings    bool // a read returned siblings
	unmarked    *plot.Figure
	unmarkedErr error
	wg          sync.WaitGroup
}

func begin(a *checker.Analysis) *draft {
	d := &draft{a: a}
	// The history's last moment, as its events have it: every event is
	// an operation's invoke or completion, or a fault.
	for _, op := range a.Ops {
		d.end = max(d.end, op.Start, op.End)
	}
	for _, f := range a.Faults {
		d.end = max(d.end, f.Time)
	}
	d.nv = readFaults(a.Faults, d.end)
	d.pf = d.nv.plotted()
	d.nodes = nodesOf(a.Ops, d.nv)
	plots := []func() (*plot.Figure, error){
		func() (*plot.Figure, error) { return plot.Quantiles(a.Ops, &d.pf, d.end) },
		func() (*plot.Figure, error) { return plot.Rate(a.Ops, &d.pf, d.end) },
		func() (*plot.Figure, error) { return plot.Clocks(a.Ops, &d.pf, d.nodes, d.end) },
	}
	d.plots, d.errs = make([]*plot.Figure, len(plots)), make([]error, len(plots))
	for i, plot := range plots {
		d.wg.Go(func() {
			if d.plots[i], d.errs[i] = plot(); d.errs[i] == nil {
				d.errs[i] = d.plots[i].Render()
			}
		})
	}
	// The latency plot marks the lost writes, so it needs the verdict. A
	// store whose reads return siblings seldom loses a write, though: for
	// its history the plot is drawn now too, marking none, and finish keeps
	// it when the verdict finds no write lost (and draws it again when one
	// is).
	d.siblings = slices.ContainsFunc(a.Ops, func(op *checker.Op) bool { return len(op.Versions) > 1 })
	if d.siblings {
		d.wg.Go(func() {
			if d.unmarked, d.unmarkedErr = plot.Latency(a.Ops, &d.pf, d.end, nil); d.unmarkedErr == nil {
				d.unmarkedErr = d.unmarked.Render()
			}
		})
	}
	return d
}

// finish makes the page of the draft's history, judged as res.
func (d *draft) finish(res *checker.Result, info Info) (*page, error) {
	defer d.wg.Wait() // no plot outlives the page, even on an error
	if res == nil {
		return nil, fmt.Errorf("page: no result to render")
	}
	a, end := d.a, d.end
	ops, faults, g := a.Ops, a.Faults, a.Graph
	p := &page{Info: info, Res: res, Events: a.Events, Duration: end, Started: report.FaultsStarted(faults)}
	p.Verdict, p.Headline, _ = strings.Cut(report.Headline(res), ": ")
	nv := &d.nv
	p.Nodes = d.nodes
	for _, f := range faults {
		p.Faults = append(p.Faults, faultRow{Index: f.Index, Time: f.Time, F: f.F, Value: report.Params(f.Params)})
	}
	sum := &res.Summary
	p.Total = checker.Total(sum)
	for _, c := range []kindCount{
		{Kind: "lost to clock skew", N: sum.SkewLost,
			Note: "stamped below an acknowledged write that preceded them, in real time or by a read: the newer write lost because the highest timestamp belongs to the fastest clock (listed first)"},
		{Kind: "racing", N: sum.Racing,
			Note: "dropped for a concurrent write that overlapped them in real time: the store kept one instead of both as siblings"},
		{Kind: "overwritten later", N: sum.Overwritten,
			Note: "dropped for a write that began after they were acknowledged without reading them: an overwrite a register also makes, where siblings keep both"},
		{Kind: "stamped against real time", N: sum.Misordered,
			Note: "logical stamps below a write that preceded them in real time: the stamp contradicted real time, not a clock"},
	} {
		if c.N > 0 {
			p.Kinds = append(p.Kinds, c)
		}
	}
	for _, k := range checker.LostKinds {
		if n := res.Summary.LostByKind[k]; n > 0 {
			p.Kinds = append(p.Kinds, kindCount{Kind: string(k), N: n, Note: kindNotes[k]})
		}
	}
	if n := res.Summary.Inverted; n > 0 {
		p.Kinds = append(p.Kinds, kindCount{Kind: "stamped below a write it follows", N: n,
			Note: "of the lost writes above, these read a write and then got a lower timestamp than it: they lost the moment they were written (clock skew), whatever survived at the end"})
	}
	finals := finalReads(ops)
	lostBy := map[string]*checker.Lost{}
	opened := map[checker.LostKind]bool{}
	for i, j := range checker.ByInterest(res.Lost, 0) { // the order a reader wants them
		l := &res.Lost[j]
		lostBy[l.Write.Write] = l
		open := i < openStories || !opened[l.Kind] // and the first of each kind
		opened[l.Kind] = true
		switch {
		case l.Skew && len(p.Skew) < maxSkewStories:
			p.Skew = append(p.Skew, lostStory(l, len(p.Skew) == 0, g, nv, p.Nodes, finals[l.Key]))
		case l.Skew && i < maxStories:
			p.SkewMore++
			p.Lost = append(p.Lost, lostStory(l, false, g, nv, p.Nodes, finals[l.Key]))
		case i < maxStories:
			p.Lost = append(p.Lost, lostStory(l, open, g, nv, p.Nodes, finals[l.Key]))
		case i < maxStories+maxLostRows:
			if l.Skew {
				p.SkewMore++
			}
			p.LostRows = append(p.LostRows, lostLine(l))
		default:
			if l.Skew {
				p.SkewMore++
			}
			p.LostMore++
		}
	}
	// The latency plot marks the lost writes: it is the one plot drawn
	// once the verdict is in, beside the rest of the page.
	var latency *plot.Figure
	var latencyErr error
	drawn := len(lostBy) == 0 && d.siblings
	if !drawn {
		d.wg.Go(func() {
			if latency, latencyErr = plot.Latency(ops, &d.pf, end, lostBy); latencyErr == nil {
				latencyErr = latency.Render()
			}
		})
	}
	for _, s := range res.Stale[:min(len(res.Stale), maxStaleRows)] {
		p.Stale = append(p.Stale, staleView{s})
	}
	for _, k := range res.Keys {
		p.Keys = append(p.Keys, keyStory(k, g, finals[k.Key], lostBy))
	}
	p.Ops = len(ops)
	shown, tlEnd := ops, end
	if len(ops) > maxBars {
		shown, tlEnd = ops[:maxBars], 0
		for _, op := range shown {
			tlEnd = max(tlEnd, op.Start, op.End)
		}
	}
	p.Shown = len(shown)
	p.Timeline, p.Details = buildTimeline(shown, nv, tlEnd, lostBy, p.anchored())
	// The timeline's data and details, the page's largest parts, are
	// encoded here, side by side, rather than as the page is executed.
	var detailsErr, dataErr error
	d.wg.Go(func() { p.DetailsScript, detailsErr = scriptJSON(p.Details) })
	p.Timeline.Script, dataErr = scriptJSON(&p.Timeline.Data)
	for _, op := range ops {
		if op.Complete < 0 {
			p.Missing++
		}
	}
	d.wg.Wait()
	if drawn {
		latency, latencyErr = d.unmarked, d.unmarkedErr
	}
	if err := errors.Join(append(d.errs, latencyErr, detailsErr, dataErr)...); err != nil {
		return nil, err
	}
	p.Plots = append(slices.Clone(d.plots), latency)
	return p, nil
}

// anchored is the invoke events of the operations the page links to from
// the stories and the keys' tables of writes: the timeline describes them
// in full.
func (p *page) anchored() map[int]bool {
	want := map[int]bool{}
	for _, l := range slices.Concat(p.Skew, p.Lost) {
		want[l.Write.Ref.Invoke] = true
		if l.Winner != nil {
			want[l.Winner.Ref.Invoke] = true
		}
	}
	for _, k := range p.Keys {
		for _, w := range k.Writes {
			want[w.Invoke] = true
		}
	}
	return want
}

// sideBySide runs do(0)…do(n-1) each on a goroutine of its own and returns
// their errors joined.
func sideBySide(n int, do func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = do(i) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// openStories is how many lost-write stories the page shows expanded, on
// top of the first of each kind.
const openStories = 5

func anchor(invoke int) string { return "op-" + strconv.Itoa(invoke) }

// lostAnchor is the id of a lost write's story in the report.
func lostAnchor(write string) string { return "lost-" + write }

func lostStory(l *checker.Lost, open bool, g *checker.Graph, nv *nemesisView, nodes []string, final []nodeFinal) lostView {
	v := lostView{Lost: *l, Open: open, Note: kindNotes[l.Kind], Label: string(l.Kind), Write: sideOf(l.Write, nv, nodes), Final: final}
	if l.Above != nil {
		v.Beaten = beaten(l)
		v.Note, v.Label = "stamped below an earlier write, it never won under timestamp order; what survived at the end comes second", "stamped against real time"
		if l.Skew {
			v.Note, v.Label = "the newer write lost because the highest timestamp belongs to the fastest clock: it was stamped below an earlier write; what survived at the end comes second", "lost to clock skew"
		}
	}
	if l.Winner == nil {
		v.Relation = fmt.Sprintf("No version of %s survived to replace %s.", l.Key, l.Write.Write)
		return v
	}
	win := sideOf(l.Winner, nv, nodes)
	v.Winner = &win
	w, x := g.Write(l.Write.Write), g.Write(l.Winner.Write)
	switch g.Relation(w, x) {
	case checker.After:
		v.Relation = fmt.Sprintf("%s follows %s: %s had read %s (or a write that follows it) before it wrote %s. The newer write should have won.",
			w.Write, x.Write, w.Process, x.Write, w.Write)
	case checker.Before:
		v.Relation = fmt.Sprintf("%s follows %s: the winner is the newer write, yet %s was not kept as its ancestor.", x.Write, w.Write, w.Write)
	default:
		v.Relation = fmt.Sprintf("%s and %s are concurrent: neither client had read the other's write, so both should survive as siblings.",
			w.Write, x.Write)
		switch l.WinnerTime {
		case checker.Raced:
			v.Relation += " In real time they overlapped: a true race."
		case checker.Later:
			v.Relation += fmt.Sprintf(" In real time %s began after %s was acknowledged, without having read it: an overwrite a register would also make.", x.Write, w.Write)
		}
	}
	v.Order = order(l.Write, l.Winner)
	return v
}

// beaten says what beat a lost write when it was written: the earlier
// write stamped above it (Lost.Above).
func beaten(l *checker.Lost) string {
	w, a := l.Write, l.Above
	what := a.Write
	if a.Deleted {
		what = "the delete " + a.Write
	}
	how := "which it read"
	if !l.AboveRead {
		how = fmt.Sprintf("acknowledged before %s began at %s", w.Write, report.BriefTime(w.Start))
	}
	s := fmt.Sprintf("%s (%s) was stamped below %s (%s, %s): under timestamp order it never won.",
		w.Write, storyRef(w), what, storyRef(a), how)
	if !l.Skew {
		s += " The stamps are logical counters, not clock readings: the stamp contradicted real time, which is not clock skew."
	}
	return s
}

// storyRef is a write in a few words for a story: who, where, when it was
// acknowledged, its stamp.
func storyRef(r *checker.Ref) string {
	at := "never acknowledged"
	if r.Ack >= 0 {
		at = "acknowledged at " + report.BriefTime(r.End)
	}
	return fmt.Sprintf("%s via %s, %s, stamp %s", r.Process, r.Node, at, report.BriefStamp(r.TS))
}

func lostLine(l *checker.Lost) lostRow {
	r := lostRow{Write: l.Write.Write, Key: l.Key, Kind: l.Kind, Acked: clock.Seconds(l.Write.End)}
	if w := l.Winner; w != nil {
		r.Winner = w.Write
		if w.TS != 0 && l.Write.TS != 0 {
			r.Delta = clock.Delta(w.TS, l.Write.TS, time.Microsecond)
		}
	}
	return r
}

func sideOf(r *checker.Ref, nv *nemesisView, nodes []string) side {
	s := side{Ref: r, What: "write", Offset: clock.Offset(r.Offset), Anchor: anchor(r.Invoke)}
	if r.Deleted {
		s.What = "delete"
	}
	if r.TS != 0 {
		s.TS = stampText(r.TS)
	} else if r.VV != nil {
		s.TS = report.VV(r.VV)
	}
	at := r.End
	if at < 0 {
		at = r.Start
	}
	s.Clocks = nv.offsets(nodes, at)
	s.Context = "nothing (a blind write)"
	if len(r.Context) > 0 {
		s.Context = strings.Join(r.Context, " ")
	}
	return s
}

// order compares the order of two writes in true time with their order by
// timestamp.
func order(w, win *checker.Ref) string {
	var parts []string
	if w.End >= 0 && win.End >= 0 {
		first, second := win, w
		if w.End < win.End {
			first, second = w, win
		}
		if first.End == second.End {
			parts = append(parts, fmt.Sprintf("In true time both were acknowledged at %s.", clock.Seconds(w.End)))
		} else {
			parts = append(parts, fmt.Sprintf("In true time %s was acknowledged first (at %s), %s before %s (at %s).",
				first.Write, clock.Seconds(first.End), clock.Seconds(second.End-first.End), second.Write, clock.Seconds(second.End)))
		}
	}
	if w.TS != 0 && win.TS != 0 {
		if win.TS > w.TS {
			parts = append(parts, fmt.Sprintf("By timestamp %s is %s ahead: %s from %s's clock %s, against %s from %s's clock %s, so the store kept %s.",
				win.Write, clock.Delta(win.TS, w.TS, time.Microsecond), clock.Stamp(win.TS), win.Node, clock.Offset(win.Offset),
				clock.Stamp(w.TS), w.Node, clock.Offset(w.Offset), win.Write))
		} else {
			parts = append(parts, fmt.Sprintf("Yet %s's timestamp %s is not above %s's %s.", win.Write, clock.Stamp(win.TS), w.Write, clock.Stamp(w.TS)))
		}
	}
	return strings.Join(parts, " ")
}

// stampText is a timestamp on the page: as people read it (clock.Stamp),
// and, for a physical stamp, the raw value the history holds.
func stampText(ts int64) string {
	if !clock.Physical(ts) {
		return clock.Stamp(ts)
	}
	return fmt.Sprintf("%s (%d)", clock.Stamp(ts), ts)
}

// finalReads gathers each key's final reads per node, nodes in order.
func finalReads(ops []*checker.Op) map[string][]nodeFinal {
	out := map[string][]nodeFinal{}
	for _, op := range ops {
		if op.Process != histories.Final || op.F != histories.Read || op.Type != histories.OK {
			continue
		}
		nf := nodeFinal{Node: op.Node, Versions: []versionView{}}
		for _, v := range op.Versions {
			nf.Versions = append(nf.Versions, versionView{Write: v.Write, Value: v.Value, Deleted: v.Deleted})
		}
		slices.SortFunc(nf.Versions, func(a, b versionView) int { return report.CompareNames(a.Write, b.Write) })
		out[op.Key] = append(out[op.Key], nf)
	}
	for k, nfs := range out {
		slices.SortStableFunc(nfs, func(a, b nodeFinal) int { return report.CompareNames(a.Node, b.Node) })
		for i := 1; i < len(nfs); i++ {
			nfs[i].Differs = !slices.Equal(nfs[i].Versions, nfs[0].Versions)
		}
		out[k] = nfs
	}
	return out
}

// idsView is a list of write ids on the page: in numeric order, the first
// maxIDs of them, saying how many more there are.
type idsView struct {
	N    int
	Text string
}

// maxIDs is how many ids of a key's F or maximal writes the page lists;
// results.json has them all.
const maxIDs = 40

func idsOf(ids []string) idsView {
	sorted := slices.SortedFunc(slices.Values(ids), report.CompareNames)
	v := idsView{N: len(ids)}
	if len(sorted) > maxIDs {
		v.Text = strings.Join(sorted[:maxIDs], " ") + fmt.Sprintf(" … and %d more in results.json", len(sorted)-maxIDs)
	} else {
		v.Text = strings.Join(sorted, " ")
	}
	return v
}

func keyStory(k checker.Key, g *checker.Graph, final []nodeFinal, lost map[string]*checker.Lost) keyView {
	v := keyView{Key: k, Final: final, FinalIDs: idsOf(k.Final), MaximalIDs: idsOf(k.Maximal)}
	inF := map[string]bool{}
	for _, id := range k.Final {
		inF[id] = true
	}
	ws := g.Writes(k.Key)
	v.Count = len(ws)
	for _, w := range ws {
		fate, class := fateOf(w, inF, lost, k.Judged).words()
		if class == "lost" {
			v.Lost++
		}
		if len(v.Writes) == maxWriteRows {
			continue // counted, not shown
		}
		row := writeRow{Invoke: w.Invoke, ID: w.Write, Process: w.Process, Node: w.Node, Type: w.Type, Deleted: w.Deleted, Value: w.Value,
			Offset: clock.Offset(w.Offset), Anchor: anchor(w.Invoke), Fate: fate, FateClass: class}
		if w.Meta != nil && w.Meta.TS != 0 {
			row.TS = stampText(w.Meta.TS)
		} else if w.Meta != nil && w.Meta.VV != nil {
			row.TS = report.VV(w.Meta.VV)
		}
		var ctx []string
		for _, p := range w.Parents() {
			ctx = append(ctx, p.Write)
		}
		row.Context = strings.Join(ctx, " ")
		v.Writes = append(v.Writes, row)
	}
	v.Graph = layoutGraph(ws, inF, lost, k.Judged)
	return v
}

func nodesOf(ops []*checker.Op, nv nemesisView) []string {
	seen := map[string]bool{}
	for _, op := range ops {
		if op.Node != "" {
			seen[op.Node] = true
		}
	}
	for n := range nv.clocks {
		seen[n] = true
	}
	return slices.SortedFunc(maps.Keys(seen), report.CompareNames)
}
