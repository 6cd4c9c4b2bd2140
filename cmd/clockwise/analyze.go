package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/report"
	"github.com/clockwise-kv/clockwise/runs"
)

func newAnalyze() *cobra.Command {
	var (
		gate   []string
		limit  int
		asJSON bool
		linear time.Duration
	)
	cmd := &cobra.Command{
		Use:   "analyze HISTORY",
		Short: "Judge a stored history (a history.jsonl file or a run folder) without re-running anything",
		Long: `analyze reads a history in clockwise's JSON Lines format, from a file or a run
folder, and prints the checker's verdict. It runs nothing and writes nothing, so
it can judge a history written by any system that speaks the format.

Exit status: 0 valid, 1 anomalies, 2 bad usage or a malformed history (the
message names the line and the field).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := checkOptions(gate, linear)
			if err != nil {
				return err
			}
			path, err := runs.ResolveHistory(args[0])
			if err != nil {
				return inputErr(err)
			}
			h, err := histories.ReadFile(path)
			if err != nil {
				return inputErr(err)
			}
			result, err := checker.Check(h, opts)
			if err != nil {
				return inputErr(fmt.Errorf("%s: %w", path, err))
			}
			if dir := filepath.Dir(path); len(result.NonLinearizable()) > 0 && runs.Has(dir, runs.LinearFile) {
				result.Visualization = filepath.Join(dir, runs.LinearFile)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(result); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(out, "clockwise analyze: %s (%d events)\n", path, len(h))
				if ri, err := runs.ReadInfo(filepath.Dir(path)); err == nil && ri.Command != "" {
					fmt.Fprintf(out, "  recorded by: %s\n", ri.Command)
				}
				fmt.Fprintln(out)
				if err := report.WriteText(out, result, limit); err != nil {
					return err
				}
			}
			if !result.Valid {
				return errInvalid
			}
			return nil
		},
	}
	gateFlag(cmd.Flags(), &gate)
	cmd.Flags().IntVar(&limit, "limit", 0, "list at most this many findings of each kind (0: all)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the full result as JSON instead of text")
	linearFlag(cmd.Flags(), &linear)
	return cmd
}
