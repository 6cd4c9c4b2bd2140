// Package experiment runs clockwise's experiments and keeps what they find:
// a check (one randomized run, judged, in a run folder of its own, on the
// simulator, on a real cluster of node processes or on a real database), the
// matrix (every strategy under every nemesis on the same seeds, summed up
// per cell), the metadata measurement (causal metadata per key from 3 to 50
// nodes), the demo (scripted scenarios, told as stories) and a stored
// history judged again; and what the experiments built on them share: the
// kinds of finding a check counts (Findings) and a recorded schedule
// replayed into a run folder (CheckReplay). Sweeps (one run per seed of a
// range) are package experiment/sweep, shrinks (the smallest run that
// still fails like a failing one) package experiment/shrink; both import
// this package, never the reverse.
//
// An experiment takes harness.Configs, never command-line text: the
// command line builds them. Each run still records the exact clockwise
// check command that replays it. The package runs the harness, judges with
// the checker, writes run folders through package runs and presents through
// package report; it starts goroutines only to run a matrix's trials side
// by side, each on its own seeded simulator, and to build a check's
// report.html while the run folder's other files are written. A check of a
// real cluster starts its local nodes and stops them before it returns.
package experiment

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/sim"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/runs"
	"github.com/clockwise-kv/clockwise/internal/version"
	"github.com/clockwise-kv/clockwise/report"
	"github.com/clockwise-kv/clockwise/report/page"
)

// RunInto runs cfg with gen (nil: the random generator) on the simulator,
// streaming its history to path; o's Sink is that file's.
func RunInto(path string, cfg harness.Config, gen harness.Generator, o sim.Options) (*harness.Result, error) {
	var res *harness.Result
	err := runs.Record(path, func(w *histories.Writer) (err error) {
		o.Sink = w
		res, err = sim.Run(cfg, gen, o)
		return err
	})
	return res, err
}

// NemesisName is how run.json and tables name a configuration's faults.
func NemesisName(cfg harness.Config) string {
	if len(cfg.Nemesis.Kinds) == 0 {
		return "none"
	}
	return strings.Join(cfg.Nemesis.Kinds, ",")
}

// Run is a judged run in its folder.
type Run struct {
	Dir    string // the run folder
	Info   runs.Info
	Result *checker.Result
	HTML   string // the path of its report.html
}

// The stages of a check after the run itself, as CheckStages names them.
const (
	StageCheck   = "checking the history"
	StageReports = "writing the reports"
)

// Hooks follow a check as it goes and stop it; each may be nil.
type Hooks struct {
	// Progress is called as the run's client operations complete.
	Progress func(done, total int)
	// Stage is called as each stage after the run begins (StageCheck,
	// StageReports), so that a progress display can follow the whole check
	// and not only the run.
	Stage func(string)
	// Interrupt, when closed, stops a simulated run at its next event (a
	// user's Ctrl-C; sim.Options.Interrupt). A real run ends with
	// CheckReal's context instead.
	Interrupt <-chan struct{}
	// Dir is called with the run folder once it is made.
	Dir func(string)
}

// CheckStages runs cfg in a new run folder under root, named for its
// strategy, judges the history with opts, and saves what it found:
// results.json, run.json, report.txt (below the run's description; both
// list at most runs.MaxFindings findings of each kind), report.html and,
// when a key is not linearizable, porcupine's linearizability.html of at
// most checker.MaxVisualKeys such keys (see Analysis.Drawable). Then it
// points root/latest at the complete folder. command is the command line
// that replays the run. h follows the check as it goes and can stop it.
func CheckStages(root string, cfg harness.Config, command string, opts checker.Options, h Hooks) (*Run, error) {
	return CheckVaried(root, cfg, command, nil, opts, h)
}

// CheckVaried is CheckStages for a run whose run.json records vary, the
// shape a sweep drew for its seed (nil: none).
func CheckVaried(root string, cfg harness.Config, command string, vary map[string]string, opts checker.Options, h Hooks) (*Run, error) {
	r := newRun(cfg, command)
	r.Info.Vary = vary
	var err error
	if r.Dir, err = runs.New(root, cfg.Strategy, r.Info.Started); err != nil {
		return nil, err
	}
	if h.Dir != nil {
		h.Dir(r.Dir)
	}
	// The history is assembled for the checker as the run makes it, and
	// is on disk: the run need not keep it too.
	as := &checker.Assembler{}
	o := sim.Options{Stream: true, Progress: h.Progress, Interrupt: h.Interrupt, Observe: func(e *histories.Event) { as.Add(e) }}
	res, err := RunInto(filepath.Join(r.Dir, runs.HistoryFile), cfg, nil, o)
	if err != nil {
		return nil, fmt.Errorf("experiment: run: %w", err)
	}
	if err := r.save(cfg, res, as, opts, h.Stage); err != nil {
		return nil, err
	}
	return r, nil
}

// ScheduleFile is where a replayed run folder keeps the schedule it
// replays (CheckReplay).
const ScheduleFile = "schedule.json"

// CheckReplay replays sched under cfg into a new run folder under root,
// named <name>-<time>, with the schedule (ScheduleFile) beside the history,
// and judges it there with opts; command is the command line that makes
// the schedule again.
func CheckReplay(root, name string, cfg harness.Config, sched *sim.Schedule, command string, opts checker.Options) (*Run, error) {
	r := newRun(cfg, command)
	var err error
	if r.Dir, err = runs.New(root, name, r.Info.Started); err != nil {
		return nil, err
	}
	if err := runs.WriteJSON(filepath.Join(r.Dir, ScheduleFile), sched); err != nil {
		return nil, err
	}
	var res *harness.Result
	if err := runs.Record(filepath.Join(r.Dir, runs.HistoryFile), func(w *histories.Writer) (err error) {
		res, err = sim.Replay(cfg, sched, sim.Options{Sink: w})
		return err
	}); err != nil {
		return nil, fmt.Errorf("experiment: replay: %w", err)
	}
	if err := r.save(cfg, res, nil, opts, nil); err != nil {
		return nil, err
	}
	return r, nil
}

// newRun is a run of cfg about to start, replayed by command.
func newRun(cfg harness.Config, command string) *Run {
	return &Run{Info: runs.Info{
		Strategy: cfg.Strategy, Nemesis: NemesisName(cfg), Seed: cfg.Seed, Nodes: cfg.Nodes, Clients: cfg.Clients,
		Keys: cfg.Keys, Ops: cfg.Ops, Command: command, Version: version.String(), Started: time.Now().UTC().Truncate(time.Second),
	}}
}

// save judges the history res recorded in r.Dir with opts, writes the rest
// of the run folder, calling stage (when not nil) as each stage begins, and
// points the runs folder's latest link at the complete folder. as, when not
// nil, has assembled res.History already.
func (r *Run) save(cfg harness.Config, res *harness.Result, as *checker.Assembler, opts checker.Options, stage func(string)) error {
	if stage == nil {
		stage = func(string) {}
	}
	if opts.Explain > 0 {
		// results.json and report.txt show this many of each finding.
		opts.Explain = max(opts.Explain, runs.MaxFindings)
	}
	stage(StageCheck)
	var a *checker.Analysis
	var err error
	if as != nil {
		a, err = as.Analysis()
	} else {
		a, err = checker.Analyze(res.History)
	}
	if err != nil {
		return fmt.Errorf("experiment: check: %w", err)
	}
	draft := page.Begin(a) // its plots are drawn during the check
	if r.Result, err = a.Check(opts); err != nil {
		draft.Finish(nil, page.Info{}) // ends its goroutines
		return fmt.Errorf("experiment: check: %w", err)
	}
	if res.Interrupted {
		r.Info.Interrupted = true
		r.Result.Undecided(fmt.Sprintf("the run was interrupted after %d of %d operations, before its final reads", res.Ops, cfg.Ops))
	}
	stage(StageReports)
	if keys := a.Drawable(r.Result.NonLinearizable()); len(keys) > 0 {
		path := filepath.Join(r.Dir, runs.LinearFile)
		if err := runs.CreateFile(path, func(w io.Writer) error {
			return a.Visualize(keys, opts.LinearTimeout, w)
		}); err != nil {
			return fmt.Errorf("experiment: %s: %w", path, err)
		}
		r.Result.Visualization = runs.LinearFile
	}
	if r.Info.Cluster == "" {
		r.Info.Virtual = res.Duration
	} else {
		r.Info.Wall = res.Duration
	}
	r.Info.Converged = res.Converged
	v := r.Result.Verdict
	r.Info.Verdict, r.Info.Valid, r.Info.Summary = &v, r.Result.Valid, r.Result.Summary
	// report.html's page, its plots above all, is built while the other
	// files are written: both only read the result. It is written last, so
	// that it links every file of the folder.
	var html *page.HTML
	var pageErr error
	built := make(chan struct{})
	info := page.RunInfo(r.Dir, r.Info)
	go func() {
		defer close(built)
		html, pageErr = draft.Finish(r.Result, info)
	}()
	err = r.writeFiles()
	<-built
	if err != nil {
		return err
	}
	if pageErr != nil {
		return pageErr
	}
	if r.HTML, err = html.Write(r.Dir); err != nil {
		return err
	}
	return runs.Point(r.Dir)
}

// writeFiles writes results.json, run.json and report.txt into the run
// folder.
func (r *Run) writeFiles() error {
	if err := runs.WriteResult(filepath.Join(r.Dir, runs.ResultsFile), r.Result, runs.MaxFindings); err != nil {
		return err
	}
	if err := runs.WriteJSON(filepath.Join(r.Dir, runs.InfoFile), r.Info); err != nil {
		return err
	}
	return runs.CreateFile(filepath.Join(r.Dir, runs.ReportFile), func(w io.Writer) error {
		return report.WriteRun(w, r.Info, r.Dir, r.Result, runs.MaxFindings)
	})
}

// folderInfo is the run.json of a matrix's or a measurement's own folder,
// before its shape is filled in.
func folderInfo(kind, command string, started time.Time) runs.Info {
	return runs.Info{Kind: kind, Command: command, Version: version.String(), Started: started}
}

// ScenariosNamed returns the scripted scenarios called names, in that
// order.
func ScenariosNamed(names []string) ([]harness.Scenario, error) {
	var plays []harness.Scenario
	for _, name := range names {
		sc, ok := harness.ScenarioNamed(name)
		if !ok {
			var known []string
			for _, s := range harness.Scenarios() {
				known = append(known, s.Name)
			}
			return nil, fmt.Errorf("experiment: no scenario %q (known: %s)", name, strings.Join(known, ", "))
		}
		plays = append(plays, sc)
	}
	return plays, nil
}

// Demo plays each scenario under each strategy and tells each play's story
// to w; a scenario played under more than one strategy ends with the
// side-by-side table.
func Demo(w io.Writer, scenarios []harness.Scenario, strategies []string) error {
	for _, sc := range scenarios {
		var stories []report.Story
		for _, s := range strategies {
			res, err := sim.RunScript(sc.Config(s), sc.Steps, sim.Options{})
			if err != nil {
				return err
			}
			a, err := checker.Analyze(res.History)
			if err != nil {
				return err
			}
			result, err := a.Check(checker.Options{})
			if err != nil {
				return err
			}
			story := report.Story{Scenario: sc.Name, Title: sc.Title, Strategy: s, History: res.History, Analysis: a, Result: result}
			if err := report.WriteStory(w, story); err != nil {
				return err
			}
			stories = append(stories, story)
		}
		if len(stories) > 1 {
			report.WriteSideBySide(w, stories)
		}
	}
	return nil
}

// Judged is a stored history judged again.
type Judged struct {
	Path    string // the history file
	Events  int    // events in the history
	Result  *checker.Result
	Command string // the command that recorded it, from its folder's run.json; empty when unknown
	// Cut is the history's last line when it was cut short and left out
	// (histories.File.Cut): the verdict judges the whole lines before it.
	Cut *histories.LineError
}

// eventLines is the line each event of a history came from, to name it
// in an error, kept as the events where the count of the lines skipped
// before them (blank ones) changes: a history without blank lines keeps
// nothing however long it is.
type eventLines struct {
	events int
	from   []int // from[i]: an event whose line is not the one after the last event's
	lines  []int // lines[i]: the line event from[i] came from
}

// add adds the next event, which came from line (from 1).
func (l *eventLines) add(line int) {
	if line != l.line(l.events) {
		l.from, l.lines = append(l.from, l.events), append(l.lines, line)
	}
	l.events++
}

// line is the line event i came from, or would come from were it the
// next and no line skipped before it.
func (l *eventLines) line(i int) int {
	j, found := slices.BinarySearch(l.from, i)
	if !found {
		j--
	}
	if j < 0 {
		return i + 1
	}
	return l.lines[j] + i - l.from[j]
}

// Judge reads the history at path, a history file or a run folder holding
// one, and judges it with opts; it runs and writes nothing. When a key is
// not linearizable and the folder holds porcupine's page, the result names
// the page. Its errors are the input's: a path that holds no history, a
// malformed history, unknown gates.
func Judge(path string, opts checker.Options) (*Judged, error) {
	file, err := runs.ResolveHistory(path)
	if err != nil {
		return nil, err
	}
	opts.Workload = workloadOf(file, opts.Workload)
	// The history is read event by event into the checker's assembly, and
	// never kept whole: a judgement needs the operations, not the events.
	// A malformed line anywhere is reported before a malformed sequence of
	// operations: the assembler keeps its first error and the file is read
	// to its end.
	var as checker.Assembler
	var lines eventLines
	cut, err := histories.ScanFile(file, func(e *histories.Event, line int) error {
		lines.add(line)
		as.Add(e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	j := &Judged{Path: file, Events: lines.events, Cut: cut}
	a, err := as.Analysis()
	if err == nil {
		j.Result, err = a.Check(opts)
	}
	if err != nil {
		var ee *checker.EventError
		if errors.As(err, &ee) {
			// Name the line, as the decoder does.
			line := 0
			if ee.Event >= 0 && ee.Event < lines.events {
				line = lines.line(ee.Event)
			}
			err = &histories.LineError{Line: line, Field: ee.Field, Err: fmt.Errorf("event %d: %w", ee.Event, ee.Err)}
		}
		return nil, fmt.Errorf("histories: %s: %w", file, err)
	}
	if j.Cut != nil {
		j.Result.Undecided(fmt.Sprintf("the last line (line %d) is cut short (%v): it was left out, and the history judged as far as its whole lines go, which may be before its end",
			j.Cut.Line, j.Cut.Err))
	}
	dir := filepath.Dir(file)
	if len(j.Result.NonLinearizable()) > 0 && runs.Has(dir, runs.LinearFile) {
		j.Result.Visualization = filepath.Join(dir, runs.LinearFile)
	}
	if info, err := runs.ReadInfo(dir); err == nil {
		j.Command = info.Command
	}
	return j, nil
}
