package main

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/clockwise-kv/clockwise/experiment"
	"github.com/clockwise-kv/clockwise/internal/runs"
	"github.com/clockwise-kv/clockwise/jepsen"
	"github.com/clockwise-kv/clockwise/report"
)

// formatClockwise is analyze's own format: clockwise's JSON Lines.
const formatClockwise = "clockwise"

func newAnalyze() *cobra.Command {
	var (
		gate   []string
		limit  int
		asJSON bool
		full   bool
		linear time.Duration
		format string
	)
	cmd := &cobra.Command{
		Use:   "analyze HISTORY",
		Short: "Judge a stored history (a history.jsonl file or a run folder) without re-running anything",
		Long: `analyze reads a history in clockwise's JSON Lines format, from a file or a run
folder, and prints the checker's verdict: by default the compact summary check
prints (a few findings of each kind, --limit), with --full every finding
explained, with --json the full result. It runs nothing and writes nothing, so
it can judge a history written by any system that speaks the format. A
history whose last line was cut short is judged as far as its whole lines go,
and the verdict says so.

--format porcupine reads a Jepsen etcd log as porcupine's test data ships it
(test_data/jepsen/etcd_NNN.log); --format edn reads a Jepsen register history
(history.edn, with :read, :write and :cas). Both are judged for
linearizability only, against a register with read, write and cas; the
verdict lists the checks that need what these formats do not record.

Exit status: 0 valid, 1 anomalies, 2 bad usage or a malformed history (the
message names the line and the field), 3 unknown: the history cannot decide
(Jepsen's :valid? :unknown), e.g. a key or node without a final read.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := checkOptions(gate, linear)
			if err != nil {
				return err
			}
			if err := limitFlag(limit); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if format != formatClockwise {
				f, err := jepsen.ParseFormat(format)
				if err != nil {
					return usageErr("invalid --format: %v (or %s, the default)", err, formatClockwise)
				}
				if len(gate) > 0 {
					return usageErr("invalid --gate: gates name clockwise's own findings; a %s history is judged for linearizability only", f)
				}
				return analyzeImported(out, args[0], f, linear, asJSON)
			}
			if !asJSON {
				opts.Explain = explained(limit, 0)
			}
			j, err := experiment.Judge(args[0], opts)
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
					Files: files, Replay: j.Command})
				if err != nil {
					return err
				}
			}
			return verdictErr(j.Result.Verdict)
		},
	}
	gateFlag(cmd.Flags(), &gate)
	cmd.Flags().IntVar(&limit, "limit", defaultLimit, "list at most this many findings of each kind (0: all)")
	cmd.Flags().BoolVar(&full, "full", false, "explain every finding (the text of report.txt) instead of the summary")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the full result as JSON instead of text")
	cmd.Flags().StringVar(&format, "format", formatClockwise,
		"history format: clockwise (JSON Lines), porcupine (a Jepsen etcd log, as in porcupine's test data) or edn (a Jepsen register history.edn)")
	linearFlag(cmd.Flags(), &linear)
	return cmd
}

// analyzeImported judges a history another tool wrote, in format f, for
// linearizability.
func analyzeImported(out io.Writer, path string, f jepsen.Format, linear time.Duration, asJSON bool) error {
	h, err := jepsen.ReadFile(path, f)
	if err != nil {
		return err
	}
	res, err := jepsen.Check(h, jepsen.Options{Timeout: linear})
	if err != nil {
		return err
	}
	if asJSON {
		if err := runs.EncodeJSON(out, res); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(out, "clockwise analyze --format %s: %s\n\n", f, path)
		if err := jepsen.WriteText(out, res); err != nil {
			return err
		}
	}
	return verdictErr(res.Verdict)
}
