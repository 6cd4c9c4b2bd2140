package page

import (
	"fmt"
	"math"
	"strings"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/histories"
)

// graphView is the causal graph of one key's writes, laid out left to right
// in invoke order. A write continues the lane of a parent when it is the
// lane's newest write, else takes the first lane whose write has completed
// and has no child still to come: a chain of writes that read each other
// runs along one lane, and writes that overlapped in true time never share
// one. Causality is the edges alone: two writes with no path between them
// were concurrent, whatever their lanes.
type graphView struct {
	Width, Height int
	MinWidth      int // the narrowest it is drawn, to stay readable: wider than its box, it scrolls
	Nodes         []gnode
	Edges         []gedge
	Omitted       int // writes not drawn: too many for one picture
}

type gnode struct {
	X, Y    float64
	ID      string
	Class   string
	Title   string
	Deleted bool
	Anchor  string
}

type gedge struct {
	D     string // SVG path
	Class string
}

const (
	graphCol   = 34
	graphLane  = 28
	graphPad   = 24
	graphLimit = 300 // writes: past it, a key's graph is left out
	// graphMinScale is the smallest scale a graph is drawn at, fitted to
	// its box: below it, its labels and circles would be too small to read.
	graphMinScale = 0.6
)

func layoutGraph(ws []*checker.Write, inF map[string]bool, lost map[string]*checker.Lost, judged bool) *graphView {
	g := &graphView{}
	if len(ws) > graphLimit {
		g.Omitted = len(ws)
		return g
	}
	rank := map[*checker.Write]int{}
	for i, w := range ws {
		rank[w] = i
	}
	// A write holds its lane while it runs and until its last child is
	// invoked.
	hold := make([]int64, len(ws))
	for i, w := range ws {
		hold[i] = w.End
		if w.End < 0 {
			hold[i] = math.MaxInt64
		}
	}
	for _, w := range ws {
		for _, p := range w.Parents() {
			if r, ok := rank[p]; ok {
				hold[r] = max(hold[r], w.Start)
			}
		}
	}
	var occupant []*checker.Write
	var busy []int64
	lane := map[*checker.Write]int{}
	for i, w := range ws {
		l := -1
		for _, p := range w.Parents() {
			if pl, ok := lane[p]; ok && occupant[pl] == p {
				l = pl
				break
			}
		}
		for j := 0; l < 0 && j < len(busy); j++ {
			if busy[j] < w.Start {
				l = j
			}
		}
		if l < 0 {
			l = len(busy)
			occupant, busy = append(occupant, nil), append(busy, 0)
		}
		occupant[l], busy[l], lane[w] = w, hold[i], l
	}
	pos := func(w *checker.Write) (float64, float64) {
		return float64(graphPad + rank[w]*graphCol), float64(graphPad + lane[w]*graphLane)
	}
	for _, w := range ws {
		x, y := pos(w)
		f, class := fateOf(w, inF, lost, judged).words()
		title := fmt.Sprintf("%s by %s via %s, %s", w.Write, w.Process, w.Node, w.Type)
		if w.Deleted {
			title = "delete " + title
		} else {
			title = fmt.Sprintf("write %s=%s ", w.Key, w.Value) + title
		}
		var parents []string
		for _, p := range w.Parents() {
			parents = append(parents, p.Write)
			px, py := pos(p)
			d := fmt.Sprintf("M%g %g L%g %g", px, py, x, y)
			if py != y {
				mx := (px + x) / 2
				d = fmt.Sprintf("M%g %g C%g %g %g %g %g %g", px, py, mx, py, mx, y, x, y)
			}
			g.Edges = append(g.Edges, gedge{D: d, Class: class})
		}
		if len(parents) > 0 {
			title += "; had read " + strings.Join(parents, " ")
		} else {
			title += "; blind"
		}
		title += "; " + f
		if w.Type == histories.OK && w.Meta != nil && w.Meta.TS != 0 {
			title += fmt.Sprintf("; ts %d", w.Meta.TS)
		}
		g.Nodes = append(g.Nodes, gnode{X: x, Y: y, ID: w.Write, Class: class, Title: title, Deleted: w.Deleted, Anchor: anchor(w.Invoke)})
	}
	g.Width = 2*graphPad + max(0, len(ws)-1)*graphCol + 40
	g.Height = 2*graphPad + max(0, len(busy)-1)*graphLane
	g.MinWidth = int(graphMinScale * float64(g.Width))
	return g
}
