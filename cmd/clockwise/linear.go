package main

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/runs"
)

// linearFlag is --linear-timeout: the time limit of each key's
// linearizability check.
func linearFlag(fs *pflag.FlagSet, d *time.Duration) {
	fs.DurationVar(d, "linear-timeout", checker.DefaultLinearTimeout,
		"time limit of each key's linearizability check; a key undecided in time is reported unknown")
}

func checkLinearTimeout(d time.Duration) error {
	if d <= 0 {
		return usageErr("invalid --linear-timeout: %v: must be positive", d)
	}
	return nil
}

// saveVisualization writes porcupine's visualization of the keys that are
// not linearizable to dir/linearizability.html and names it in result; it
// writes nothing when every key is linearizable.
func saveVisualization(dir string, a *checker.Analysis, result *checker.Result, timeout time.Duration) error {
	keys := result.NonLinearizable()
	if len(keys) == 0 {
		return nil
	}
	path := filepath.Join(dir, runs.LinearFile)
	if err := runs.CreateFile(path, func(w io.Writer) error {
		return a.Visualize(keys, timeout, w)
	}); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	result.Visualization = runs.LinearFile
	return nil
}
