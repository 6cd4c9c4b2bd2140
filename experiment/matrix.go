package experiment

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"mvdan.cc/sh/v3/shell"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/checker/stats"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/sim"
	"github.com/clockwise-kv/clockwise/internal/parallel"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// Files a matrix writes into its folder.
const (
	MatrixMarkdown = "matrix.md"
	MatrixJSON     = "matrix.json"
)

// Column is one nemesis setting of the matrix.
type Column struct {
	Name    string `json:"name"`
	Nemesis string `json:"nemesis"` // the --nemesis value of its runs
	About   string `json:"about"`
	// adjust, if set, changes a run's configuration further and returns
	// the check flags that say so.
	adjust func(cfg *harness.Config) []string
}

// Columns are the nemesis columns, in order. A new fault kind is one more
// line here.
var Columns = []Column{
	{Name: "none", Nemesis: "none", About: "no faults"},
	{Name: "skew", Nemesis: "skew", About: "a random node's clock jumps by up to ±max-skew, then back"},
	{Name: "partition", Nemesis: "partition", About: "one node isolated, or the nodes split in halves, then healed"},
	{Name: "skew+partition", Nemesis: "skew,partition", About: "both, on independent schedules"},
	{Name: "strobe", Nemesis: "strobe", About: "a random node's clock flips between +0 and +200ms every 10ms"},
	{Name: "tombstone", Nemesis: "tombstone", About: "a key deleted through a node whose clock reads an hour ahead (--tombstone-offset)"},
	{Name: "small-skew", Nemesis: "skew", About: "skew bounded by ε (--max-skew set to --epsilon): TrueTime's promise holds",
		adjust: func(cfg *harness.Config) []string {
			eps := cfg.Options.Epsilon
			if eps <= 0 {
				// Skew bounded by 0 is no skew (the nemesis reads a
				// --max-skew of 0 as its default bound).
				cfg.Nemesis.Kinds = nil
				return []string{"--nemesis", "none"}
			}
			var args []string
			if len(cfg.Nemesis.Skew) > 0 {
				cfg.Nemesis.Skew = nil // fixed offsets would ignore the bound
				args = []string{"--skew", ""}
			}
			cfg.Nemesis.MaxSkew = eps
			return append(args, "--max-skew", eps.String())
		}},
}

// ColumnNames lists the columns' names, in order.
func ColumnNames() []string {
	names := make([]string, len(Columns))
	for i, c := range Columns {
		names[i] = c.Name
	}
	return names
}

// ColumnsNamed returns the columns called names, in that order.
func ColumnsNamed(names []string) ([]Column, error) {
	var cols []Column
	for _, name := range names {
		i := -1
		for j, c := range Columns {
			if c.Name == name {
				i = j
			}
		}
		if i < 0 {
			return nil, fmt.Errorf("experiment: %q is not a matrix column (known: %s)", name, strings.Join(ColumnNames(), ", "))
		}
		cols = append(cols, Columns[i])
	}
	return cols, nil
}

// MatrixPlan says what a matrix runs: every strategy (the rows) under every
// column, on the same seeds in every cell.
type MatrixPlan struct {
	Strategies []string
	Columns    []Column
	Seeds      []uint64
	// Config is the shape of every run (nodes, ops, ε, …): the check flags
	// the user gave, on check's defaults. Each run sets its own strategy,
	// seed and nemesis.
	Config harness.Config
	// Flags are those check flags as arguments ("--ops", "200"), for the
	// command line that replays each run.
	Flags         []string
	LinearTimeout time.Duration
	Command       string // the matrix's own command line
	// Progress, when not nil, is called after each run with how many of
	// the total have completed, from one goroutine at a time.
	Progress func(done, total int)
}

// Trial is one run of a cell: one seed.
type Trial struct {
	Seed      uint64          `json:"seed"`
	Args      []string        `json:"args"`    // the clockwise check arguments that replay it
	Command   string          `json:"command"` // the same, as a command line
	Valid     bool            `json:"valid"`
	Converged bool            `json:"converged"`
	Summary   checker.Summary `json:"summary"`
	cfg       harness.Config
	waits     []int64
	latencies []int64
}

// Cell is one strategy under one nemesis column, summed over its trials:
// counts add up, the commit wait and write latency percentiles pool every
// acknowledged write of every trial.
type Cell struct {
	Strategy     string `json:"strategy"`
	Nemesis      string `json:"nemesis"` // the column's name
	Acknowledged int    `json:"acknowledged"`
	Lost         int    `json:"lost"`
	SkewLost     int    `json:"lost_to_skew"` // lost writes lost to clock skew (checker.Lost.Skew)
	// Racing, Overwritten and Misordered are the other parts of the
	// headline (checker.Summary): dropped for a concurrent write that
	// overlapped them, for one that began after their ack without reading
	// them, and stamped by a logical clock below an earlier write.
	Racing      int                      `json:"lost_racing"`
	Overwritten int                      `json:"lost_overwritten"`
	Misordered  int                      `json:"lost_misordered"`
	LostByKind  map[checker.LostKind]int `json:"lost_by_kind"`
	Stale       int                      `json:"stale"`
	Stamped     int                      `json:"stamped"`  // acknowledged writes checked for external consistency
	External    int                      `json:"external"` // external-consistency violations
	// Linearizable is yes when every key of every trial is, no when some
	// key is not, unknown otherwise.
	Linearizable    checker.Answer `json:"linearizable"`
	Keys            int            `json:"keys"` // keys checked for linearizability, over all trials
	NonLinearizable int            `json:"non_linearizable"`
	LinearUnknown   int            `json:"linear_unknown"`
	CommitWait      stats.Latency  `json:"commit_wait"`
	WriteLatency    stats.Latency  `json:"write_latency"`
	MetaBytes       stats.Bytes    `json:"meta_bytes"`
	SiblingReads    int            `json:"sibling_reads"`
	Runs            []Trial        `json:"runs"`
}

// Matrix is a matrix's every figure: matrix.json.
type Matrix struct {
	Command    string   `json:"command"`
	Strategies []string `json:"strategies"`
	Nemeses    []Column `json:"nemeses"`
	Seeds      []uint64 `json:"seeds"`
	Nodes      int      `json:"nodes"`
	Clients    int      `json:"clients"`
	Keys       int      `json:"keys"`
	Ops        int      `json:"ops"`
	Epsilon    string   `json:"epsilon"`
	MaxSkew    string   `json:"max_skew"`
	Cells      []*Cell  `json:"cells"`
}

// RunMatrix runs every trial of the plan, as many at once as there are
// processors, and sums up each cell.
func RunMatrix(p MatrixPlan) (*Matrix, error) {
	if len(p.Strategies) == 0 || len(p.Columns) == 0 || len(p.Seeds) == 0 {
		return nil, fmt.Errorf("experiment: a matrix needs a strategy, a column and a seed")
	}
	m := &Matrix{Command: p.Command, Strategies: p.Strategies, Nemeses: p.Columns, Seeds: p.Seeds}
	var trials []*Trial
	for _, s := range p.Strategies {
		for _, col := range p.Columns {
			cell := &Cell{Strategy: s, Nemesis: col.Name}
			for _, seed := range p.Seeds {
				t, err := newTrial(p, s, col, seed)
				if err != nil {
					return nil, err
				}
				cell.Runs = append(cell.Runs, t)
			}
			m.Cells = append(m.Cells, cell)
		}
	}
	for _, c := range m.Cells {
		for i := range c.Runs {
			trials = append(trials, &c.Runs[i])
		}
	}
	first := trials[0].cfg
	m.Nodes, m.Clients, m.Keys, m.Ops = first.Nodes, first.Clients, first.Keys, first.Ops
	m.Epsilon, m.MaxSkew = first.Options.Epsilon.String(), first.Nemesis.MaxSkew.String()

	errs := parallel.Do(len(trials), runtime.GOMAXPROCS(0), func(i int) error { return trials[i].run(p.LinearTimeout) }, p.Progress)
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("experiment: matrix: %s: %w", trials[i].Command, err)
		}
	}
	for _, c := range m.Cells {
		c.sum()
	}
	return m, nil
}

// newTrial is the run of strategy under col on seed, and the command that
// replays it.
func newTrial(p MatrixPlan, strategy string, col Column, seed uint64) (Trial, error) {
	cfg := p.Config
	cfg.Strategy, cfg.Seed = strategy, seed
	kinds, err := nemesis.ParseKinds(col.Nemesis)
	if err != nil {
		return Trial{}, fmt.Errorf("experiment: column %s: %w", col.Name, err)
	}
	cfg.Nemesis.Kinds = kinds
	args := []string{"--strategy", strategy, "--seed", strconv.FormatUint(seed, 10), "--nemesis", col.Nemesis}
	args = append(args, p.Flags...)
	if col.adjust != nil {
		args = append(args, col.adjust(&cfg)...)
	}
	return Trial{Seed: seed, Args: args, Command: "clockwise check " + strings.Join(QuoteAll(args), " "), cfg: cfg}, nil
}

// run runs and judges the trial.
func (t *Trial) run(linear time.Duration) error {
	res, err := sim.Run(t.cfg, nil, sim.Options{})
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
	t.waits, t.latencies = a.WriteTimes()
	t.Valid, t.Converged, t.Summary = result.Valid, res.Converged, result.Summary
	return nil
}

// sum adds up the cell's trials (checker.Summary.Add) and pools their
// commit waits and write latencies.
func (c *Cell) sum() {
	s := checker.Summary{LostByKind: map[checker.LostKind]int{}}
	var waits, lat []int64
	for _, r := range c.Runs {
		s.Add(r.Summary)
		waits = append(waits, r.waits...)
		lat = append(lat, r.latencies...)
	}
	c.Acknowledged, c.Lost, c.SkewLost, c.LostByKind = s.Acknowledged, s.Lost, s.SkewLost, s.LostByKind
	c.Racing, c.Overwritten, c.Misordered = s.Racing, s.Overwritten, s.Misordered
	c.Stale, c.Stamped, c.External = s.Stale, s.Stamped, s.External
	c.Linearizable, c.Keys, c.NonLinearizable, c.LinearUnknown = s.Linearizable, s.LinearKeys, s.NonLinearizable, s.LinearUnknown
	c.MetaBytes, c.SiblingReads = s.MetaBytes, s.SiblingReads
	c.CommitWait, c.WriteLatency = stats.Percentiles(waits), stats.Percentiles(lat)
}

// QuoteAll quotes each argument for a shell (ShellQuote).
func QuoteAll(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = ShellQuote(a)
	}
	return out
}

// ShellQuote quotes s for a POSIX shell when it needs quoting.
func ShellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+-_.,=/:@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// SplitShell splits a command line into its words as a POSIX shell does
// (mvdan.cc/sh's parser): the inverse of ShellQuote. A parameter ($X)
// expands to nothing; an unterminated quote is an error.
func SplitShell(s string) ([]string, error) {
	return shell.Fields(s, func(string) string { return "" })
}
