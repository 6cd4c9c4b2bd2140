// Package runs owns the run folder, as Jepsen's store does: every run
// writes into a folder of its own under a runs folder, named
// <name>-<UTC time>[-n], and the runs folder's latest link points at the
// newest complete check run: a command points it (Point) only once the
// folder holds every file, and replaces the link atomically, so a reader of
// latest never meets a half-written folder or a missing link. The matrix
// and the metadata measurement write folders of their own (with run.json,
// naming their Kind) and leave latest to check runs. A run folder holds the files named here: the history, the
// checker's result, the text and HTML reports, porcupine's page when a key
// is not linearizable, and run.json (Info), which says how the run was made
// and what it found.
//
// The package creates folders and files (through a buffer, so a file is
// written in large pieces and its first error is reported), streams a
// history into a folder as a run records it (whole lines straight to the
// file, so a killed run leaves whole lines), and reads a run back with
// errors that say what is wrong with the folder. It knows the formats it
// stores (histories, the checker's result) but nothing of how runs are
// made or shown.
package runs

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

	"github.com/clockwise-kv/clockwise/checker/results"
	"github.com/clockwise-kv/clockwise/histories"
)

// The files of a run folder, and the link to the newest run.
const (
	HistoryFile = "history.jsonl"        // the history, one event per line
	ResultsFile = "results.json"         // the checker's result
	ReportFile  = "report.txt"           // the text report
	InfoFile    = "run.json"             // how the run was made (Info)
	HTMLFile    = "report.html"          // the HTML report
	LinearFile  = "linearizability.html" // porcupine's page of the keys not linearizable
	Latest      = "latest"               // in the runs folder: a link to the newest run folder
)

// The kinds of run folder, as run.json names them. A check's folder
// leaves the kind empty.
const (
	KindMatrix   = "matrix"   // every strategy under every nemesis: matrix.md, matrix.json
	KindMetadata = "metadata" // causal metadata per key: a table, keys.csv, a plot, a folder per run
)

// Info is run.json: how a run was made, and its verdict in brief. A matrix
// or metadata folder's run.json names its Kind, its strategies and
// nemeses comma-separated, and leaves the verdict to its own files.
type Info struct {
	Kind     string `json:"kind,omitempty"` // empty for a check's run folder
	Strategy string `json:"strategy"`
	Nemesis  string `json:"nemesis"`
	Seed     uint64 `json:"seed"`
	Nodes    int    `json:"nodes"`
	Clients  int    `json:"clients"`
	Keys     int    `json:"keys"`
	Ops      int    `json:"ops"`
	Command  string `json:"command"`           // replays the run (reruns it, on a real cluster)
	Version  string `json:"version,omitempty"` // the clockwise build that made it
	Cluster  string `json:"cluster,omitempty"` // the real cluster the run ran against: "local" or node URLs; empty: the simulator
	// Net is how a local cluster's partitions cut its links: "proxy" (TCP
	// proxies) or "filter" (packet filter rules); empty for any other run.
	Net string `json:"net,omitempty"`
	// Workload is how the history's writes are read (checker.Options.Workload):
	// "register" or "set" for a real database's run; empty: the store's own.
	Workload  string        `json:"workload,omitempty"`
	Started   time.Time     `json:"started"`
	Virtual   time.Duration `json:"virtual_ns"`        // simulated time the run took
	Wall      time.Duration `json:"wall_ns,omitempty"` // on a real cluster: the wall time it took
	Converged bool          `json:"converged"`
	// Namespace is a real run's namespace on its cluster: its keys and
	// write ids there are the history's behind "<namespace>:".
	Namespace string `json:"namespace,omitempty"`
	// Interrupted: a signal (Ctrl-C, SIGTERM) stopped the run before its
	// final reads; its verdict is unknown unless the history already proves
	// a failure.
	Interrupted bool `json:"interrupted"`
	// Verdict is valid, invalid or unknown; nil in a run.json written
	// before verdicts could be unknown (Valid alone says then).
	Verdict *results.Verdict `json:"verdict,omitempty"`
	Valid   bool             `json:"valid"`
	Summary results.Summary  `json:"summary"`
	// Vary is the workload a sweep drew from the seed (--vary): each flag
	// it set and its value, all of them also in Command.
	Vary map[string]string `json:"vary,omitempty"`
}

// FolderTime is how a folder's name writes the run's start, in UTC.
const FolderTime = "20060102T150405Z"

// New creates root/<name>-<started>, adding -2, -3… when that exists, and
// returns the folder's path. It leaves root/latest alone: Point moves it
// once the folder is complete.
func New(root, name string, started time.Time) (string, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("runs: %w", err)
	}
	base := fmt.Sprintf("%s-%s", name, started.UTC().Format(FolderTime))
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
			return "", fmt.Errorf("runs: %w", err)
		}
		return filepath.Join(root, dir), nil
	}
}

// MkdirAll creates dir and any folder above it that is missing.
func MkdirAll(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("runs: %w", err)
	}
	return nil
}

// Point points the latest link of dir's runs folder at dir, a complete run
// folder. It links a temporary name, unique to dir, and renames it over
// latest, which replaces the old link atomically: a reader finds the old
// link or the new one, never none, and runs finishing at once never fail.
func Point(dir string) error {
	root, name := filepath.Split(filepath.Clean(dir))
	tmp := filepath.Join(root, ".latest-"+name)
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("runs: %w", err)
	}
	if err := os.Symlink(name, tmp); err != nil {
		return fmt.Errorf("runs: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(root, Latest)); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("runs: %w", err)
	}
	return nil
}

// CreateFile creates path and fills it with write, through a buffer; the
// first error of writing, flushing or closing wins.
func CreateFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("runs: %w", err)
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

// WriteJSON writes v to path as EncodeJSON does.
func WriteJSON(path string, v any) error {
	return CreateFile(path, func(w io.Writer) error { return EncodeJSON(w, v) })
}

// EncodeJSON writes v to w as the files of a run folder hold JSON:
// indented by two spaces, one value per file, ending in a newline.
func EncodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Record streams a history to path: run writes each event to the writer as
// it happens. The writer writes whole lines straight to the file, with no
// other buffer in between, so whatever reached the file is whole lines even
// when the process is killed.
func Record(path string, run func(*histories.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("runs: %w", err)
	}
	w := histories.NewWriter(f)
	err = run(w)
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("runs: %w", cerr)
	}
	return err
}

// ResolveHistory accepts a history file or a run folder holding one, and
// returns the file's path.
func ResolveHistory(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("runs: %w", err)
	}
	if st.IsDir() {
		file := filepath.Join(path, HistoryFile)
		if _, err := os.Stat(file); err != nil {
			return "", fmt.Errorf("runs: %s is a folder without a %s: %w", path, HistoryFile, err)
		}
		return file, nil
	}
	return path, nil
}

// Has reports whether the run folder dir holds the file name.
func Has(dir, name string) bool {
	st, err := os.Stat(filepath.Join(dir, name))
	return err == nil && !st.IsDir()
}

// ReadFile reads the file name of the run folder dir, with an error that
// says what is wrong with the folder.
func ReadFile(dir, name string) ([]byte, error) {
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return nil, fmt.Errorf("runs: run folder %s: %w", dir, err)
	case !st.IsDir():
		return nil, fmt.Errorf("runs: %s is not a run folder (a folder written by clockwise check)", dir)
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("runs: %s is not a complete run folder: it has no %s (clockwise check writes one)", dir, name)
	}
	if err != nil {
		return nil, fmt.Errorf("runs: run folder %s: %w", dir, err)
	}
	return b, nil
}

// ReadJSON reads the JSON file name of the run folder dir into v.
func ReadJSON(dir, name string, v any) error {
	b, err := ReadFile(dir, name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("runs: %s: %w", filepath.Join(dir, name), err)
	}
	return nil
}

// ReadInfo reads dir's run.json.
func ReadInfo(dir string) (Info, error) {
	var info Info
	err := ReadJSON(dir, InfoFile, &info)
	return info, err
}

// Histories lists the histories args name: files as they are, a run
// folder (when runFolders: a folder holding HistoryFile) as itself, any
// other folder as every file under it whose name ends in ext, in lexical
// order. many says the caller should answer a line each: several
// arguments, or a folder of histories. A folder without such a file is an
// error that names format.
func Histories(args []string, format, ext string, runFolders bool) (paths []string, many bool, err error) {
	many = len(args) > 1
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil || !st.IsDir() || (runFolders && Has(a, HistoryFile)) {
			paths = append(paths, a) // judged, or reported unreadable, as it is
			continue
		}
		many = true
		n := len(paths)
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() && strings.HasSuffix(d.Name(), ext) {
				paths = append(paths, p)
			}
			return nil
		})
		if err != nil {
			return nil, false, err
		}
		if len(paths) == n {
			what := ""
			if runFolders {
				what = ", and it is not a run folder: it has no " + HistoryFile
			}
			return nil, false, fmt.Errorf("%s holds no %s history (no *%s file under it%s)", a, format, ext, what)
		}
	}
	return paths, many, nil
}
