package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/report"
	"github.com/clockwise-kv/clockwise/runs"
	"github.com/clockwise-kv/clockwise/store"
)

// Files of a metadata measurement's folder.
const (
	metaTableFile = "metadata.txt"
	metaKeysFile  = "keys.csv"
	metaJSONFile  = "metadata.json"
	metaPlotFile  = "bytes.png"
)

// metaRow is one run of the measurement: a strategy at one cluster size.
type metaRow struct {
	Strategy  string          `json:"strategy"`
	Nodes     int             `json:"nodes"`
	Replicas  int             `json:"replicas"` // nodes that hold each key
	Run       string          `json:"run"`      // the run's folder, holding history.jsonl
	Converged bool            `json:"converged"`
	Valid     bool            `json:"valid"`
	Summary   checker.Summary `json:"summary"`
	Keys      []metaKey       `json:"keys"`
}

// metaKey is one key of a row: its measured metadata and what the checker
// found on it.
type metaKey struct {
	checker.KeyMeta
	Lost  int `json:"lost"`
	Stale int `json:"stale"`
}

// metaReport is metadata.json.
type metaReport struct {
	Command string    `json:"command"`
	Started time.Time `json:"started"`
	Rows    []metaRow `json:"rows"`
}

func newMetadata() *cobra.Command {
	var (
		f          testFlags
		nodes      []int
		strategies []string
		out        string
	)
	cmd := &cobra.Command{
		Use:   "metadata",
		Short: "Measure causal metadata per key from 3 to 50 nodes, with each run's verdict",
		Long: `metadata runs the same seeded workload for every strategy at every cluster size
and measures, per key, what the store reported on each acknowledged write: the
version-vector entries (meta.vv), the encoded causal-metadata bytes (meta.bytes,
mean and max) and the versions reads returned (siblings), next to the checker's
verdict for that run (lost writes, stale siblings).

Each key's writes go to the nodes in turn (its first write to n1, its second to
n2, …), so every node takes writes of every key: a strategy with node actors
(vv) grows one entry per node, vv-pruned stops at --prune entries, and dvv, which
places each key on --replicas nodes (default 3) that alone coordinate its writes,
stays within that many entries.

It prints a table and writes, into runs/metadata-<time>/: metadata.txt (the
table), keys.csv (one line per strategy, size and key), metadata.json, bytes.png
(bytes per key against cluster size) and one folder per run with its
history.jsonl, results.json and report.txt, which 'clockwise analyze' re-judges.

Exit status: 0 when every run completed (the verdicts are in the table, anomalies
included), 2 bad usage.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := validStrategies(strategies); err != nil {
				return err
			}
			if len(strategies) == 0 {
				return usageErr("invalid --strategy: name at least one strategy")
			}
			if len(nodes) == 0 {
				return usageErr("invalid --nodes: name at least one cluster size")
			}
			var cfgs []harness.Config
			for _, s := range strategies {
				for _, n := range nodes {
					if n < 1 {
						return usageErr("invalid --nodes: %d: must be at least 1", n)
					}
					f.strategy, f.nodes = s, n
					cfg, err := f.config()
					if err != nil {
						return err
					}
					cfgs = append(cfgs, cfg)
				}
			}
			rep := metaReport{Command: replay(cmd, "out"), Started: time.Now().UTC().Truncate(time.Second)}
			dir, err := runs.New(out, "metadata", rep.Started)
			if err != nil {
				return err
			}
			return measureAll(cmd.OutOrStdout(), cfgs, dir, &rep)
		},
	}
	// Every flag of a test, except the two that become lists here.
	test := pflag.NewFlagSet("test", pflag.ContinueOnError)
	f.register(test)
	test.VisitAll(func(fl *pflag.Flag) {
		if fl.Name != "nodes" && fl.Name != "strategy" {
			cmd.Flags().AddFlag(fl)
		}
	})
	cmd.Flags().IntSliceVar(&nodes, "nodes", []int{3, 5, 10, 20, 30, 50}, "cluster sizes to measure")
	cmd.Flags().StringSliceVar(&strategies, "strategy", []string{"vv", "vv-pruned", "dvv"}, "strategies to measure: "+strings.Join(store.Names(), ", "))
	cmd.Flags().StringVar(&out, "out", "runs", "folder that holds the run folders")
	return cmd
}

// measureAll runs every configuration, printing each row as it completes,
// then writes the measurement's files into dir.
func measureAll(w io.Writer, cfgs []harness.Config, dir string, rep *metaReport) error {
	c := cfgs[0]
	nem := strings.Join(c.Nemesis.Kinds, ",")
	if nem == "" {
		nem = "none"
	}
	var table bytes.Buffer
	out := io.MultiWriter(w, &table)
	fmt.Fprintf(out, "clockwise metadata: seed %d, %d clients, %d keys, %d ops, nemesis %s, prune K=%d\n",
		c.Seed, c.Clients, c.Keys, c.Ops, nem, c.Options.Prune)
	fmt.Fprintf(w, "  folder: %s\n  replay: %s\n", dir, rep.Command)
	fmt.Fprintf(out, "\n%s\n", metaHeader)
	for _, cfg := range cfgs {
		row, err := measure(cfg, dir)
		if err != nil {
			return err
		}
		rep.Rows = append(rep.Rows, row)
		fmt.Fprintln(out, row.line())
	}
	fmt.Fprintf(out, "\n%s\n", metaLegend)
	if err := os.WriteFile(filepath.Join(dir, metaTableFile), table.Bytes(), 0o644); err != nil {
		return err
	}
	if err := runs.WriteJSON(filepath.Join(dir, metaJSONFile), rep); err != nil {
		return err
	}
	if err := writeKeysCSV(filepath.Join(dir, metaKeysFile), rep.Rows); err != nil {
		return err
	}
	if err := plotBytes(filepath.Join(dir, metaPlotFile), rep.Rows); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nwrote %s, %s, %s and %s in %s\n", metaTableFile, metaKeysFile, metaJSONFile, metaPlotFile, dir)
	return nil
}

// measure runs one configuration with the turn generator into its own
// folder under dir and measures it.
func measure(cfg harness.Config, dir string) (metaRow, error) {
	row := metaRow{Strategy: cfg.Strategy, Nodes: cfg.Nodes, Replicas: cfg.ReplicaCount(), Run: fmt.Sprintf("%s-n%d", cfg.Strategy, cfg.Nodes)}
	runDir := filepath.Join(dir, row.Run)
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return row, err
	}
	res, err := runInto(filepath.Join(runDir, runs.HistoryFile), cfg, harness.NewTurns(cfg))
	if err != nil {
		return row, fmt.Errorf("run %s: %w", row.Run, err)
	}
	a, err := checker.Analyze(res.History)
	if err != nil {
		return row, fmt.Errorf("check %s: %w", row.Run, err)
	}
	result, err := a.Check(checker.Options{})
	if err != nil {
		return row, fmt.Errorf("check %s: %w", row.Run, err)
	}
	keys := a.Metadata()
	row.Converged, row.Valid, row.Summary = res.Converged, result.Valid, result.Summary
	for _, k := range keys {
		mk := metaKey{KeyMeta: k}
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
	var text bytes.Buffer
	if err := report.WriteText(&text, result, 0); err != nil {
		return row, err
	}
	if err := os.WriteFile(filepath.Join(runDir, runs.ReportFile), text.Bytes(), 0o644); err != nil {
		return row, err
	}
	return row, runs.WriteJSON(filepath.Join(runDir, runs.ResultsFile), result)
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
func (r metaRow) bytes() (mean float64, top int) {
	for _, k := range r.Keys {
		mean += k.BytesMean / float64(len(r.Keys))
		top = max(top, k.BytesMax)
	}
	return mean, top
}

// line is the row in the table.
func (r metaRow) line() string {
	var via, entries, sibMax, final int
	var sibMean float64
	for _, k := range r.Keys {
		via, entries = max(via, k.Via), max(entries, k.Entries)
		sibMax, final = max(sibMax, k.Siblings), max(final, k.Final)
		sibMean += k.SiblingsMean / float64(len(r.Keys))
	}
	bytesMean, bytesMax := r.bytes()
	verdict := "valid"
	if !r.Valid {
		verdict = "INVALID"
	}
	if !r.Converged {
		verdict += " (not converged)"
	}
	s := r.Summary
	return fmt.Sprintf("%-10s %6d %5d %4d %8d %15.1f %5d %14.2f %4d %6d %6d %5d %6d  %s",
		r.Strategy, r.Nodes, r.Replicas, via, entries, bytesMean, bytesMax, sibMean, sibMax, final,
		s.Acknowledged, s.Lost, s.Stale, verdict)
}

func writeKeysCSV(path string, rows []metaRow) error {
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

// plotBytes draws bytes per key against cluster size: per strategy, the
// mean over keys of each key's mean (solid, with points) and the max
// (dashed).
func plotBytes(path string, rows []metaRow) error {
	p := plot.New()
	p.Title.Text = "Causal metadata per key, by cluster size"
	p.X.Label.Text = "nodes"
	p.Y.Label.Text = "bytes per key after a write"
	p.Y.Min = 0
	p.Legend.Top, p.Legend.Left = true, true
	p.Add(plotter.NewGrid())
	var order []string
	var ticks plot.ConstantTicks
	for _, r := range rows {
		if !slices.Contains(order, r.Strategy) {
			order = append(order, r.Strategy)
		}
		if !slices.ContainsFunc(ticks, func(t plot.Tick) bool { return t.Value == float64(r.Nodes) }) {
			ticks = append(ticks, plot.Tick{Value: float64(r.Nodes), Label: strconv.Itoa(r.Nodes)})
		}
	}
	p.X.Tick.Marker = ticks
	for i, s := range order {
		var mean, top plotter.XYs
		for _, r := range rows {
			if r.Strategy != s {
				continue
			}
			m, x := r.bytes()
			mean = append(mean, plotter.XY{X: float64(r.Nodes), Y: m})
			top = append(top, plotter.XY{X: float64(r.Nodes), Y: float64(x)})
		}
		slices.SortFunc(mean, func(a, b plotter.XY) int { return int(a.X - b.X) })
		slices.SortFunc(top, func(a, b plotter.XY) int { return int(a.X - b.X) })
		line, points, err := plotter.NewLinePoints(mean)
		if err != nil {
			return fmt.Errorf("plot: %w", err)
		}
		line.Color, points.Color, points.Shape = plotutil.Color(i), plotutil.Color(i), plotutil.Shape(i)
		line.Width = vg.Points(1.5)
		dashed, err := plotter.NewLine(top)
		if err != nil {
			return fmt.Errorf("plot: %w", err)
		}
		dashed.Color, dashed.Dashes = plotutil.Color(i), []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(line, points, dashed)
		p.Legend.Add(s+" mean", line, points)
		p.Legend.Add(s+" max", dashed)
	}
	if err := p.Save(7*vg.Inch, 4.5*vg.Inch, path); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}
