package page

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/runs"
	"github.com/clockwise-kv/clockwise/report"
)

// RunInfo is what the report of the run folder dir says about the run,
// from its run.json.
func RunInfo(dir string, ri runs.Info) Info {
	return Info{
		Name: filepath.Base(dir), Strategy: ri.Strategy, Nemesis: ri.Nemesis, Seed: strconv.FormatUint(ri.Seed, 10),
		Command: ri.Command, Started: ri.Started, Setup: report.Setup(ri),
	}
}

// writeFolder writes report.html of history h, judged as res, into the run
// folder dir, and each of its plots as a PNG beside it, and returns the
// page's path. The page links the folder's files (links), the PNGs
// included.
func writeFolder(dir string, h []histories.Event, res *checker.Result, info Info) (string, error) {
	p, err := build(h, res, info)
	if err != nil {
		return "", err
	}
	return (&HTML{p}).Write(dir)
}

// HTML is a report page built (Draft.Finish) and not yet written: building it,
// its plots above all, is most of the work, and reads only the history,
// its analysis and the result, so it can run while other files of the run
// folder are written.
type HTML struct{ p *page }

// A Draft is a page begun (Begin) before its history is judged: the plots
// that need no verdict are drawn while the checker works, on goroutines of
// their own.
type Draft struct{ d *draft }

// Begin begins the page of the history analyzed as a: the page needs the
// analysis, not the events. Finish it, even when the check fails: its
// goroutines end there.
func Begin(a *checker.Analysis) *Draft { return &Draft{begin(a)} }

// Finish builds the page of the draft's history judged as res.
func (d *Draft) Finish(res *checker.Result, info Info) (*HTML, error) {
	p, err := d.d.finish(res, info)
	if err != nil {
		return nil, err
	}
	return &HTML{p}, nil
}

// Write writes report.html into the run folder dir, and each plot as a PNG
// beside it, and returns the page's path. The page links the files the
// folder holds now (links), the PNGs included.
func (x *HTML) Write(dir string) (string, error) {
	p := x.p
	err := sideBySide(len(p.Plots), func(i int) error { // each PNG, drawn when rendered, written side by side
		path := filepath.Join(dir, p.Plots[i].File)
		if err := runs.CreateFile(path, p.Plots[i].PNG); err != nil {
			return fmt.Errorf("page: %s: %w", path, err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	p.Info.Links = links(dir)
	path := filepath.Join(dir, runs.HTMLFile)
	if err := runs.CreateFile(path, func(w io.Writer) error { return execute(w, p) }); err != nil {
		return "", fmt.Errorf("page: %s: %w", path, err)
	}
	return path, nil
}

// Rewrite writes report.html for a run folder, or next to a bare history
// file, from what the folder holds: the history, run.json when there is
// one, and the stored verdict, results.json, or, without one, the history
// judged again. It returns the page's path.
func Rewrite(path string) (string, error) {
	hpath, err := runs.ResolveHistory(path)
	if err != nil {
		return "", err
	}
	dir := filepath.Dir(hpath)
	h, err := histories.ReadFile(hpath)
	if err != nil {
		return "", err
	}
	info := Info{Name: filepath.Base(dir)}
	if runs.Has(dir, runs.InfoFile) {
		ri, err := runs.ReadInfo(dir)
		if err != nil {
			return "", err
		}
		info = RunInfo(dir, ri)
	}
	res := new(checker.Result)
	if runs.Has(dir, runs.ResultsFile) {
		if err := runs.ReadJSON(dir, runs.ResultsFile, res); err != nil {
			return "", err
		}
	} else if res, err = checker.Check(h, checker.Options{}); err != nil {
		return "", fmt.Errorf("page: %s: %w", hpath, err)
	}
	return writeFolder(dir, h, res, info)
}
