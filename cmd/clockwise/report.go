package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/experiment"
	"github.com/clockwise-kv/clockwise/internal/runs"
	"github.com/clockwise-kv/clockwise/report/page"
)

func newReport() *cobra.Command {
	var (
		html  bool
		full  bool
		limit int
	)
	cmd := &cobra.Command{
		Use:   "report RUN",
		Short: "Print the summary or the text report of a stored run folder (or rewrite its report.html)",
		Long: `report prints the summary of a run folder written by clockwise check, as check
printed it (a few findings of each kind, --limit), from its run.json and
results.json; with --full, its whole text report (report.txt). It runs and
judges nothing.

With --html it (re)writes the folder's report.html instead, from its
history.jsonl and its stored verdict (results.json; the history is judged again
if that is missing), and prints the file's path. RUN may then also be a bare
history file: report.html is written next to it.

Exit status: 0 printed, 2 bad usage or a missing or malformed run folder.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if html {
				path, err := page.Rewrite(args[0])
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), path)
				return nil
			}
			if !full {
				return briefFolder(cmd, args[0], limit)
			}
			b, err := runs.ReadFile(args[0], runs.ReportFile)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
	cmd.Flags().BoolVar(&html, "html", false, "write RUN's report.html from its history instead of printing the summary")
	cmd.Flags().BoolVar(&full, "full", false, "print the whole text report, report.txt")
	cmd.Flags().IntVar(&limit, "limit", defaultLimit, "list at most this many findings of each kind (0: all)")
	return cmd
}

// kindTables are the files report prints for a matrix's or a metadata
// measurement's folder.
var kindTables = map[string]string{runs.KindMatrix: experiment.MatrixMarkdown, runs.KindMetadata: experiment.MetadataTable}

// briefFolder prints the compact report of the run folder dir from its
// run.json and results.json. It exits 0 whatever the verdict: report
// presents, it does not judge.
func briefFolder(cmd *cobra.Command, dir string, limit int) error {
	ri, err := runs.ReadInfo(dir)
	if err != nil {
		return err
	}
	if table, ok := kindTables[ri.Kind]; ok {
		b, err := runs.ReadFile(dir, table)
		if err != nil {
			return err
		}
		_, err = cmd.OutOrStdout().Write(b)
		return err
	}
	var res checker.Result
	if err := runs.ReadJSON(dir, runs.ResultsFile, &res); err != nil {
		return err
	}
	return briefRun(cmd, dir, ri, &res, limit)
}
