// Package shrink searches for the smallest run that still fails like a
// failing one, with the same finding (Run): first a smaller configuration,
// each candidate a fresh run of the same seed, then the recorded schedule
// cut by delta debugging, each candidate a replay. Every step is
// deterministic. Save replays the shrunk run into a run folder of its own
// through package experiment.
package shrink

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/clockwise-kv/clockwise/report"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/experiment"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/sim"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// Size is how big a run is.
type Size struct {
	Ops     int `json:"ops"`     // client operations invoked
	Faults  int `json:"faults"`  // nemesis faults started (heals and resets apart)
	Events  int `json:"events"`  // history events, final reads included
	Nodes   int `json:"nodes"`   // cluster size
	Clients int `json:"clients"` // clients
	Keys    int `json:"keys"`    // keys
}

func (s Size) String() string {
	return fmt.Sprintf("%s, %s, %s; %s, %s, %s", report.Plural(s.Ops, "op"), report.Plural(s.Faults, "fault"), report.Plural(s.Events, "event"),
		report.Plural(s.Nodes, "node"), report.Plural(s.Clients, "client"), report.Plural(s.Keys, "key"))
}

// Shrunk is the smallest failing run a shrink found.
type Shrunk struct {
	Finding  string            `json:"finding"` // the finding kind it keeps
	Config   harness.Config    `json:"-"`
	Schedule *sim.Schedule     `json:"-"`
	Before   Size              `json:"before"`
	After    Size              `json:"after"`
	Runs     int               `json:"runs"` // runs the search made
	History  []histories.Event `json:"-"`
	Analysis *checker.Analysis `json:"-"`
	Result   *checker.Result   `json:"-"`
	Findings map[string]int    `json:"findings"` // every finding of the shrunk run
}

// shrinker searches, every run counted.
type shrinker struct {
	finding string
	opts    checker.Options
	runs    int
}

// judge counts res's run and reports whether it fails with the finding, and
// its findings.
func (s *shrinker) judge(res *harness.Result) (bool, map[string]int, error) {
	s.runs++
	r, err := checker.Check(res.History, s.opts)
	if err != nil {
		return false, nil, err
	}
	f := experiment.Findings(r.Summary)
	return !r.Valid && f[s.finding] > 0, f, nil
}

// config runs cfg with the random generator and reports whether it fails.
func (s *shrinker) config(cfg harness.Config) (bool, error) {
	res, err := sim.Run(cfg, nil, sim.Options{})
	if err != nil {
		return false, err
	}
	ok, _, err := s.judge(res)
	return ok, err
}

// replay replays sched under cfg and reports whether it fails.
func (s *shrinker) replay(cfg harness.Config, sched *sim.Schedule) (bool, error) {
	cfg.Ops = sched.Cost()
	res, err := sim.Replay(cfg, sched, sim.Options{})
	if err != nil {
		return false, err
	}
	ok, _, err := s.judge(res)
	return ok, err
}

// Run searches for the smallest run that still fails like cfg's run,
// with the finding kind finding ("" : the first of experiment.FindingKinds the run
// has), on the same strategy. It first shrinks the configuration (fewer
// operations, clients, keys, nodes, fault kinds, no drops), each candidate
// a fresh random run of the same seed; then records the smallest one's
// schedule and drops operations, then faults, from it by delta debugging,
// each candidate a replay. Every step is deterministic, so the same
// failing run always shrinks to the same run.
func Run(cfg harness.Config, finding string, opts checker.Options) (*Shrunk, error) {
	s := &shrinker{finding: finding, opts: opts}
	res, err := sim.Run(cfg, nil, sim.Options{})
	if err != nil {
		return nil, err
	}
	s.runs++
	r, err := checker.Check(res.History, s.opts)
	if err != nil {
		return nil, err
	}
	found := experiment.Findings(r.Summary)
	if s.finding == "" {
		for _, k := range experiment.FindingKinds {
			if found[k] > 0 {
				s.finding = k
				break
			}
		}
		if s.finding == "" {
			return nil, fmt.Errorf("shrink: the run has no finding to keep (it is valid)")
		}
	}
	if r.Valid || found[s.finding] == 0 {
		return nil, fmt.Errorf("shrink: the run is not invalid with %s (its findings: %s)", s.finding, experiment.FindingWords(found))
	}
	before := sizeOf(cfg, res)

	if cfg, err = s.shrinkConfig(cfg); err != nil {
		return nil, err
	}
	_, sched, err := sim.RunRecorded(cfg, sim.Options{})
	if err != nil {
		return nil, err
	}
	if ok, err := s.replay(cfg, sched); err != nil || !ok {
		return nil, fmt.Errorf("shrink: the recorded schedule does not replay the failure (%v)", err)
	}
	if sched, err = s.shrinkSchedule(cfg, sched); err != nil {
		return nil, err
	}
	// Faults come at recorded times, so operations that only pass the
	// time until a fault stay; bring the faults forward and drop again.
	if sched, err = s.hasten(cfg, sched); err != nil {
		return nil, err
	}
	cfg.Ops = sched.Cost()
	if res, err = sim.Replay(cfg, sched, sim.Options{}); err != nil {
		return nil, err
	}
	a, err := checker.Analyze(res.History)
	if err != nil {
		return nil, err
	}
	if r, err = a.Check(opts); err != nil {
		return nil, err
	}
	out := &Shrunk{
		Finding: s.finding, Config: cfg, Schedule: sched, Before: before, After: sizeOf(cfg, res), Runs: s.runs,
		History: res.History, Analysis: a, Result: r, Findings: experiment.Findings(r.Summary),
	}
	if out.Findings[s.finding] == 0 || r.Valid {
		return nil, fmt.Errorf("shrink: the shrunk run lost its %s", s.finding)
	}
	return out, nil
}

func sizeOf(cfg harness.Config, res *harness.Result) Size {
	sz := Size{Ops: res.Ops, Events: len(res.History), Nodes: cfg.Nodes, Clients: cfg.Clients, Keys: cfg.Keys}
	for _, e := range res.History {
		if e.IsFault() && e.F.Starts() {
			sz.Faults++
		}
	}
	return sz
}

// shrinkConfig makes each dimension of cfg as small as it goes while the
// run still fails, until no dimension shrinks further.
func (s *shrinker) shrinkConfig(cfg harness.Config) (harness.Config, error) {
	type dim struct {
		get func(c *harness.Config) int
		set func(c *harness.Config, n int)
		min int
	}
	dims := []dim{
		{func(c *harness.Config) int { return c.Ops }, func(c *harness.Config, n int) { c.Ops = n }, 2},
		{func(c *harness.Config) int { return c.Clients }, func(c *harness.Config, n int) { c.Clients = n }, 1},
		{func(c *harness.Config) int { return c.Keys }, func(c *harness.Config, n int) { c.Keys = n }, 1},
		{func(c *harness.Config) int { return c.Nodes }, func(c *harness.Config, n int) { c.Nodes = n }, 1},
	}
	for changed := true; changed; {
		changed = false
		for _, d := range dims {
			try := func(v int) (bool, error) {
				c := cfg
				d.set(&c, v)
				return s.tryConfig(c)
			}
			cur := d.get(&cfg)
			// The smallest value that still fails, trying small ones
			// first: 1, 2, 4, … below the current one, then a bisection
			// between the last that passed and the first that failed.
			lo := d.min - 1
			for v := d.min; v < cur; v = max(v*2, v+1) {
				ok, err := try(v)
				if err != nil {
					return cfg, err
				}
				if ok {
					cur = v
					break
				}
				lo = v
			}
			for lo+1 < cur {
				mid := lo + (cur-lo)/2
				ok, err := try(mid)
				if err != nil {
					return cfg, err
				}
				if ok {
					cur = mid
				} else {
					lo = mid
				}
			}
			if cur != d.get(&cfg) {
				d.set(&cfg, cur)
				changed = true
			}
		}
		// Fewer fault kinds, then no drops.
		for _, k := range slices.Clone(cfg.Nemesis.Kinds) {
			c := cfg
			c.Nemesis.Kinds = slices.DeleteFunc(slices.Clone(c.Nemesis.Kinds), func(x string) bool { return x == k })
			if ok, err := s.tryConfig(c); err != nil {
				return cfg, err
			} else if ok {
				cfg, changed = c, true
			}
		}
		if cfg.Drop > 0 {
			c := cfg
			c.Drop = 0
			if ok, err := s.tryConfig(c); err != nil {
				return cfg, err
			} else if ok {
				cfg, changed = c, true
			}
		}
	}
	return cfg, nil
}

// tryConfig reports whether c is a valid configuration whose run fails.
func (s *shrinker) tryConfig(c harness.Config) (bool, error) {
	if c.Validate() != nil {
		return false, nil
	}
	return s.config(c)
}

// shrinkSchedule drops operations, then faults, from sched by delta
// debugging while the replay still fails.
func (s *shrinker) shrinkSchedule(cfg harness.Config, sched *sim.Schedule) (*sim.Schedule, error) {
	type slot struct {
		client string
		i      int
	}
	var slots []slot
	for _, c := range slices.Sorted(maps.Keys(sched.Ops)) {
		for i := range sched.Ops[c] {
			slots = append(slots, slot{c, i})
		}
	}
	withOps := func(keep []int) *sim.Schedule {
		out := &sim.Schedule{Ops: map[string][]harness.Op{}, Faults: sched.Faults, Stop: sched.Stop}
		for _, k := range keep {
			sl := slots[k]
			out.Ops[sl.client] = append(out.Ops[sl.client], sched.Ops[sl.client][sl.i])
		}
		return out
	}
	var err error
	keep := ddmin(len(slots), func(keep []int) bool {
		ok, e := s.replay(cfg, withOps(keep))
		if e != nil && err == nil {
			err = e
		}
		return ok
	})
	if err != nil {
		return nil, err
	}
	sched = withOps(keep)
	withFaults := func(keep []int) *sim.Schedule {
		out := &sim.Schedule{Ops: sched.Ops, Faults: []nemesis.Step{}, Stop: sched.Stop}
		for _, k := range keep {
			out.Faults = append(out.Faults, sched.Faults[k])
		}
		return out
	}
	keep = ddmin(len(sched.Faults), func(keep []int) bool {
		ok, e := s.replay(cfg, withFaults(keep))
		if e != nil && err == nil {
			err = e
		}
		return ok
	})
	if err != nil {
		return nil, err
	}
	return withFaults(keep), nil
}

// hasten brings every fault forward by the largest factor (a power of 2,
// up to 64) under which the replay still fails; when one does, it drops
// operations and faults again.
func (s *shrinker) hasten(cfg harness.Config, sched *sim.Schedule) (*sim.Schedule, error) {
	for div := int64(64); div >= 2; div /= 2 {
		out := &sim.Schedule{Ops: sched.Ops, Faults: slices.Clone(sched.Faults), Stop: sched.Stop}
		for i := range out.Faults {
			out.Faults[i].At /= div
		}
		ok, err := s.replay(cfg, out)
		if err != nil {
			return nil, err
		}
		if ok {
			return s.shrinkSchedule(cfg, out)
		}
	}
	return sched, nil
}

// ddmin is Zeller's delta debugging: it returns a subset of 0…n-1, in
// order, on which fails holds and from which no single chunk of the last
// granularity can be removed. fails must hold on the whole set.
func ddmin(n int, fails func(keep []int) bool) []int {
	cur := make([]int, n)
	for i := range cur {
		cur[i] = i
	}
	for parts := 2; len(cur) >= 2; {
		chunk := (len(cur) + parts - 1) / parts
		reduced := false
		// Try each complement: everything but one chunk.
		for start := 0; start < len(cur); start += chunk {
			end := min(start+chunk, len(cur))
			rest := slices.Concat(cur[:start], cur[end:])
			if fails(rest) {
				cur = rest
				parts = max(parts-1, 2)
				reduced = true
				break
			}
		}
		if reduced {
			continue
		}
		if parts >= len(cur) {
			break
		}
		parts = min(parts*2, len(cur))
	}
	if len(cur) == 1 && fails(nil) {
		return nil
	}
	return cur
}

// Save replays the shrunk run into a new run folder under root,
// named shrunk-<strategy>-<time>, with its schedule (schedule.json) beside
// the history, and judges it there; command is the command that shrinks
// the original run again.
func Save(root string, s *Shrunk, command string, opts checker.Options) (*experiment.Run, error) {
	return experiment.CheckReplay(root, "shrunk-"+s.Config.Strategy, s.Config, s.Schedule, command, opts)
}

// Describe is a shrunk run in a line: what it keeps and how much smaller
// it is.
func (s *Shrunk) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "shrunk %s (%s) in %d runs: %s → %s", s.Config.Strategy, s.Finding, s.Runs, s.Before, s.After)
	return b.String()
}
