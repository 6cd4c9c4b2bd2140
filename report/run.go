package report

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/runs"
)

// RunInfo is what the report of the run folder dir says about the run,
// from its run.json.
func RunInfo(dir string, ri runs.Info) Info {
	return Info{
		Name: filepath.Base(dir), Strategy: ri.Strategy, Nemesis: ri.Nemesis, Seed: strconv.FormatUint(ri.Seed, 10),
		Command: ri.Command, Started: ri.Started, Setup: setup(ri),
	}
}

// NewEntry is the index's entry of the run folder name, from its run.json.
func NewEntry(name string, ri runs.Info) Entry {
	v := checker.Invalid // a run.json may say only whether the run was valid
	switch {
	case ri.Valid:
		v = checker.Valid
	case ri.Verdict != nil && *ri.Verdict == checker.Unknown:
		v = checker.Unknown
	}
	return Entry{Name: name, Kind: ri.Kind, Started: ri.Started, Strategy: ri.Strategy, Nemesis: ri.Nemesis,
		Seed: strconv.FormatUint(ri.Seed, 10), Setup: setup(ri), Command: ri.Command, Verdict: v, Summary: ri.Summary}
}

// setup is a run's shape in words.
func setup(ri runs.Info) string {
	return strings.Join([]string{Plural(ri.Nodes, "node"), Plural(ri.Clients, "client"), Plural(ri.Keys, "key"), Plural(ri.Ops, "op")}, ", ")
}

// RunHead is a run in two lines: what ran, and its shape and outcome.
func RunHead(ri runs.Info) []string {
	state := "replicas converged"
	switch {
	case ri.Interrupted:
		state = "INTERRUPTED before its final reads"
	case !ri.Converged:
		state = "replicas did NOT converge"
	}
	where := fmt.Sprintf("%s simulated", ri.Virtual.Round(time.Millisecond))
	if ri.Cluster != "" {
		where = fmt.Sprintf("%s on the real cluster %s", ri.Wall.Round(time.Millisecond), ri.Cluster)
	}
	return []string{fmt.Sprintf("clockwise: strategy %s, nemesis %s, seed %d", ri.Strategy, ri.Nemesis, ri.Seed),
		fmt.Sprintf("%s; %s, %s", setup(ri), where, state)}
}

// WriteHeader describes a run in a few lines, above its text report; dir,
// when not empty, is its run folder.
func WriteHeader(w io.Writer, ri runs.Info, dir string) {
	head := RunHead(ri)
	fmt.Fprintf(w, "%s\n  %s\n", head[0], head[1])
	if dir != "" {
		fmt.Fprintf(w, "  run folder: %s\n", dir)
	}
	if ri.Cluster == "" {
		fmt.Fprintf(w, "  replay: %s\n", ri.Command)
	} else {
		fmt.Fprintf(w, "  rerun: %s (real timing decides the history: it is not replayed byte for byte)\n", ri.Command)
	}
}

// WriteRun writes a run's text report: its header (WriteHeader), then the
// result (WriteText) with at most limit findings of each kind (0: all).
func WriteRun(w io.Writer, ri runs.Info, dir string, res *checker.Result, limit int) error {
	WriteHeader(w, ri, dir)
	writeSkipped(w, res.Faults)
	fmt.Fprintln(w)
	return WriteText(w, res, limit)
}

// writeSkipped lists the faults a real cluster could not take, so a run
// that was meant to kill or partition and did not says so.
func writeSkipped(w io.Writer, faults []checker.Fault) {
	for _, l := range SkippedFaults(faults) {
		fmt.Fprintf(w, "  %s\n", l)
	}
}

// SkippedFaults says in a line which faults a real cluster could not take
// and why, or nothing when it took every one.
func SkippedFaults(faults []checker.Fault) []string {
	why := map[string]int{}
	var order []string
	n := 0
	for _, f := range faults {
		if f.F != histories.Skipped {
			continue
		}
		n++
		k := f.Params["fault"] + ": " + f.Params["why"]
		if why[k] == 0 {
			order = append(order, k)
		}
		why[k]++
	}
	if n == 0 {
		return nil
	}
	var parts []string
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("%d× %s", why[k], k))
	}
	return []string{fmt.Sprintf("faults skipped, the cluster could not take them: %d (%s)", n, strings.Join(parts, "; "))}
}

// WriteHTML writes report.html into the run folder dir, and each of its
// plots as a PNG beside it (PlotFiles), and returns the page's path. The
// page links the folder's files (Links), the PNGs included.
func WriteHTML(dir string, h []histories.Event, res *checker.Result, info Info) (string, error) {
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
// folder holds now (Links), the PNGs included.
func (x *HTML) Write(dir string) (string, error) {
	p := x.p
	err := sideBySide(len(p.Plots), func(i int) error { // each PNG drawn and written side by side
		path := filepath.Join(dir, p.Plots[i].File)
		if err := runs.CreateFile(path, p.Plots[i].PNG); err != nil {
			return fmt.Errorf("report: %s: %w", path, err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	p.Info.Links = Links(dir)
	path := filepath.Join(dir, runs.HTMLFile)
	if err := runs.CreateFile(path, func(w io.Writer) error { return execute(w, p) }); err != nil {
		return "", fmt.Errorf("report: %s: %w", path, err)
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
		return "", fmt.Errorf("report: %s: %w", hpath, err)
	}
	return WriteHTML(dir, h, res, info)
}
