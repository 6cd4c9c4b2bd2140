package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/clockwise-kv/clockwise/internal/runs"
	"github.com/clockwise-kv/clockwise/report"
)

func newReport() *cobra.Command {
	var html bool
	cmd := &cobra.Command{
		Use:   "report RUN",
		Short: "Print the text report of a stored run folder (or rewrite its report.html)",
		Long: `report prints the text report of a run folder written by clockwise check (the
report.txt it holds), for terminals and CI logs. It runs and judges nothing.

With --html it (re)writes the folder's report.html instead, from its
history.jsonl and its stored verdict (results.json; the history is judged again
if that is missing), and prints the file's path. RUN may then also be a bare
history file: report.html is written next to it.

Exit status: 0 printed, 2 bad usage or a missing or malformed run folder.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if html {
				path, err := report.Rewrite(args[0])
				if err != nil {
					return inputErr(err)
				}
				fmt.Fprintln(cmd.OutOrStdout(), path)
				return nil
			}
			b, err := runs.ReadFile(args[0], runs.ReportFile)
			if err != nil {
				return inputErr(err)
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
	cmd.Flags().BoolVar(&html, "html", false, "write RUN's report.html from its history instead of printing report.txt")
	return cmd
}
