package serve

import (
	"bytes"
	"cmp"
	"embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/internal/runs"
	"github.com/clockwise-kv/clockwise/report"
	"github.com/clockwise-kv/clockwise/report/page"
)

// The index and a folder's page share report.html's style sheet.
//
//go:embed assets
var assets embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{"css": page.Style}).ParseFS(assets, "assets/*.html"))

// Entry is one run folder in an index of runs.
type Entry struct {
	Name     string // the folder's name, relative to the runs folder
	Kind     string // empty for a check's run; runs.KindMatrix, runs.KindMetadata
	Started  time.Time
	Strategy string
	Nemesis  string
	Seed     string
	Setup    string
	Command  string
	Verdict  checker.Verdict
	Summary  checker.Summary
	Files    []string // the files and folders it holds, sorted
	Report   bool     // it holds report.html (runs.HTMLFile)
	Latest   bool     // runs/latest points at it
	Err      string   // why it could not be read; the other fields may be empty
}

// KindSweep is the kind of a sweep's folder, which holds sweep.json (the
// summary 'clockwise sweep' writes) and no run.json.
const KindSweep = "sweep"

// sweepFile is the summary in a sweep's folder (sweep.File, package experiment/sweep).
const sweepFile = "sweep.json"

// sweepSummary is what the index reads of a sweep.json.
type sweepSummary struct {
	Command  string `json:"command"`
	Strategy string `json:"strategy"`
	Nemesis  string `json:"nemesis"`
	Ops      int    `json:"ops"`
	Seeds    struct {
		From uint64 `json:"from"`
		To   uint64 `json:"to"`
	} `json:"seeds"`
	Run     int   `json:"run"`
	Valid   int   `json:"valid"`
	Invalid int   `json:"invalid"`
	Unknown int   `json:"unknown"`
	Wall    int64 `json:"wall_ns"`
}

// kinds orders the index's sections: checks' runs, sweeps, matrices,
// metadata runs.
var kinds = []string{"", KindSweep, runs.KindMatrix, runs.KindMetadata}

// kindTitles head the index's sections.
var kindTitles = map[string]string{"": "checks", KindSweep: "sweeps", runs.KindMatrix: "matrices", runs.KindMetadata: "metadata runs"}

// newEntry is the index's entry of the run folder name, from its run.json.
func newEntry(name string, ri runs.Info) Entry {
	v := checker.Invalid // a run.json may say only whether the run was valid
	switch {
	case ri.Valid:
		v = checker.Valid
	case ri.Verdict != nil && *ri.Verdict == checker.Unknown:
		v = checker.Unknown
	}
	return Entry{Name: name, Kind: ri.Kind, Started: ri.Started, Strategy: ri.Strategy, Nemesis: ri.Nemesis,
		Seed: strconv.FormatUint(ri.Seed, 10), Setup: report.Setup(ri), Command: ri.Command, Verdict: v, Summary: ri.Summary}
}

// verdict is the run's verdict (checker.Verdict.String) or "malformed",
// or for a matrix or metadata folder, which judges no single run, its
// kind.
func (e Entry) verdict() string {
	switch {
	case e.Err != "":
		return "malformed"
	case e.Kind != "" && e.Kind != KindSweep:
		return e.Kind
	}
	return e.Verdict.String()
}

type indexPage struct {
	Title   string
	Dir     string
	Entries []entryView
}

type entryView struct {
	Entry
	Verdict string
	Section string // the title of the section this entry begins, if it begins one
	Note    string // for a sweep, matrix or metadata folder: what it holds
}

// sortEntries orders runs by kind (kinds), then newest first; runs that
// could not be read, having no start time, come last, by name.
func sortEntries(es []Entry) {
	rank := func(e Entry) int {
		if i := slices.Index(kinds, e.Kind); i >= 0 && e.Err == "" {
			return i
		}
		return 0
	}
	slices.SortStableFunc(es, func(a, b Entry) int {
		if c := cmp.Compare(rank(a), rank(b)); c != 0 {
			return c
		}
		if c := b.Started.Compare(a.Started); c != 0 {
			return c
		}
		return cmp.Compare(b.Name, a.Name)
	})
}

// writeIndex renders the list of runs in dir, in the order given.
func writeIndex(w io.Writer, dir string, es []Entry) error {
	p := indexPage{Title: "clockwise runs", Dir: dir}
	section := "none"
	for _, e := range es {
		v := entryView{Entry: e, Verdict: e.verdict(), Note: e.note()}
		kind := e.Kind
		if e.Err != "" {
			kind = ""
		}
		if kind != section {
			section, v.Section = kind, kindTitles[kind]
			if v.Section == "" {
				v.Section = kind
			}
		}
		p.Entries = append(p.Entries, v)
	}
	return render(w, "index.html", p)
}

// note says what a sweep, matrix or metadata folder holds.
func (e Entry) note() string {
	if e.Kind == KindSweep {
		return e.Setup + ": sweep.json and the failing seeds' run folders"
	}
	return e.Setup + " per run: open the folder for its tables"
}

// writeFolder renders the page of one run folder: what it is and its files.
func writeFolder(w io.Writer, e Entry) error {
	return render(w, "folder.html", entryView{Entry: e, Verdict: e.verdict(), Note: e.note()})
}

func render(w io.Writer, name string, data any) error {
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, name, data); err != nil {
		return fmt.Errorf("serve: %s: %w", name, err)
	}
	_, err := w.Write(b.Bytes())
	return err
}
