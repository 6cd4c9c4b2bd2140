package main

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/nemesis"
	"github.com/clockwise-kv/clockwise/store"
)

// testFlags are the flags that describe a randomized test.
type testFlags struct {
	strategy    string
	seed        seedFlag
	nodes       int
	clients     int
	keys        int
	ops         int
	nemesis     string
	skew        string
	maxSkew     time.Duration
	interval    time.Duration
	latency     time.Duration
	latencyMean time.Duration
	drop        float64
	mix         string
	think       time.Duration
	timeout     time.Duration
	epsilon     time.Duration
	tombstone   time.Duration
	prune       int
	replicas    int
	w           int
	resolution  time.Duration
	// cluster is check's --cluster ("" runs on the simulator); nil for a
	// command that runs only on the simulator.
	cluster *string
	// db is check's --db ("": no real database); nil for a command that
	// tests no real database.
	db *string
}

// registerExcept registers the flags on fs, all but the ones named skip.
func (f *testFlags) registerExcept(fs *pflag.FlagSet, skip ...string) {
	all := pflag.NewFlagSet("test", pflag.ContinueOnError)
	f.register(all)
	all.VisitAll(func(fl *pflag.Flag) {
		if !slices.Contains(skip, fl.Name) {
			fs.AddFlag(fl)
		}
	})
}

func (f *testFlags) register(fs *pflag.FlagSet) {
	d := harness.DefaultConfig()
	fs.StringVar(&f.strategy, "strategy", d.Strategy, "conflict strategy: "+strings.Join(store.Names(), ", "))
	f.seed = seedFlag(d.Seed)
	fs.Var(&f.seed, "seed", "seed of every random choice; the same seed and flags replay the same history")
	fs.IntVar(&f.nodes, "nodes", d.Nodes, "replicas n1…nN")
	fs.IntVar(&f.clients, "clients", d.Clients, "concurrent clients c1…cN")
	fs.IntVar(&f.keys, "keys", d.Keys, "keys k1…kN")
	fs.IntVar(&f.ops, "ops", d.Ops, "client operations to invoke")
	fs.StringVar(&f.nemesis, "nemesis", strings.Join(d.Nemesis.Kinds, ","), "faults to inject, comma-separated: "+strings.Join(nemesis.Kinds, ", ")+"; on a real cluster also "+strings.Join(nemesis.RealKinds, ", ")+"; or none")
	fs.StringVar(&f.skew, "skew", "", "fixed clock offsets for skew faults, e.g. n1=+5s,n2=-1s (default: a random node and offset)")
	fs.DurationVar(&f.maxSkew, "max-skew", d.Nemesis.MaxSkew, "bound of random skew offsets (±)")
	fs.DurationVar(&f.interval, "interval", d.Nemesis.Interval, "mean length of a fault, and of the quiet between faults")
	fs.DurationVar(&f.latency, "latency", d.Latency.Min, "minimum one-way message latency")
	fs.DurationVar(&f.latencyMean, "latency-mean", d.Latency.Mean, "mean of the exponential extra latency")
	fs.Float64Var(&f.drop, "drop", d.Drop, "probability a node-to-node message is lost")
	fs.StringVar(&f.mix, "mix", d.Mix.String(), "operation weights: read, rw (read then write), blind (write without context), delete (read then delete)")
	fs.DurationVar(&f.think, "think", d.Think, "a client waits up to this long between operations")
	fs.DurationVar(&f.timeout, "timeout", d.Timeout, "a client gives up on a request after this long (outcome unknown)")
	fs.DurationVar(&f.epsilon, "epsilon", d.Options.Epsilon, "clock uncertainty bound ε of truetime")
	fs.DurationVar(&f.tombstone, "tombstone-offset", d.Nemesis.TombstoneOffset, "how far ahead the clock of the tombstone fault's node reads while it stamps the delete")
	fs.IntVar(&f.prune, "prune", store.DefaultPrune, "vv-pruned: the most entries a version vector keeps (K)")
	fs.IntVar(&f.w, "w", 1, "write quorum: a coordinator acknowledges a write once this many replicas, itself included, stored it")
	fs.DurationVar(&f.resolution, "clock-resolution", 0, "nodes' clocks read in steps of this (e.g. 1ms), so timestamps tie; 0: nanoseconds")
	fs.IntVar(&f.replicas, "replicas", d.Replicas, "place each key on this many nodes by consistent hashing (0: the strategy's default, 3 for dvv, every node for the others)")
}

// config turns the flags into a harness configuration; each error names its
// flag.
func (f *testFlags) config() (harness.Config, error) {
	c := harness.DefaultConfig()
	bad := func(flag string, format string, args ...any) (harness.Config, error) {
		return c, usageErr("invalid --%s: %s", flag, fmt.Sprintf(format, args...))
	}
	f.strategy = strings.ToLower(strings.TrimSpace(f.strategy))
	f.nemesis = strings.ToLower(f.nemesis)
	if err := validStrategies([]string{f.strategy}); err != nil {
		return c, err
	}
	for _, v := range []struct {
		name string
		n    int
		min  int
	}{{"nodes", f.nodes, 1}, {"clients", f.clients, 1}, {"keys", f.keys, 1}, {"ops", f.ops, 0}, {"prune", f.prune, 1}, {"replicas", f.replicas, 0}, {"w", f.w, 1}} {
		if v.n < v.min {
			return bad(v.name, "%d: must be at least %d", v.n, v.min)
		}
	}
	if strings.TrimSpace(f.nemesis) == "" {
		return bad("nemesis", "empty: name the faults to inject, or none")
	}
	kinds, err := nemesis.ParseKinds(f.nemesis)
	if err != nil {
		return bad("nemesis", "%v", err)
	}
	if f.db != nil && *f.db != "" {
		// A real database takes every real fault.
	} else if slices.Contains(kinds, nemesis.Pause) {
		return bad("nemesis", "the pause fault is for real databases (check --db etcd|redis)")
	} else if f.cluster == nil || *f.cluster == "" {
		for _, k := range kinds {
			if !slices.Contains(nemesis.RealKinds, k) {
				continue
			}
			if f.cluster == nil {
				return bad("nemesis", "the %s fault needs real processes, which only 'clockwise check --cluster' runs", k)
			}
			return bad("nemesis", "the %s fault needs real processes (--cluster local)", k)
		}
	}
	skew, err := clock.ParseOffsets(f.skew)
	if err != nil {
		return bad("skew", "%v", err)
	}
	for n := range skew {
		if err := harness.ValidNode(n, f.nodes); err != nil {
			return bad("skew", "%v", err)
		}
	}
	mix, err := harness.ParseMix(f.mix)
	if err != nil {
		return bad("mix", "%v", err)
	}
	// Each duration has a bound far above any useful value and far below
	// what would overflow a clock reading or keep a simulated run going
	// for ever.
	for _, v := range []struct {
		name string
		d    time.Duration
		pos  bool
		max  time.Duration
	}{{"max-skew", f.maxSkew, false, 24 * time.Hour}, {"interval", f.interval, true, time.Hour},
		{"latency", f.latency, false, 10 * time.Second}, {"latency-mean", f.latencyMean, false, 10 * time.Second},
		{"think", f.think, false, 10 * time.Second}, {"timeout", f.timeout, true, 10 * time.Minute},
		{"epsilon", f.epsilon, false, time.Minute}, {"tombstone-offset", f.tombstone, false, 24 * time.Hour},
		{"clock-resolution", f.resolution, false, time.Hour}} {
		if v.d < 0 || (v.pos && v.d == 0) {
			return bad(v.name, "%v: must be %s", v.d, map[bool]string{true: "positive", false: "zero or more"}[v.pos])
		}
		if v.d > v.max {
			return bad(v.name, "%v: must be at most %v", v.d, v.max)
		}
	}
	if math.IsNaN(f.drop) || f.drop < 0 || f.drop >= 1 {
		return bad("drop", "%g: must be in [0, 1)", f.drop)
	}
	c.Strategy, c.Seed = f.strategy, uint64(f.seed)
	c.Nodes, c.Clients, c.Keys, c.Ops = f.nodes, f.clients, f.keys, f.ops
	c.Nemesis.Kinds, c.Nemesis.Skew, c.Nemesis.MaxSkew, c.Nemesis.Interval = kinds, skew, f.maxSkew, f.interval
	c.Latency = harness.Latency{Min: f.latency, Mean: f.latencyMean}
	c.Drop, c.Mix, c.Think, c.Timeout = f.drop, mix, f.think, f.timeout
	c.Options.Epsilon = f.epsilon
	c.Nemesis.TombstoneOffset = f.tombstone
	c.Options.Prune, c.Replicas, c.W = f.prune, f.replicas, f.w
	c.ClockResolution = f.resolution
	var limit *harness.LimitError
	if err := c.Validate(); errors.As(err, &limit) {
		return bad(limit.Field, "%d: must be at most %d (%s)", limit.Value, limit.Max, limit.Why)
	} else if err != nil {
		return c, usageErr("%v", err)
	}
	if length, faults := c.Faults(); faults > harness.MaxFaults {
		return bad("interval", "%v: a run of about %v would inject about %.0f faults, more than %d; lengthen --interval or shorten the run",
			c.Nemesis.Interval, length.Round(time.Second), faults, harness.MaxFaults)
	}
	return c, nil
}

// seedFlag is --seed: a uint64 whose error says what a seed is.
type seedFlag uint64

func (s *seedFlag) String() string { return strconv.FormatUint(uint64(*s), 10) }
func (s *seedFlag) Type() string   { return "uint" }
func (s *seedFlag) Set(v string) error {
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return fmt.Errorf("%q is not a seed: a seed is a whole number from 0 to %d", v, uint64(math.MaxUint64))
	}
	*s = seedFlag(n)
	return nil
}

// limitFlag checks --limit: how many findings of each kind to list.
func limitFlag(limit int) error {
	if limit < 0 {
		return usageErr("invalid --limit: %d: must be 0 (all) or more", limit)
	}
	return nil
}

// validStrategies checks the strategies --strategy names.
// It lower-cases them in place: names are read whatever their case.
func validStrategies(names []string) error {
	lowerNames(names)
	for _, s := range names {
		if err := store.Valid(s); err != nil {
			return usageErr("invalid --strategy: %v", err)
		}
	}
	return nil
}

// gateFlag is --gate: extra findings that make a history invalid.
func gateFlag(fs *pflag.FlagSet, gate *[]string) {
	fs.StringSliceVar(gate, "gate", nil, "also fail on: "+strings.Join(checker.Gates, ", "))
}

// linearFlag is --linear-timeout: the time limit of each key's
// linearizability check.
func linearFlag(fs *pflag.FlagSet, d *time.Duration) {
	fs.DurationVar(d, "linear-timeout", checker.DefaultLinearTimeout,
		"time limit of each key's linearizability check; a key undecided in time is reported unknown")
}

// checkOptions are the checker's options from --gate and --linear-timeout.
func checkOptions(gate []string, linear time.Duration) (checker.Options, error) {
	opts := checker.Options{Gate: gate, LinearTimeout: linear}
	if err := opts.Validate(); err != nil {
		return opts, usageErr("invalid --gate: %v", err)
	}
	if linear <= 0 {
		return opts, usageErr("invalid --linear-timeout: %v: must be positive", linear)
	}
	return opts, nil
}

// explained is how many findings of each kind a command that lists limit
// of them on the terminal (0: all), and shown at least shown in its files,
// asks the checker to explain (checker.Options.Explain; 0: all).
func explained(limit, shown int) int {
	if limit == 0 {
		return 0
	}
	return max(limit, shown)
}
