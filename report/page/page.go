package page

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/runs"
)

//go:embed assets
var assets embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"seconds":    clock.Seconds,
	"join":       strings.Join,
	"linearNote": func() string { return linearNote },
	"graphLimit": func() int { return graphLimit },
	"css":        Style,
	"js":         func() template.JS { return template.JS(asset("assets/report.js")) },
	"writeRows":  writeRows,
	"staleRows":  staleRows,
	"faultRows":  faultRows,
}).ParseFS(assets, "assets/*.html"))

// Style is the page's style sheet, which other pages about runs share
// (package serve's index).
func Style() template.CSS { return template.CSS(asset("assets/style.css")) }

func asset(name string) string {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time: cannot happen
	}
	return string(b)
}

// Info describes the run a report is about. Every field may be empty.
type Info struct {
	Name     string // the run's name, e.g. its folder
	Strategy string
	Nemesis  string
	Seed     string
	Command  string // the command that replays the run
	Started  time.Time
	Setup    string // e.g. "3 nodes, 5 clients, 3 keys, 1000 ops"
	Links    []Link // files to link: the raw files, other views of the run
}

// Link is a file the report links to, relative to the report.
type Link struct {
	Name string
	Href string
	Note string
}

// Files a run folder may hold that a report links when present: the raw
// files, then other HTML views (see viewGlobs).
var rawFiles = []struct{ name, note string }{
	{runs.HistoryFile, "the history, one event per line"},
	{runs.ResultsFile, "the checker's full result"},
	{runs.ReportFile, "the text report"},
	{runs.InfoFile, "how the run was made"},
	{"latency-quantiles.png", "plot: latency percentiles over time"},
	{"rate.png", "plot: throughput over time, by outcome"},
	{"clocks.png", "plot: each node's clock offset"},
	{"latency-raw.png", "plot: the latency of every operation"},
}

// viewGlobs are the patterns, relative to a run folder, of other HTML views
// of a run that a report links (for instance porcupine's visualization of a
// key that is not linearizable). report.html itself is never linked.
var viewGlobs = []string{"*.html", "*/*.html"}

// links lists what a report in dir should link: the raw files that exist
// and every other HTML view matching viewGlobs, sorted.
func links(dir string) []Link {
	var out []Link
	for _, f := range rawFiles {
		if ok, _ := filepath.Glob(filepath.Join(dir, f.name)); len(ok) > 0 {
			out = append(out, Link{Name: f.name, Href: f.name, Note: f.note})
		}
	}
	var views []string
	for _, g := range viewGlobs {
		m, _ := filepath.Glob(filepath.Join(dir, g))
		views = append(views, m...)
	}
	slices.Sort(views)
	for _, v := range views {
		rel, err := filepath.Rel(dir, v)
		if err != nil || rel == runs.HTMLFile {
			continue
		}
		rel = filepath.ToSlash(rel)
		note := "another view of this run"
		if rel == runs.LinearFile {
			note = linearNote
		}
		out = append(out, Link{Name: rel, Href: rel, Note: note})
	}
	return out
}

// linearNote says how to read porcupine's page of the keys that are not
// linearizable.
const linearNote = "porcupine's view of the keys not linearizable: a section per key, a row per client " +
	"(row N is client cN, row 0 the final reads; hover a bar for its events); it draws the longest orders " +
	"that explain the history and marks where each gets stuck"

// render renders the report of history h, judged as res, to w.
func render(w io.Writer, h []histories.Event, res *checker.Result, info Info) error {
	p, err := build(h, res, info)
	if err != nil {
		return err
	}
	return execute(w, p)
}

// parts are the sections of the page that the template defines apart
// (assets/report.html) and that execute executes side by side, each into
// the bytes it takes in the page: between sections, where html/template
// escapes a section called in its place as it escapes it executed alone.
var parts = []string{"timeline", "plots", "keys", "lost", "findings", "faults"}

// execute writes the page p to w.
func execute(w io.Writer, p *page) error {
	// The timeline's data and the plots are most of a long run's page:
	// the buffers that hold them are grown once, not copied as they grow.
	grow := map[string]int{"timeline": len(p.DetailsScript) + 64<<10}
	if p.Timeline != nil {
		grow["timeline"] += len(p.Timeline.Script) + 200*(len(p.Timeline.Shades)+len(p.Timeline.Marks))
	}
	for _, f := range p.Plots {
		grow["plots"] += len(f.URL) + 1024
	}
	done := make([]bytes.Buffer, len(parts))
	err := sideBySide(len(parts), func(i int) error {
		done[i].Grow(grow[parts[i]])
		return templates.ExecuteTemplate(&done[i], parts[i], p)
	})
	if err != nil {
		return fmt.Errorf("page: %w", err)
	}
	p.Parts = make(map[string]template.HTML, len(parts))
	size := 256 << 10 // the rest, its style sheet and script included
	for i, name := range parts {
		p.Parts[name] = template.HTML(done[i].String())
		size += done[i].Len()
	}
	var b bytes.Buffer
	b.Grow(size)
	if err := templates.ExecuteTemplate(&b, "report.html", p); err != nil {
		return fmt.Errorf("page: %w", err)
	}
	_, err = w.Write(b.Bytes())
	return err
}
