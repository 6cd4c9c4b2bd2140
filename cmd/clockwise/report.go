package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/histories"
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
				path, err := rewriteHTML(args[0])
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), path)
				return nil
			}
			b, err := readRunFile(args[0], reportFile)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
	cmd.Flags().BoolVar(&html, "html", false, "write RUN's report.html from its history instead of printing report.txt")
	return cmd
}

// readRunFile reads name from the run folder dir, with an error that says
// what is wrong with the folder.
func readRunFile(dir, name string) ([]byte, error) {
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return nil, inputErr(fmt.Errorf("run folder %s: %w", dir, err))
	case !st.IsDir():
		return nil, inputErr(fmt.Errorf("%s is not a run folder (a folder written by clockwise check)", dir))
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, inputErr(fmt.Errorf("%s is not a complete run folder: it has no %s (clockwise check writes one)", dir, name))
	}
	if err != nil {
		return nil, inputErr(fmt.Errorf("run folder %s: %w", dir, err))
	}
	return b, nil
}

// readRunInfo reads dir's run.json.
func readRunInfo(dir string) (runInfo, error) {
	var ri runInfo
	b, err := readRunFile(dir, runFile)
	if err != nil {
		return ri, err
	}
	if err := json.Unmarshal(b, &ri); err != nil {
		return ri, inputErr(fmt.Errorf("%s: %w", filepath.Join(dir, runFile), err))
	}
	return ri, nil
}

// reportInfo is what a run's HTML report says about the run.
func (ri *runInfo) reportInfo(dir string) report.Info {
	return report.Info{
		Name: filepath.Base(dir), Strategy: ri.Strategy, Nemesis: ri.Nemesis, Seed: strconv.FormatUint(ri.Seed, 10),
		Command: ri.Command, Started: ri.Started, Setup: ri.setup(), Links: report.Links(dir),
	}
}

func (ri *runInfo) setup() string {
	return fmt.Sprintf("%d nodes, %d clients, %d keys, %d ops", ri.Nodes, ri.Clients, ri.Keys, ri.Ops)
}

// htmlPath is the path of dir's report.html.
func htmlPath(dir string) string { return filepath.Join(dir, report.FileName) }

// writeHTML writes dir's report.html.
func writeHTML(dir string, h []histories.Event, res *checker.Result, info report.Info) error {
	if err := createFile(htmlPath(dir), func(w io.Writer) error {
		return report.Write(w, h, res, info)
	}); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	return nil
}

// rewriteHTML writes report.html for a run folder or a history file and
// returns its path.
func rewriteHTML(path string) (string, error) {
	hpath, err := resolveHistory(path)
	if err != nil {
		return "", err
	}
	dir := filepath.Dir(hpath)
	h, err := histories.ReadFile(hpath)
	if err != nil {
		return "", inputErr(err)
	}
	info := report.Info{Name: filepath.Base(dir), Links: report.Links(dir)}
	if _, err := os.Stat(filepath.Join(dir, runFile)); err == nil {
		ri, err := readRunInfo(dir)
		if err != nil {
			return "", err
		}
		info = ri.reportInfo(dir)
	}
	var res *checker.Result
	if b, err := os.ReadFile(filepath.Join(dir, resultsFile)); err == nil {
		res = new(checker.Result)
		if err := json.Unmarshal(b, res); err != nil {
			return "", inputErr(fmt.Errorf("%s: %w", filepath.Join(dir, resultsFile), err))
		}
	} else if res, err = checker.Check(h, checker.Options{}); err != nil {
		return "", inputErr(fmt.Errorf("%s: %w", hpath, err))
	}
	if err := writeHTML(dir, h, res, info); err != nil {
		return "", err
	}
	return htmlPath(dir), nil
}
