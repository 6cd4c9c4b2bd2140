package main

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/experiment"
	"github.com/clockwise-kv/clockwise/internal/cli"
	"github.com/clockwise-kv/clockwise/internal/runs"
	"github.com/clockwise-kv/clockwise/jepsen"
	"github.com/clockwise-kv/clockwise/report"
)

// formatClockwise is analyze's own format: clockwise's JSON Lines.
const formatClockwise = "clockwise"

// imported is how a history another tool wrote is judged.
type imported struct {
	format jepsen.Format
	model  jepsen.Model // "": from the operations
	opts   jepsen.Options
}

func newAnalyze() *cobra.Command {
	var (
		gate     []string
		workload string
		limit    int
		asJSON   bool
		full     bool
		linear   time.Duration
		format   string
		initial  string
		model    string
	)
	cmd := &cobra.Command{
		Use:   "analyze HISTORY...",
		Short: "Judge stored histories (history.jsonl files, run folders, or folders of them) without re-running anything",
		Long: `analyze reads a history in clockwise's JSON Lines format, from a file or a run
folder, and prints the checker's verdict: by default the compact summary check
prints (a few findings of each kind, --limit), with --full every finding
explained, with --json the full result. It runs nothing and writes nothing, so
it can judge a history written by any system that speaks the format. A
history whose last line was cut short is judged as far as its whole lines go,
and the verdict says so.

--format porcupine reads a Jepsen etcd log as porcupine's test data ships it
(test_data/jepsen/etcd_NNN.log); --format edn reads a Jepsen history
(history.edn). Both are judged for linearizability only, with porcupine,
against a model the operations choose, or --model: cas-register (:read,
:write, :cas), multi-register (:txn of [:read k v] and [:write k v]), mutex
(:acquire, :release) or kv (porcupine's :get, :put and :append by :key).
--initial VALUE (EDN) is the value the registers start with (Knossos's tests
use 0); a mutex ignores it. In an EDN history a read that returned nil matches
any value, as in Knossos. The verdict lists the checks that need what these
formats do not record.

Several histories, or a folder of them (every *.jsonl, *.edn or *.log file
under it, by --format; a run folder is one history), are judged in one
process: a line each, then a summary.

Exit status: 0 valid, 1 anomalies, 2 bad usage or a malformed history (the
message names the line and the field), 3 unknown: the history cannot decide
(Jepsen's :valid? :unknown), e.g. a key or node without a final read. Of
several histories, the worst verdict: invalid over unknown over valid; 2 if
any could not be read.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := checkOptions(gate, linear)
			if err != nil {
				return err
			}
			collectNearLimit()
			if workload != "" && !slices.Contains(checker.Workloads, workload) {
				return usageErr("invalid --workload: %q: want %s (default: the one run.json beside the history records, else the store's own)", workload, strings.Join(checker.Workloads, " or "))
			}
			opts.Workload = workload
			if err := limitFlag(limit); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			var imp *imported
			if format != formatClockwise {
				f, err := jepsen.ParseFormat(format)
				if err != nil {
					return usageErr("invalid --format: %v (or %s, the default)", err, formatClockwise)
				}
				if len(gate) > 0 {
					return usageErr("invalid --gate: gates name clockwise's own findings; a %s history is judged for linearizability only", f)
				}
				imp = &imported{format: f, opts: jepsen.Options{Timeout: linear}}
				if model != "" {
					if imp.model, err = jepsen.ParseModel(model); err != nil {
						return usageErr("invalid --model: %v", err)
					}
				}
				if initial != "" {
					if imp.opts.Initial, err = jepsen.ParseValue(initial); err != nil {
						return usageErr("invalid --initial: %v", err)
					}
				}
			} else if model != "" || initial != "" {
				return usageErr("invalid --model or --initial: they apply to --format edn and porcupine; clockwise's own histories are judged by its checker")
			}
			paths, many, err := historiesIn(args, format)
			if err != nil {
				return err
			}
			if many {
				if full {
					return usageErr("invalid --full: it explains one history; %d were given", len(paths))
				}
				return analyzeMany(out, paths, imp, opts, asJSON)
			}
			if imp != nil {
				return analyzeImported(out, paths[0], imp, asJSON)
			}
			return analyzeOne(out, paths[0], opts, limit, asJSON, full)
		},
	}
	gateFlag(cmd.Flags(), &gate)
	cmd.Flags().IntVar(&limit, "limit", defaultLimit, "list at most this many findings of each kind (0: all)")
	cmd.Flags().BoolVar(&full, "full", false, "explain every finding (the text of report.txt) instead of the summary")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the full result as JSON instead of text (of several histories: one JSON object a line)")
	cmd.Flags().StringVar(&format, "format", formatClockwise,
		"history format: clockwise (JSON Lines), porcupine (a Jepsen etcd log, as in porcupine's test data) or edn (a Jepsen history.edn)")
	cmd.Flags().StringVar(&model, "model", "",
		"with --format edn or porcupine: the model, cas-register, multi-register, mutex or kv (default: chosen from the operations)")
	cmd.Flags().StringVar(&initial, "initial", "",
		"with --format edn or porcupine: the value every register starts with, as EDN, e.g. 0 (default nil; kv: \"\"; a mutex ignores it)")
	linearFlag(cmd.Flags(), &linear)
	cmd.Flags().StringVar(&workload, "workload", "", "judge the writes as the "+strings.Join(checker.Workloads, " or ")+" workload of a real database (default: what run.json beside the history records, else the store's own)")
	return cmd
}

// analyzeOne judges one history in clockwise's format and prints the
// compact summary, with full every finding explained, or with asJSON the
// whole result.
func analyzeOne(out io.Writer, path string, opts checker.Options, limit int, asJSON, full bool) error {
	if !asJSON {
		opts.Explain = explained(limit, 0)
	}
	j, err := experiment.Judge(path, opts)
	if err != nil {
		return err
	}
	var cut string
	if j.Cut != nil {
		cut = fmt.Sprintf("the last line (line %d) is cut short: judged the %d whole events before it", j.Cut.Line, j.Events)
	}
	if asJSON {
		if err := runs.EncodeJSON(out, j.Result); err != nil {
			return err
		}
	} else if full {
		fmt.Fprintf(out, "clockwise analyze: %s (%d events)\n", j.Path, j.Events)
		if cut != "" {
			fmt.Fprintf(out, "  %s\n", cut)
		}
		if j.Command != "" {
			fmt.Fprintf(out, "  recorded by: %s\n", j.Command)
		}
		fmt.Fprintln(out)
		if err := report.WriteText(out, j.Result, limit); err != nil {
			return err
		}
	} else {
		head := []string{fmt.Sprintf("clockwise analyze: %s (%d events)", j.Path, j.Events)}
		if cut != "" {
			head = append(head, cut)
		}
		var files []string
		if dir := filepath.Dir(j.Path); runs.Has(dir, runs.InfoFile) {
			files = reportFiles(dir)
		}
		err := report.WriteBrief(out, report.Brief{Head: head, Result: j.Result, Limit: limit, Width: width(out),
			Files: files, Replay: cli.Self.Command(j.Command), Make: cli.Self.MakeForm(j.Command)})
		if err != nil {
			return err
		}
	}
	return verdictErr(j.Result.Verdict)
}

// judgeImported reads and judges a history another tool wrote.
func judgeImported(path string, imp *imported) (*jepsen.Result, error) {
	h, err := jepsen.ReadFile(path, imp.format)
	if err != nil {
		return nil, err
	}
	if imp.model != "" {
		if err := h.Use(imp.model); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return jepsen.Check(h, imp.opts)
}

// analyzeImported judges a history another tool wrote, for
// linearizability.
func analyzeImported(out io.Writer, path string, imp *imported, asJSON bool) error {
	res, err := judgeImported(path, imp)
	if err != nil {
		return err
	}
	if asJSON {
		if err := runs.EncodeJSON(out, res); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(out, "clockwise analyze --format %s: %s\n\n", imp.format, path)
		if err := jepsen.WriteText(out, res); err != nil {
			return err
		}
	}
	return verdictErr(res.Verdict)
}
