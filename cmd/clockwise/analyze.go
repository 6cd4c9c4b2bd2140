package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/clockwise-kv/clockwise/experiment"
	"github.com/clockwise-kv/clockwise/internal/runs"
	"github.com/clockwise-kv/clockwise/report"
)

func newAnalyze() *cobra.Command {
	var (
		gate   []string
		limit  int
		asJSON bool
		full   bool
		linear time.Duration
	)
	cmd := &cobra.Command{
		Use:   "analyze HISTORY",
		Short: "Judge a stored history (a history.jsonl file or a run folder) without re-running anything",
		Long: `analyze reads a history in clockwise's JSON Lines format, from a file or a run
folder, and prints the checker's verdict: by default the compact summary check
prints (a few findings of each kind, --limit), with --full every finding
explained, with --json the full result. It runs nothing and writes nothing, so
it can judge a history written by any system that speaks the format.

Exit status: 0 valid, 1 anomalies, 2 bad usage or a malformed history (the
message names the line and the field).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := checkOptions(gate, linear)
			if err != nil {
				return err
			}
			j, err := experiment.Judge(args[0], opts)
			if err != nil {
				return inputErr(err)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				if err := runs.EncodeJSON(out, j.Result); err != nil {
					return err
				}
			} else if full {
				fmt.Fprintf(out, "clockwise analyze: %s (%d events)\n", j.Path, j.Events)
				if j.Command != "" {
					fmt.Fprintf(out, "  recorded by: %s\n", j.Command)
				}
				fmt.Fprintln(out)
				if err := report.WriteText(out, j.Result, limit); err != nil {
					return err
				}
			} else {
				head := []string{fmt.Sprintf("clockwise analyze: %s (%d events)", j.Path, j.Events)}
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
			if !j.Result.Valid {
				return errInvalid
			}
			return nil
		},
	}
	gateFlag(cmd.Flags(), &gate)
	cmd.Flags().IntVar(&limit, "limit", defaultLimit, "list at most this many findings of each kind (0: all)")
	cmd.Flags().BoolVar(&full, "full", false, "explain every finding (the text of report.txt) instead of the summary")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the full result as JSON instead of text")
	linearFlag(cmd.Flags(), &linear)
	return cmd
}
