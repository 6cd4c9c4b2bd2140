package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/store"
)

// Files the matrix writes into its --out folder.
const (
	matrixMarkdown = "matrix.md"
	matrixJSON     = "matrix.json"
)

// matrixColumn is one nemesis setting of the matrix.
type matrixColumn struct {
	Name    string `json:"name"`
	Nemesis string `json:"nemesis"` // the --nemesis value of its runs
	About   string `json:"about"`
	// args returns more check flags the column sets, from the matrix's
	// flags; nil sets none.
	args func(f *testFlags) []string
}

// matrixColumns are the nemesis columns, in order. A new fault kind is one
// more line here.
var matrixColumns = []matrixColumn{
	{Name: "none", Nemesis: "none", About: "no faults"},
	{Name: "skew", Nemesis: "skew", About: "a random node's clock jumps by up to ±max-skew, then back"},
	{Name: "partition", Nemesis: "partition", About: "one node isolated, or the nodes split in halves, then healed"},
	{Name: "skew+partition", Nemesis: "skew,partition", About: "both, on independent schedules"},
	{Name: "strobe", Nemesis: "strobe", About: "a random node's clock flips between +0 and +200ms every 10ms"},
	{Name: "tombstone", Nemesis: "tombstone", About: "a key deleted through a node whose clock reads an hour ahead (--tombstone-offset)"},
	{Name: "small-skew", Nemesis: "skew", About: "skew bounded by ε (--max-skew set to --epsilon): TrueTime's promise holds",
		args: func(f *testFlags) []string {
			if f.epsilon <= 0 {
				// Skew bounded by 0 is no skew (the nemesis reads a
				// --max-skew of 0 as its default bound).
				return []string{"--nemesis", "none"}
			}
			var args []string
			if f.skew != "" {
				args = []string{"--skew", ""} // fixed offsets would ignore the bound
			}
			return append(args, "--max-skew", f.epsilon.String())
		}},
}

func matrixColumnNames() []string {
	names := make([]string, len(matrixColumns))
	for i, c := range matrixColumns {
		names[i] = c.Name
	}
	return names
}

// matrixRun is one run of a cell: one seed.
type matrixRun struct {
	Seed      uint64          `json:"seed"`
	Args      []string        `json:"args"`    // the clockwise check arguments that replay it
	Command   string          `json:"command"` // the same, as a command line
	Valid     bool            `json:"valid"`
	Converged bool            `json:"converged"`
	Summary   checker.Summary `json:"summary"`
	waits     []int64
	latencies []int64
}

// matrixCell is one strategy under one nemesis column, summed over its runs:
// counts add up, the commit wait and write latency percentiles pool every
// acknowledged write of every run.
type matrixCell struct {
	Strategy     string                   `json:"strategy"`
	Nemesis      string                   `json:"nemesis"` // the column's name
	Acknowledged int                      `json:"acknowledged"`
	Lost         int                      `json:"lost"`
	LostByKind   map[checker.LostKind]int `json:"lost_by_kind"`
	Stale        int                      `json:"stale"`
	Stamped      int                      `json:"stamped"`  // acknowledged writes checked for external consistency
	External     int                      `json:"external"` // external-consistency violations
	// Linearizable is yes when every key of every run is, no when some
	// key is not, unknown otherwise.
	Linearizable    checker.Answer  `json:"linearizable"`
	Keys            int             `json:"keys"` // keys checked for linearizability, over all runs
	NonLinearizable int             `json:"non_linearizable"`
	LinearUnknown   int             `json:"linear_unknown"`
	CommitWait      checker.Latency `json:"commit_wait"`
	WriteLatency    checker.Latency `json:"write_latency"`
	MetaBytes       checker.Bytes   `json:"meta_bytes"`
	SiblingReads    int             `json:"sibling_reads"`
	Runs            []matrixRun     `json:"runs"`
}

// matrix is matrix.json.
type matrix struct {
	Command    string         `json:"command"`
	Strategies []string       `json:"strategies"`
	Nemeses    []matrixColumn `json:"nemeses"`
	Seeds      []uint64       `json:"seeds"`
	Nodes      int            `json:"nodes"`
	Clients    int            `json:"clients"`
	Keys       int            `json:"keys"`
	Ops        int            `json:"ops"`
	Epsilon    string         `json:"epsilon"`
	MaxSkew    string         `json:"max_skew"`
	Cells      []*matrixCell  `json:"cells"`
}

func newMatrix() *cobra.Command {
	var (
		f          testFlags
		strategies []string
		columns    []string
		seed       uint64
		seeds      int
		out        string
		linear     time.Duration
	)
	cmd := &cobra.Command{
		Use:   "matrix",
		Short: "Run every strategy against every nemesis on the same seeds and tabulate what each lost",
		Long: `matrix runs the randomized test of 'check' for every strategy (rows) under every
nemesis (columns: ` + strings.Join(matrixColumnNames(), ", ") + `), on the same
seeds in every cell, and prints one table: acknowledged writes, lost writes by
kind, stale siblings, external-consistency violations, linearizability,
commit wait and write latency (p50/p99), causal metadata bytes per key and reads
that returned siblings. The table is also written to <out>/matrix.md, and every
figure with the exact 'clockwise check' command that replays each run to
<out>/matrix.json.

The shape flags (--nodes, --ops, --epsilon, --max-skew, …) mean what they mean
for 'check' and apply to every run. The matrix reports; it does not gate:
exit status 0 unless the flags are bad (2).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := validStrategies(strategies); err != nil {
				return err
			}
			var cols []matrixColumn
			for _, name := range columns {
				i := slices.IndexFunc(matrixColumns, func(c matrixColumn) bool { return c.Name == name })
				if i < 0 {
					return usageErr("invalid --nemesis: %q is not a matrix column (known: %s)", name, strings.Join(matrixColumnNames(), ", "))
				}
				cols = append(cols, matrixColumns[i])
			}
			if len(strategies) == 0 || len(cols) == 0 {
				return usageErr("invalid --strategy or --nemesis: the matrix needs at least one of each")
			}
			if seeds < 1 {
				return usageErr("invalid --seeds: %d: must be at least 1", seeds)
			}
			if err := checkLinearTimeout(linear); err != nil {
				return err
			}
			// The shape flags the user set, passed on to every run.
			var shared []string
			cmd.Flags().Visit(func(fl *pflag.Flag) {
				if fl.Annotations["matrix"] == nil {
					shared = append(shared, "--"+fl.Name, flagValue(fl))
				}
			})
			m, err := runMatrix(strategies, cols, seed, seeds, shared, &f)
			if err != nil {
				return err
			}
			m.Command = "clockwise matrix"
			cmd.Flags().Visit(func(fl *pflag.Flag) {
				if fl.Name != "out" {
					m.Command += " --" + fl.Name + " " + shellQuote(flagValue(fl))
				}
			})
			return writeMatrix(cmd.OutOrStdout(), out, m)
		},
	}
	// The shape flags of check, bound to f; check's --strategy, --seed and
	// --nemesis are the matrix's own.
	tmp := pflag.NewFlagSet("check", pflag.ContinueOnError)
	f.register(tmp)
	tmp.VisitAll(func(fl *pflag.Flag) {
		if fl.Name != "strategy" && fl.Name != "seed" && fl.Name != "nemesis" {
			cmd.Flags().AddFlag(fl)
		}
	})
	fs := cmd.Flags()
	fs.StringSliceVar(&strategies, "strategy", store.Names(), "strategies, the rows")
	fs.StringSliceVar(&columns, "nemesis", matrixColumnNames(), "nemesis columns, in order")
	fs.Uint64Var(&seed, "seed", 1, "first seed; every cell runs seeds seed…seed+seeds-1")
	fs.IntVar(&seeds, "seeds", 10, "runs per cell, one per seed")
	fs.StringVar(&out, "out", "runs", "folder to write matrix.md and matrix.json into")
	linearFlag(fs, &linear)
	for _, name := range []string{"strategy", "nemesis", "seed", "seeds", "out"} {
		_ = fs.SetAnnotation(name, "matrix", []string{"own"})
	}
	return cmd
}

// runMatrix runs every cell's seeds, in parallel, and sums them up.
func runMatrix(strategies []string, cols []matrixColumn, seed uint64, seeds int, shared []string, f *testFlags) (*matrix, error) {
	m := &matrix{Strategies: strategies, Nemeses: cols}
	for i := range seeds {
		m.Seeds = append(m.Seeds, seed+uint64(i))
	}
	var runs []*matrixRun
	for _, s := range strategies {
		for _, col := range cols {
			cell := &matrixCell{Strategy: s, Nemesis: col.Name}
			for _, sd := range m.Seeds {
				args := []string{"--strategy", s, "--seed", strconv.FormatUint(sd, 10), "--nemesis", col.Nemesis}
				args = append(args, shared...)
				if col.args != nil {
					args = append(args, col.args(f)...)
				}
				cell.Runs = append(cell.Runs, matrixRun{Seed: sd, Args: args,
					Command: "clockwise check " + strings.Join(quoteAll(args), " ")})
			}
			m.Cells = append(m.Cells, cell)
		}
	}
	for _, c := range m.Cells {
		for i := range c.Runs {
			runs = append(runs, &c.Runs[i])
		}
	}
	// Validate the flags once, before starting anything.
	cfg, _, err := checkConfig(runs[0].Args)
	if err != nil {
		return nil, err
	}
	m.Nodes, m.Clients, m.Keys, m.Ops = cfg.Nodes, cfg.Clients, cfg.Keys, cfg.Ops
	m.Epsilon, m.MaxSkew = cfg.Options.Epsilon.String(), cfg.Nemesis.MaxSkew.String()

	errs := make([]error, len(runs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				errs[i] = runs[i].run()
			}
		})
	}
	for i := range runs {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("matrix: %s: %w", runs[i].Command, err)
		}
	}
	for _, c := range m.Cells {
		c.sum()
	}
	return m, nil
}

// checkConfig reads check's flags from args, as 'clockwise check' would.
func checkConfig(args []string) (harness.Config, time.Duration, error) {
	var f testFlags
	var linear time.Duration
	fs := pflag.NewFlagSet("check", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f.register(fs)
	linearFlag(fs, &linear)
	if err := fs.Parse(args); err != nil {
		return harness.Config{}, 0, usageErr("%v", err)
	}
	cfg, err := f.config()
	return cfg, linear, err
}

// run runs and judges one seed of a cell.
func (r *matrixRun) run() error {
	cfg, linear, err := checkConfig(r.Args)
	if err != nil {
		return err
	}
	res, err := harness.Run(cfg, nil, nil)
	if err != nil {
		return err
	}
	a, err := checker.Analyze(res.History)
	if err != nil {
		return err
	}
	result, err := a.Check(checker.Options{LinearTimeout: linear})
	if err != nil {
		return err
	}
	r.waits, r.latencies = a.WriteTimes()
	r.Valid, r.Converged, r.Summary = result.Valid, res.Converged, result.Summary
	return nil
}

// sum adds up the cell's runs.
func (c *matrixCell) sum() {
	c.LostByKind = map[checker.LostKind]int{}
	var waits, lat []int64
	for _, r := range c.Runs {
		s := r.Summary
		c.Acknowledged += s.Acknowledged
		c.Lost += s.Lost
		for k, n := range s.LostByKind {
			c.LostByKind[k] += n
		}
		c.Stale += s.Stale
		c.Stamped += s.Stamped
		c.External += s.External
		c.Keys += s.LinearKeys
		c.NonLinearizable += s.NonLinearizable
		c.LinearUnknown += s.LinearUnknown
		c.MetaBytes.Merge(s.MetaBytes)
		c.SiblingReads += s.SiblingReads
		waits = append(waits, r.waits...)
		lat = append(lat, r.latencies...)
	}
	c.CommitWait, c.WriteLatency = checker.Percentiles(waits), checker.Percentiles(lat)
	c.Linearizable = checker.Answer(checker.LinearVerdict(c.NonLinearizable, c.LinearUnknown))
}

func quoteAll(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = shellQuote(a)
	}
	return out
}
