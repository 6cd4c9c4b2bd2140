// Package sweep runs one randomized check per seed of a range, or of a
// shard of it, side by side, each on its own seeded simulator (Run); keeps
// the run folders of the first failing seeds and the summary, sweep.json
// (Summary); merges the summaries of a range's shards (Merge); and writes
// a summary for people, the failing seeds grouped by finding, each group
// with commands that replay its seeds (Write). It runs and saves checks
// through package experiment.
package sweep

import (
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/experiment"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/sim"
	"github.com/clockwise-kv/clockwise/internal/parallel"
	"github.com/clockwise-kv/clockwise/internal/runs"
	"github.com/clockwise-kv/clockwise/report"
)

// File is the summary a sweep writes into its folder.
const File = "sweep.json"

// streamVary is the seed stream --vary draws a seed's workload from; the
// harness's streams are small numbers, so this one shifts none of them.
const streamVary = 0x7661727900000000

// Seeds is a range of seeds, From to To inclusive.
type Seeds struct {
	From uint64 `json:"from"`
	To   uint64 `json:"to"`
}

// Len is how many seeds the range holds.
func (s Seeds) Len() uint64 { return s.To - s.From + 1 }

func (s Seeds) String() string { return fmt.Sprintf("%d-%d", s.From, s.To) }

// ParseSeeds reads a seed range: "a-b" (a to b inclusive) or "n" (1 to n).
func ParseSeeds(text string) (Seeds, error) {
	a, b, ranged := strings.Cut(strings.TrimSpace(text), "-")
	from, err := strconv.ParseUint(strings.TrimSpace(a), 10, 64)
	if err != nil {
		return Seeds{}, fmt.Errorf("sweep: seeds %q: want a range such as 1-1000, or a count", text)
	}
	if !ranged {
		if from == 0 {
			return Seeds{}, fmt.Errorf("sweep: seeds %q: the count must be at least 1", text)
		}
		return Seeds{From: 1, To: from}, nil
	}
	to, err := strconv.ParseUint(strings.TrimSpace(b), 10, 64)
	if err != nil {
		return Seeds{}, fmt.Errorf("sweep: seeds %q: want a range such as 1-1000, or a count", text)
	}
	if to < from {
		return Seeds{}, fmt.Errorf("sweep: seeds %q: the range ends before it starts", text)
	}
	if from == 0 && to == ^uint64(0) {
		return Seeds{}, fmt.Errorf("sweep: seeds %q: the range is too large", text)
	}
	return Seeds{From: from, To: to}, nil
}

// Shard is the I-th of N slices of a seed range (I from 0), as a CI matrix
// or a Kubernetes indexed Job numbers its workers.
type Shard struct {
	I int `json:"i"`
	N int `json:"n"`
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.I, s.N) }

// ParseShard reads "i/n": the i-th of n slices, 0 ≤ i < n.
func ParseShard(text string) (Shard, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(text), "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("sweep: shard %q: want i/n, such as 0/4", text)
	}
	if n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("sweep: shard %q: want 0 ≤ i < n", text)
	}
	return Shard{I: i, N: n}, nil
}

// Slice returns the shard's contiguous slice of seeds; the slices of all n
// shards cover the range once, their sizes differing by at most one. ok is
// false when the slice is empty (more shards than seeds).
func (s Shard) Slice(seeds Seeds) (Seeds, bool) {
	if s.N <= 1 {
		return seeds, true
	}
	n, k := seeds.Len(), uint64(s.N)
	i := uint64(s.I)
	start := i*(n/k) + min(i, n%k)
	size := n / k
	if i < n%k {
		size++
	}
	if size == 0 {
		return Seeds{}, false
	}
	return Seeds{From: seeds.From + start, To: seeds.From + start + size - 1}, true
}

// Plan says what a sweep runs: one strategy, the same check flags, one
// run per seed.
type Plan struct {
	Config harness.Config // every run's shape; each run sets its seed
	// Flags are the check flags as arguments, for the command that
	// replays each seed.
	Flags    []string
	Seeds    Seeds // the whole range
	Shard    Shard // the slice of it this sweep runs
	Vary     bool  // draw each seed's workload from the seed (Vary)
	Parallel int   // runs at once; 0: the number of processors
	Keep     int   // keep the run folders of at most this many failing seeds; negative: all
	Options  checker.Options
	Command  string // the sweep's own command line
	// Progress, if set, is called after each seed with the seeds done.
	Progress func(done, total int)
}

// Outcome is one seed's outcome.
type Outcome struct {
	Seed       uint64                   `json:"seed"`
	Verdict    checker.Verdict          `json:"verdict"`
	Lost       int                      `json:"lost"`
	LostByKind map[checker.LostKind]int `json:"lost_by_kind,omitempty"`
	Failures   []string                 `json:"failures,omitempty"`
	// Findings counts each kind of finding the seed's check made: the
	// writes lost to clock skew (skew), the lost writes by kind, and phantom, divergent, stale, unpreserved,
	// external and non-linearizable.
	Findings map[string]int    `json:"findings,omitempty"`
	Command  string            `json:"command"`       // replays it
	Dir      string            `json:"dir,omitempty"` // its run folder, when kept
	Vary     map[string]string `json:"vary,omitempty"`
}

// Summary is a sweep's summary: sweep.json.
type Summary struct {
	Command  string  `json:"command"`
	Strategy string  `json:"strategy"`
	Nemesis  string  `json:"nemesis"`
	Ops      int     `json:"ops"`
	Vary     bool    `json:"vary"`
	Seeds    Seeds   `json:"seeds"` // the whole range
	Shards   []Shard `json:"shards"`
	Run      int     `json:"run"` // seeds run
	Valid    int     `json:"valid"`
	Invalid  int     `json:"invalid"`
	Unknown  int     `json:"unknown"`
	Tally
	// Failing lists every seed that was not valid, in seed order.
	Failing []Outcome     `json:"failing"`
	Wall    time.Duration `json:"wall_ns"`
	Dir     string        `json:"dir,omitempty"`
}

// Tally adds up what the checker found over a sweep's seeds.
type Tally struct {
	Acknowledged int                      `json:"acknowledged"`
	Lost         int                      `json:"lost"`
	LostByKind   map[checker.LostKind]int `json:"lost_by_kind"`
	// SkewLost, Racing and Overwritten are the headline's parts
	// (checker.Summary): lost to clock skew, dropped for a racing
	// concurrent write, overwritten by a later one that never read them.
	SkewLost    int `json:"lost_to_skew"`
	Racing      int `json:"lost_racing"`
	Overwritten int `json:"lost_overwritten"`
	Inverted    int `json:"inverted"`
	Phantoms    int `json:"phantoms"`
	Divergent   int `json:"divergent"`
	// Faults counts the faults the nemesis started, heals apart
	// (report.FaultsStarted).
	Faults int `json:"faults_started"`
}

// add adds a seed's summary, or another shard's tally, to t
// (checker.Summary.Add).
func (t *Tally) add(o checker.Summary) {
	s := t.summary()
	s.Add(o)
	*t = Tally{Faults: t.Faults, Acknowledged: s.Acknowledged, Lost: s.Lost, LostByKind: s.LostByKind, SkewLost: s.SkewLost,
		Racing: s.Racing, Overwritten: s.Overwritten, Inverted: s.Inverted, Phantoms: s.Phantoms, Divergent: s.Divergent}
}

// summary is t as the part of a checker.Summary it keeps.
func (t Tally) summary() checker.Summary {
	return checker.Summary{Acknowledged: t.Acknowledged, Lost: t.Lost, LostByKind: t.LostByKind, SkewLost: t.SkewLost,
		Racing: t.Racing, Overwritten: t.Overwritten, Inverted: t.Inverted, Phantoms: t.Phantoms, Divergent: t.Divergent}
}

// Failed reports whether any seed of the sweep was not valid.
func (s *Summary) Failed() bool { return s.Invalid+s.Unknown > 0 }

// Vary draws a seed's workload from the seed, from a stream of its own, so
// a sweep explores shapes as well as schedules: 3 to 7 nodes, 1 to 8
// clients, 1 to 6 keys, an operation mix, the nemesis interval and the drop
// rate. It returns the configuration and the check flags that say so.
func Vary(cfg harness.Config) (harness.Config, []string) {
	rng := rand.New(rand.NewPCG(cfg.Seed, streamVary))
	nodes := 3 + rng.IntN(5)
	for n := range cfg.Nemesis.Skew { // fixed offsets must name a node
		if i, err := strconv.Atoi(strings.TrimPrefix(n, "n")); err == nil {
			nodes = max(nodes, i)
		}
	}
	cfg.Nodes = nodes
	cfg.Clients = 1 + rng.IntN(8)
	cfg.Keys = 1 + rng.IntN(6)
	m := harness.Mix{Read: rng.IntN(6), ReadWrite: 1 + rng.IntN(6), Blind: rng.IntN(4), Delete: rng.IntN(3), ReadElsewhere: rng.IntN(4)}
	cfg.Mix = m
	cfg.Nemesis.Interval = time.Duration(50+rng.IntN(551)) * time.Millisecond
	cfg.Drop = float64(rng.IntN(51)) / 1000
	if cfg.W > cfg.ReplicaCount() {
		cfg.W = cfg.ReplicaCount()
	}
	args := []string{
		"--nodes", strconv.Itoa(cfg.Nodes), "--clients", strconv.Itoa(cfg.Clients), "--keys", strconv.Itoa(cfg.Keys),
		"--mix", m.String(), "--interval", cfg.Nemesis.Interval.String(), "--drop", strconv.FormatFloat(cfg.Drop, 'g', -1, 64),
	}
	return cfg, args
}

// varied lists the flags Vary sets.
var varied = []string{"nodes", "clients", "keys", "mix", "interval", "drop"}

// seedRun is one seed's configuration and replay.
type seedRun struct {
	cfg    harness.Config
	args   []string
	vary   map[string]string
	out    Outcome
	sum    checker.Summary
	faults int // started, heals apart
}

// plan builds seed's run.
func (p *Plan) plan(seed uint64) seedRun {
	cfg := p.Config
	cfg.Seed = seed
	args := []string{"--strategy", cfg.Strategy, "--seed", strconv.FormatUint(seed, 10)}
	var vary map[string]string
	if p.Vary {
		var extra []string
		cfg, extra = Vary(cfg)
		for i := 0; i+1 < len(p.Flags); i += 2 {
			if !slices.Contains(varied, strings.TrimPrefix(p.Flags[i], "--")) {
				args = append(args, p.Flags[i], p.Flags[i+1])
			}
		}
		args = append(args, extra...)
		vary = map[string]string{}
		for i := 0; i+1 < len(extra); i += 2 {
			vary[strings.TrimPrefix(extra[i], "--")] = extra[i+1]
		}
	} else {
		args = append(args, p.Flags...)
	}
	return seedRun{cfg: cfg, args: args, vary: vary}
}

// Run runs the plan's slice of seeds, Parallel at a time, judges each,
// and writes into dir (which it creates) the run folders of the first Keep
// failing seeds and the summary, sweep.json. Each seed is run in memory and
// judged; a failing seed kept is run again into its folder, which the
// simulator's determinism makes the same run.
func Run(p Plan, dir string) (*Summary, error) {
	start := time.Now()
	seeds, ok := p.Shard.Slice(p.Seeds)
	if err := p.Config.Validate(); err != nil {
		return nil, err
	}
	s := &Summary{
		Command: p.Command, Strategy: p.Config.Strategy, Nemesis: experiment.NemesisName(p.Config), Ops: p.Config.Ops,
		Vary: p.Vary, Seeds: p.Seeds, Shards: []Shard{p.Shard}, Tally: Tally{LostByKind: map[checker.LostKind]int{}}, Dir: dir,
	}
	var plans []seedRun
	if ok {
		for seed := seeds.From; ; seed++ {
			sr := p.plan(seed)
			if err := sr.cfg.Validate(); err != nil {
				return nil, fmt.Errorf("sweep: seed %d: %w", seed, err)
			}
			plans = append(plans, sr)
			if seed == seeds.To {
				break
			}
		}
	}
	par := p.Parallel
	if par <= 0 {
		par = runtime.GOMAXPROCS(0)
	}
	errs := parallel.Do(len(plans), par, func(i int) error { return plans[i].judge(p.Options) }, p.Progress)
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("sweep: clockwise check %s: %w", strings.Join(experiment.QuoteAll(plans[i].args), " "), err)
		}
	}
	if err := runs.MkdirAll(dir); err != nil {
		return nil, err
	}
	kept := 0
	for i := range plans {
		sr := &plans[i]
		s.addSeed(sr)
		if sr.out.Verdict == checker.Valid || (p.Keep >= 0 && kept >= p.Keep) {
			continue
		}
		kept++
		r, err := experiment.CheckVaried(dir, sr.cfg, sr.out.Command, sr.vary, p.Options, experiment.Hooks{})
		if err != nil {
			return nil, fmt.Errorf("sweep: seed %d: %w", sr.cfg.Seed, err)
		}
		s.Failing[len(s.Failing)-1].Dir = r.Dir
	}
	s.Wall = time.Since(start)
	if err := runs.WriteJSON(filepath.Join(dir, File), s); err != nil {
		return nil, err
	}
	return s, nil
}

// judge runs the seed in memory and judges it.
func (sr *seedRun) judge(opts checker.Options) error {
	res, err := sim.Run(sr.cfg, nil, sim.Options{})
	if err != nil {
		return err
	}
	r, err := checker.Check(res.History, opts)
	if err != nil {
		return err
	}
	sr.sum = r.Summary
	sr.faults = report.FaultsStarted(r.Faults)
	sr.out = Outcome{
		Seed: sr.cfg.Seed, Verdict: r.Verdict, Lost: r.Summary.Lost, Failures: r.Failures,
		Command: "clockwise check " + strings.Join(experiment.QuoteAll(sr.args), " "), Vary: sr.vary,
	}
	if len(r.Summary.LostByKind) > 0 {
		sr.out.LostByKind = maps.Clone(r.Summary.LostByKind)
	}
	if sr.out.Verdict != checker.Valid {
		sr.out.Findings = experiment.Findings(r.Summary)
	}
	return nil
}

// add counts a judged seed.
func (s *Summary) addSeed(sr *seedRun) {
	s.Run++
	switch sr.out.Verdict {
	case checker.Valid:
		s.Valid++
	case checker.Invalid:
		s.Invalid++
	default:
		s.Unknown++
	}
	s.Tally.add(sr.sum)
	s.Faults += sr.faults
	if sr.out.Verdict != checker.Valid {
		s.Failing = append(s.Failing, sr.out)
	}
}

// Merge combines the summaries of shards of one sweep into one: the
// counts add up, the failing seeds are listed in seed order, the wall time
// is the longest shard's. The shards must sweep the same strategy, nemesis
// and seed range.
func Merge(parts []*Summary) (*Summary, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("sweep: no sweep to merge")
	}
	first := parts[0]
	out := &Summary{
		Command: first.Command, Strategy: first.Strategy, Nemesis: first.Nemesis, Ops: first.Ops, Vary: first.Vary,
		Seeds: first.Seeds, Tally: Tally{LostByKind: map[checker.LostKind]int{}},
	}
	for _, p := range parts {
		if p.Strategy != first.Strategy || p.Nemesis != first.Nemesis || p.Seeds != first.Seeds || p.Vary != first.Vary || p.Ops != first.Ops {
			return nil, fmt.Errorf("sweep: sweeps differ: %s %s seeds %s and %s %s seeds %s",
				first.Strategy, first.Nemesis, first.Seeds, p.Strategy, p.Nemesis, p.Seeds)
		}
		for _, sh := range p.Shards {
			if slices.Contains(out.Shards, sh) {
				return nil, fmt.Errorf("sweep: shard %s is merged twice", sh)
			}
			out.Shards = append(out.Shards, sh)
		}
		out.Run += p.Run
		out.Valid += p.Valid
		out.Invalid += p.Invalid
		out.Unknown += p.Unknown
		out.Tally.add(p.Tally.summary())
		out.Faults += p.Faults
		out.Failing = append(out.Failing, p.Failing...)
		out.Wall = max(out.Wall, p.Wall)
	}
	slices.SortFunc(out.Shards, func(a, b Shard) int { return a.I - b.I })
	slices.SortFunc(out.Failing, func(a, b Outcome) int {
		switch {
		case a.Seed < b.Seed:
			return -1
		case a.Seed > b.Seed:
			return 1
		}
		return 0
	})
	return out, nil
}

// Read reads a sweep folder's sweep.json.
func Read(dir string) (*Summary, error) {
	var s Summary
	if err := runs.ReadJSON(dir, File, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// replaysPerFinding is how many replay commands Write prints for each
// finding; sweep.json has every failing seed's.
const replaysPerFinding = 3

// seedsListed is how many seeds Write names for each finding.
const seedsListed = 12

// Finding is the finding a failing seed is grouped under: the first of
// experiment.FindingKinds it has (what a shrink keeps by default), or "undecided" for
// a seed that is unknown without one.
func (f Outcome) Finding() string {
	for _, k := range experiment.FindingKinds {
		if f.Findings[k] > 0 {
			return k
		}
	}
	return "undecided"
}

// findingWords are the names of findings as a sweep's reader reads them.
var findingWords = map[string]string{experiment.FindingSkew: "lost to clock skew"}

// Write prints the sweep's table: seeds run and their verdicts, the
// faults started and the writes lost, the lost to clock skew apart from the
// other losses, with a line that explains the columns; then the failing
// seeds grouped by finding, each group with at most replaysPerFinding
// commands that replay its seeds (prog names the clockwise binary in them,
// "clockwise" when empty), at most limit groups (0: all); the wall time,
// and last the verdict: VALID when every seed was, else INVALID or UNKNOWN
// with the count of seeds that failed.
func Write(w io.Writer, s *Summary, limit int, prog string) {
	shards := ""
	if len(s.Shards) > 1 || len(s.Shards) == 1 && s.Shards[0].N > 1 {
		parts := make([]string, len(s.Shards))
		for i, sh := range s.Shards {
			parts[i] = sh.String()
		}
		shards = ", shards " + strings.Join(parts, " ")
	}
	vary := ""
	if s.Vary {
		vary = ", workload varied per seed"
	}
	fmt.Fprintf(w, "sweep: %s under %s, seeds %s%s, %d ops each%s\n\n", s.Strategy, s.Nemesis, s.Seeds, shards, s.Ops, vary)
	other := s.Lost - s.SkewLost
	fmt.Fprintln(w, "| seeds run | valid | invalid | unknown | faults | acknowledged writes | lost to clock skew | other losses | phantoms | divergent keys |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	fmt.Fprintf(w, "| %d | %d | %d | %d | %d | %d | %d | %d | %d | %d |\n\n", s.Run, s.Valid, s.Invalid, s.Unknown, s.Faults,
		s.Acknowledged, s.SkewLost, other, s.Phantoms, s.Divergent)
	fmt.Fprintln(w, "faults: the faults the nemesis started, heals apart.")
	fmt.Fprintln(w, "lost to clock skew: acknowledged writes lost to a write they follow (in real time or causally)")
	fmt.Fprintln(w, "  that carried a higher timestamp.")
	fmt.Fprintf(w, "other losses: %d dropped for a racing write, %d overwritten by a later write that never read them", s.Racing, s.Overwritten)
	if n := other - s.Racing - s.Overwritten; n > 0 {
		fmt.Fprintf(w, ", %d more", n)
	}
	fmt.Fprintln(w, ".")
	var kinds []string
	for _, k := range checker.LostKinds {
		if n := s.LostByKind[k]; n > 0 {
			kinds = append(kinds, fmt.Sprintf("%d %s", n, k))
		}
	}
	if len(kinds) > 0 {
		fmt.Fprintf(w, "all %d lost writes by kind: %s.\n", s.Lost, strings.Join(kinds, ", "))
	}
	if len(s.Failing) > 0 {
		groups := map[string][]Outcome{}
		for _, f := range s.Failing {
			groups[f.Finding()] = append(groups[f.Finding()], f)
		}
		order := slices.SortedFunc(maps.Keys(groups), func(a, b string) int {
			if d := len(groups[b]) - len(groups[a]); d != 0 {
				return d
			}
			return strings.Compare(a, b)
		})
		fmt.Fprintf(w, "\nFailing seeds by finding (at most %d replays each; every one in %s):\n", replaysPerFinding, filepath.Join(s.Dir, File))
		for i, name := range order {
			if limit > 0 && i == limit {
				fmt.Fprintf(w, "  … and %d more findings\n", len(order)-limit)
				break
			}
			g := groups[name]
			var seeds []string
			for _, f := range g[:min(len(g), seedsListed)] {
				seeds = append(seeds, strconv.FormatUint(f.Seed, 10))
			}
			if len(g) > seedsListed {
				seeds = append(seeds, fmt.Sprintf("… (%d more)", len(g)-seedsListed))
			}
			word := name
			if x, ok := findingWords[name]; ok {
				word = x
			}
			noun := "seeds"
			if len(g) == 1 {
				noun = "seed"
			}
			fmt.Fprintf(w, "  %s: %d %s (%s)\n", word, len(g), noun, strings.Join(seeds, " "))
			for _, f := range g[:min(len(g), replaysPerFinding)] {
				cmd := f.Command
				if prog != "" {
					if rest, ok := strings.CutPrefix(cmd, "clockwise "); ok {
						cmd = prog + " " + rest
					}
				}
				fmt.Fprintf(w, "    %s\n", cmd)
				if f.Dir != "" {
					fmt.Fprintf(w, "      run folder: %s\n", f.Dir)
				}
			}
		}
	}
	fmt.Fprintf(w, "\nwall time %s\n", s.Wall.Round(10*time.Millisecond))
	fmt.Fprintln(w, verdict(s))
}

// verdict is a sweep's verdict in one line: VALID when every seed
// was, INVALID when some seed was invalid, UNKNOWN when the seeds that
// failed were all undecided.
func verdict(s *Summary) string {
	seeds := "seeds"
	if s.Run == 1 {
		seeds = "seed"
	}
	switch {
	case s.Run == 0:
		return "UNKNOWN: no seed run"
	case !s.Failed():
		return fmt.Sprintf("VALID: %d of %d %s valid", s.Valid, s.Run, seeds)
	}
	v := "INVALID"
	if s.Invalid == 0 {
		v = "UNKNOWN"
	}
	failed := s.Invalid + s.Unknown
	return fmt.Sprintf("%s: %d of %d %s failed (%.1f%%: %d invalid, %d unknown)", v, failed, s.Run, seeds,
		100*float64(failed)/float64(s.Run), s.Invalid, s.Unknown)
}
