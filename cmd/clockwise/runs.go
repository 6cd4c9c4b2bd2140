package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/histories"
)

// Files of a run folder.
const (
	historyFile = "history.jsonl"
	resultsFile = "results.json"
	reportFile  = "report.txt"
	runFile     = "run.json"
	latestLink  = "latest"
)

// runInfo is run.json: how a run was made, and its verdict in brief.
type runInfo struct {
	Strategy  string          `json:"strategy"`
	Nemesis   string          `json:"nemesis"`
	Seed      uint64          `json:"seed"`
	Nodes     int             `json:"nodes"`
	Clients   int             `json:"clients"`
	Keys      int             `json:"keys"`
	Ops       int             `json:"ops"`
	Command   string          `json:"command"` // replays the run
	Started   time.Time       `json:"started"`
	Virtual   time.Duration   `json:"virtual_ns"` // simulated time the run took
	Converged bool            `json:"converged"`
	Valid     bool            `json:"valid"`
	Summary   checker.Summary `json:"summary"`
}

func newRunInfo(cfg harness.Config, command string) runInfo {
	nem := strings.Join(cfg.Nemesis.Kinds, ",")
	if nem == "" {
		nem = "none"
	}
	return runInfo{
		Strategy: cfg.Strategy, Nemesis: nem, Seed: cfg.Seed, Nodes: cfg.Nodes, Clients: cfg.Clients,
		Keys: cfg.Keys, Ops: cfg.Ops, Command: command, Started: time.Now().UTC().Truncate(time.Second),
	}
}

// newRunDir creates runs/<name>-<UTC time>, adding -2, -3… if that exists,
// and points runs/latest at it.
func newRunDir(root, name string, started time.Time) (string, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("run folder: %w", err)
	}
	base := fmt.Sprintf("%s-%s", name, started.Format("20060102T150405Z"))
	for i := 1; ; i++ {
		dir := base
		if i > 1 {
			dir = fmt.Sprintf("%s-%d", base, i)
		}
		err := os.Mkdir(filepath.Join(root, dir), 0o755)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("run folder: %w", err)
		}
		link := filepath.Join(root, latestLink)
		if err := os.Remove(link); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("run folder: %w", err)
		}
		if err := os.Symlink(dir, link); err != nil {
			return "", fmt.Errorf("run folder: %w", err)
		}
		return filepath.Join(root, dir), nil
	}
}

// createFile creates path and fills it with write, through a buffer; the
// first error of writing, flushing or closing wins.
func createFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 64<<10)
	err = write(w)
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func writeJSON(path string, v any) error {
	return createFile(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

// runInto runs cfg with gen, streaming its history to path.
func runInto(path string, cfg harness.Config, gen harness.Generator) (*harness.Result, error) {
	var res *harness.Result
	err := createFile(path, func(w io.Writer) error {
		var err error
		res, err = harness.Run(cfg, gen, histories.NewWriter(w))
		return err
	})
	return res, err
}

// header describes a run in a few lines, above its report.
func (ri *runInfo) header(w io.Writer, dir string) {
	state := "replicas converged"
	if !ri.Converged {
		state = "replicas did NOT converge"
	}
	fmt.Fprintf(w, "clockwise: strategy %s, nemesis %s, seed %d\n", ri.Strategy, ri.Nemesis, ri.Seed)
	fmt.Fprintf(w, "  %d nodes, %d clients, %d keys, %d ops; %s simulated, %s\n", ri.Nodes, ri.Clients, ri.Keys, ri.Ops, ri.Virtual.Round(time.Millisecond), state)
	if dir != "" {
		fmt.Fprintf(w, "  run folder: %s\n", dir)
	}
	fmt.Fprintf(w, "  replay: %s\n", ri.Command)
}

// resolveHistory accepts a history file or a run folder holding one.
func resolveHistory(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", inputErr(err)
	}
	if st.IsDir() {
		path = filepath.Join(path, historyFile)
		if _, err := os.Stat(path); err != nil {
			return "", inputErr(fmt.Errorf("%s is a folder without a %s: %w", filepath.Dir(path), historyFile, err))
		}
	}
	return path, nil
}
