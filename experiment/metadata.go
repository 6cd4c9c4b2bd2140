package experiment

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/checker/stats"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/sim"
	"github.com/clockwise-kv/clockwise/internal/runs"
	"github.com/clockwise-kv/clockwise/report"
	"github.com/clockwise-kv/clockwise/report/plot"
)

// Files of a metadata measurement's folder.
const (
	MetadataTable = "metadata.txt"
	MetadataKeys  = "keys.csv"
	MetadataJSON  = "metadata.json"
	MetadataPlot  = "bytes.png"
)

// MetadataRow is one run of the measurement: a strategy at one cluster
// size.
type MetadataRow struct {
	Strategy  string          `json:"strategy"`
	Nodes     int             `json:"nodes"`
	Replicas  int             `json:"replicas"` // nodes that hold each key
	Run       string          `json:"run"`      // the run's folder, holding history.jsonl
	Converged bool            `json:"converged"`
	Valid     bool            `json:"valid"`
	Summary   checker.Summary `json:"summary"`
	Keys      []MetadataKey   `json:"keys"`
}

// MetadataKey is one key of a row: its measured metadata and what the
// checker found on it.
type MetadataKey struct {
	stats.KeyMeta
	Lost  int `json:"lost"`
	Stale int `json:"stale"`
}

// Metadata is a measurement of causal metadata: metadata.json.
type Metadata struct {
	Command string        `json:"command"`
	Started time.Time     `json:"started"`
	Rows    []MetadataRow `json:"rows"`
}

// Measure runs every configuration in a new folder, metadata-<UTC time>,
// under root, each run in a folder of its own there, printing each row to
// w as it completes, then writes the measurement's files into the folder.
// command is the command line that replays the measurement.
func Measure(w io.Writer, root string, cfgs []harness.Config, command string) error {
	if len(cfgs) == 0 {
		return fmt.Errorf("experiment: metadata: nothing to measure")
	}
	rep := &Metadata{Command: command, Started: time.Now().UTC().Truncate(time.Second)}
	dir, err := runs.New(root, "metadata", rep.Started)
	if err != nil {
		return err
	}
	info := folderInfo(runs.KindMetadata, command, rep.Started)
	c := cfgs[0]
	nem := NemesisName(c)
	var table bytes.Buffer
	out := io.MultiWriter(w, &table)
	fmt.Fprintf(out, "clockwise metadata: seed %d, %d clients, %d keys, %d ops, nemesis %s, prune K=%d\n",
		c.Seed, c.Clients, c.Keys, c.Ops, nem, c.Options.Prune)
	fmt.Fprintf(w, "  folder: %s\n  replay: %s\n", dir, rep.Command)
	fmt.Fprintf(out, "\n%s\n", metaHeader)
	var strategies []string
	nodes := map[int]bool{}
	for _, cfg := range cfgs {
		row, err := measure(cfg, dir, info)
		if err != nil {
			return err
		}
		if !slices.Contains(strategies, cfg.Strategy) {
			strategies = append(strategies, cfg.Strategy)
		}
		nodes[cfg.Nodes] = true
		rep.Rows = append(rep.Rows, row)
		fmt.Fprintln(out, row.line())
	}
	fmt.Fprintf(out, "\n%s\n", metaLegend)
	if err := os.WriteFile(filepath.Join(dir, MetadataTable), table.Bytes(), 0o644); err != nil {
		return err
	}
	if err := runs.WriteJSON(filepath.Join(dir, MetadataJSON), rep); err != nil {
		return err
	}
	if err := writeKeysCSV(filepath.Join(dir, MetadataKeys), rep.Rows); err != nil {
		return err
	}
	sizes := make([]plot.Size, len(rep.Rows))
	for i, r := range rep.Rows {
		sizes[i] = plot.Size{Strategy: r.Strategy, Nodes: r.Nodes}
		sizes[i].Mean, sizes[i].Max = r.bytes()
	}
	if err := plot.Metadata(filepath.Join(dir, MetadataPlot), sizes); err != nil {
		return err
	}
	info.Strategy, info.Nemesis, info.Seed = strings.Join(strategies, ","), nem, c.Seed
	info.Nodes, info.Clients, info.Keys, info.Ops = slices.Max(slices.Collect(maps.Keys(nodes))), c.Clients, c.Keys, c.Ops
	if err := runs.WriteJSON(filepath.Join(dir, runs.InfoFile), info); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nwrote %s, %s, %s and %s in %s\n", MetadataTable, MetadataKeys, MetadataJSON, MetadataPlot, dir)
	return nil
}

// measure runs one configuration with the turn generator into its own
// folder under dir and measures it. The folder is a complete run folder:
// its run.json is the measurement's info with the run's shape and verdict.
func measure(cfg harness.Config, dir string, info runs.Info) (MetadataRow, error) {
	row := MetadataRow{Strategy: cfg.Strategy, Nodes: cfg.Nodes, Replicas: cfg.ReplicaCount(), Run: fmt.Sprintf("%s-n%d", cfg.Strategy, cfg.Nodes)}
	runDir := filepath.Join(dir, row.Run)
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return row, err
	}
	res, err := RunInto(filepath.Join(runDir, runs.HistoryFile), cfg, harness.NewTurns(cfg), sim.Options{})
	if err != nil {
		return row, fmt.Errorf("experiment: run %s: %w", row.Run, err)
	}
	a, err := checker.Analyze(res.History)
	if err != nil {
		return row, fmt.Errorf("experiment: check %s: %w", row.Run, err)
	}
	result, err := a.Check(checker.Options{})
	if err != nil {
		return row, fmt.Errorf("experiment: check %s: %w", row.Run, err)
	}
	keys := a.Metadata()
	row.Converged, row.Valid, row.Summary = res.Converged, result.Valid, result.Summary
	for _, k := range keys {
		mk := MetadataKey{KeyMeta: k}
		for _, l := range result.Lost {
			if l.Key == k.Key {
				mk.Lost++
			}
		}
		for _, s := range result.Stale {
			if s.Key == k.Key {
				mk.Stale++
			}
		}
		row.Keys = append(row.Keys, mk)
	}
	if err := runs.CreateFile(filepath.Join(runDir, runs.ReportFile), func(w io.Writer) error {
		return report.WriteText(w, result, 0)
	}); err != nil {
		return row, err
	}
	if err := runs.WriteJSON(filepath.Join(runDir, runs.ResultsFile), result); err != nil {
		return row, err
	}
	info.Kind, info.Strategy, info.Nemesis, info.Seed = "", cfg.Strategy, NemesisName(cfg), cfg.Seed
	info.Nodes, info.Clients, info.Keys, info.Ops = cfg.Nodes, cfg.Clients, cfg.Keys, cfg.Ops
	info.Virtual, info.Converged, info.Valid, info.Summary = res.Duration, res.Converged, result.Valid, result.Summary
	return row, runs.WriteJSON(filepath.Join(runDir, runs.InfoFile), info)
}

const metaHeader = "strategy    nodes  repl  via  entries  bytes/key mean   max  siblings mean  max  final  acked  lost  stale  verdict"

const metaLegend = `repl: nodes that hold each key; via: most nodes one key's writes were sent to;
entries: most version-vector entries a write reported (meta.vv); bytes/key: the key's
encoded causal metadata after each acknowledged write (meta.bytes), mean over keys of
each key's mean, and max; siblings: versions per client read, mean and max; final: most
versions in a final read; lost, stale: the checker's findings (stale siblings are not
data loss); verdict: the checker's, INVALID when an acknowledged write was lost.`

// bytes returns the mean over keys of each key's mean metadata bytes, and
// the most any key reached.
func (r MetadataRow) bytes() (mean float64, top int) {
	for _, k := range r.Keys {
		mean += k.BytesMean / float64(len(r.Keys))
		top = max(top, k.BytesMax)
	}
	return mean, top
}

// line is the row in the table.
func (r MetadataRow) line() string {
	var via, entries, sibMax, final int
	var sibMean float64
	for _, k := range r.Keys {
		via, entries = max(via, k.Via), max(entries, k.Entries)
		sibMax, final = max(sibMax, k.Siblings), max(final, k.Final)
		sibMean += k.SiblingsMean / float64(len(r.Keys))
	}
	bytesMean, bytesMax := r.bytes()
	verdict := checker.Valid.String()
	if !r.Valid {
		verdict = strings.ToUpper(checker.Invalid.String()) // what to look at
	}
	if !r.Converged {
		verdict += " (not converged)"
	}
	s := r.Summary
	return fmt.Sprintf("%-10s %6d %5d %4d %8d %15.1f %5d %14.2f %4d %6d %6d %5d %6d  %s",
		r.Strategy, r.Nodes, r.Replicas, via, entries, bytesMean, bytesMax, sibMean, sibMax, final,
		s.Acknowledged, s.Lost, s.Stale, verdict)
}

func writeKeysCSV(path string, rows []MetadataRow) error {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	_ = cw.Write([]string{"strategy", "nodes", "replicas", "key", "writes", "via", "entries", "entries_mean",
		"bytes_mean", "bytes_max", "siblings_mean", "siblings_max", "final", "lost", "stale", "run_valid"})
	ff := func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
	for _, r := range rows {
		for _, k := range r.Keys {
			_ = cw.Write([]string{r.Strategy, strconv.Itoa(r.Nodes), strconv.Itoa(r.Replicas), k.Key,
				strconv.Itoa(k.Writes), strconv.Itoa(k.Via), strconv.Itoa(k.Entries), ff(k.EntriesMean),
				ff(k.BytesMean), strconv.Itoa(k.BytesMax), ff(k.SiblingsMean), strconv.Itoa(k.Siblings),
				strconv.Itoa(k.Final), strconv.Itoa(k.Lost), strconv.Itoa(k.Stale), strconv.FormatBool(r.Valid)})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}
