package checker

import (
	"cmp"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/checker/explain"
	"github.com/clockwise-kv/clockwise/checker/ids"
	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/parallel"
)

// Options tune a check.
type Options struct {
	// Gate names findings that make the history invalid on top of lost
	// writes, phantoms and divergence.
	Gate []string
	// LinearTimeout limits each key's linearizability check; 0 is
	// DefaultLinearTimeout. A key undecided in time is reported unknown.
	LinearTimeout time.Duration
	// Explain, when positive, writes the Why of only the first Explain lost
	// writes, ranked by Interest, and of the first Explain violations of
	// external consistency: the rest are found, counted and listed with
	// an empty Why. An explanation is most of a finding's size, and a
	// caller that shows a long history's first findings need not write
	// the rest. 0 explains every finding.
	Explain int
	// Workload is how the history's writes are to be read: "" for the
	// store's own workload, or WorkloadRegister or WorkloadSet.
	Workload string
}

// Validate reports the first gate that Options.Gate names and no gate
// knows.
func (o Options) Validate() error {
	for _, g := range o.Gate {
		if !slices.Contains(Gates, g) {
			return fmt.Errorf("checker: unknown gate %q (known: %s)", g, strings.Join(Gates, ", "))
		}
	}
	return validWorkload(o.Workload)
}

// Check judges a history. It returns an error when opts names an unknown
// gate, or when the history is not a well-formed sequence of operations (a
// completion without an invoke, a reused write id).
func Check(h []histories.Event, opts Options) (*Result, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	a, err := Analyze(h)
	if err != nil {
		return nil, err
	}
	return a.Check(opts)
}

// Check judges the analysed history; it fails only when opts names an
// unknown gate. It changes nothing a holds (see Analysis).
func (a *Analysis) Check(opts Options) (*Result, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	c := &check{g: a.Graph, seen: make([]bool, len(a.Graph.all)), refs: make([]*Ref, len(a.Graph.all)), res: &Result{
		Lost: []Lost{}, Stale: []Stale{}, Phantoms: []Phantom{}, Corrupted: []Corrupted{}, Future: []FutureRead{},
		Divergent: []Divergence{}, Keys: []Key{},
		Faults: a.Faults, Failures: []string{}, External: []External{}, Linear: []Linear{},
	}}
	if c.res.Faults == nil {
		c.res.Faults = []Fault{}
	}
	c.res.Summary = Summary{Events: a.Events, LostByKind: map[LostKind]int{}}
	for _, f := range a.Faults {
		if f.F != histories.Unconverged {
			c.res.Summary.Faults++
		}
	}
	// Linearizability, the longest part, is checked beside the rest: it
	// only reads the operations.
	linearDone := make(chan []Linear, 1)
	go func() { linearDone <- linearizable(a, opts.LinearTimeout) }()
	c.epoch, c.physical = epochOf(a.Ops)
	c.scan(a)
	c.keysAside(slices.Sorted(maps.Keys(c.keys)))
	c.explainFindings(opts.Explain)
	c.workload(opts.Workload, a.Faults)
	c.undecided(a.Ops)
	c.measure(a.Ops)
	c.res.Linear = <-linearDone
	if opts.Workload == WorkloadSet {
		c.res.Linear = []Linear{} // a set's reads return many elements: no register
	}
	c.verdict(opts)
	return c.res, nil
}

// check is one judgement in progress: what it found so far and what the
// findings share.
type check struct {
	g        *Graph
	epoch    epoch // the clocks' reading at true time 0, as the stamps bound it
	physical bool  // the stamps are physical clock readings
	res      *Result
	keys     map[string]bool
	final    map[string]map[string][]histories.Version // key → node → versions
	tried    map[string]map[string]string              // key → node → why a final read did not succeed
	nodes    map[string]bool                           // every node an operation named
	stale    map[uint64]int                            // index into res.Stale, by pair a.i<<32 | b.i
	seen     []bool                                    // by Write.i: writes some read returned
	refs     []*Ref                                    // each write's Ref by Write.i, shared by the findings (and by a check's parts, whose writes are their own)
	refSlab  []Ref                                     // where the next Refs are made (each part has its own)
	seenBuf  []*Write                                  // read's scratch space
	// What each lost write's Why is written from, by index into res.Lost
	// (explainFindings).
	whyLost []lostWhy
}

// keysAside judges each key (key, external) on as many goroutines as
// GOMAXPROCS, each key in a part of the check of its own, and then joins
// the parts' findings in the order of keys: the result is the one a single
// goroutine gets. A key's findings name only its own writes, so a part
// shares with the others only what the check knew before (read only) and
// the graph, whose memory of precedence is kept per key.
//
// The lost writes and the violations of external consistency, most of a
// long history's findings, are counted first and then described by each
// part straight into its own stretch of Result.Lost and Result.External,
// so that they are never copied.
func (c *check) keysAside(keys []string) {
	parts := make([]*check, len(keys))
	ls := make([]*losses, len(keys))
	st := make([]*stamps, len(keys))
	procs := runtime.GOMAXPROCS(0)
	parallel.Do(len(keys), procs, func(i int) error {
		p := c.part()
		ls[i] = p.key(keys[i])
		st[i] = p.external(keys[i])
		p.res.Summary.Stamped += len(st[i].byAck)
		if ls[i] != nil {
			ls[i].byAck = st[i].byAck
		}
		parts[i] = p
		return nil
	}, nil)
	r := c.res
	var lost, external int
	for i := range parts {
		if ls[i] != nil {
			lost += ls[i].n
		}
		external += st[i].n
	}
	r.Lost, r.External = slices.Grow(r.Lost, lost), slices.Grow(r.External, external)
	c.whyLost = slices.Grow(c.whyLost, lost)
	at, ext := len(r.Lost), len(r.External)
	for i, p := range parts {
		if ls[i] != nil {
			end := at + ls[i].n
			p.res.Lost, p.whyLost = r.Lost[at:at:end], c.whyLost[at:at:end]
			at = end
		}
		p.res.External, ext = r.External[ext:ext:ext+st[i].n], ext+st[i].n
	}
	parallel.Do(len(keys), procs, func(i int) error {
		parts[i].describe(st[i])
		st[i] = nil
		if ls[i] != nil {
			parts[i].lostWrites(ls[i])
			ls[i] = nil
		}
		return nil
	}, nil)
	r.Lost, c.whyLost, r.External = r.Lost[:at], c.whyLost[:at], r.External[:ext]
	for _, p := range parts {
		r.Keys = append(r.Keys, p.res.Keys...)
		r.Divergent = append(r.Divergent, p.res.Divergent...)
		r.Summary.Stamped += p.res.Summary.Stamped
	}
}

// part is a check of keys of its own: it reads what c found so far, and
// writes its own findings, and the Refs of its own keys' writes.
func (c *check) part() *check {
	p := *c
	p.res = &Result{}
	p.whyLost, p.refSlab, p.seenBuf = nil, nil, nil
	return &p
}

// scan walks the operations: counts, phantoms, stale siblings, final reads.
func (c *check) scan(a *Analysis) {
	ops := a.Ops
	s := &c.res.Summary
	c.final = map[string]map[string][]histories.Version{}
	c.stale = map[uint64]int{}
	c.tried = map[string]map[string]string{}
	var nodes ids.Names
	for _, op := range ops {
		if op.Node != "" {
			nodes.ID(op.Node)
		}
		final := op.Process == histories.Final
		if !final {
			s.Ops++
		}
		switch op.F {
		case histories.Read:
			if !final {
				s.Reads++
			}
			if op.Type != histories.OK {
				if final {
					if c.tried[op.Key] == nil {
						c.tried[op.Key] = map[string]string{}
					}
					c.tried[op.Key][op.Node] = finalOutcome(op)
				}
				continue
			}
			if final {
				if c.final[op.Key] == nil {
					c.final[op.Key] = map[string][]histories.Version{}
				}
				c.final[op.Key][op.Node] = op.Versions
			}
			c.read(op, final)
		case histories.Write, histories.Delete:
			s.Writes++
			switch op.Type {
			case histories.OK:
				s.Acknowledged++
			case histories.Fail:
				s.Failed++
			default:
				s.Indeterminate++
			}
		}
	}
	for i := range c.g.all {
		if w := &c.g.all[i]; w.Type == histories.Info && c.seen[w.i] {
			s.SeenIndeterminate++
		}
	}
	c.keys, c.nodes = make(map[string]bool, len(a.keys)), make(map[string]bool, len(nodes.List))
	for _, k := range a.keys {
		c.keys[k] = true
	}
	for _, n := range nodes.List {
		c.nodes[n] = true
	}
}

// finalOutcome says how a final read that returned nothing ended.
func finalOutcome(op *Op) string {
	what := "failed"
	if op.Type != histories.Fail {
		what = "timed out or its outcome is unknown"
		if op.Complete < 0 {
			what = "never completed"
		}
	}
	if op.Error != "" {
		what += ": " + op.Error
	}
	return what
}

// key judges one key: its final set, divergence and sibling preservation,
// and which of its writes are lost, which it returns (nil when the key
// cannot be judged) for lostWrites to describe.
//
// A key with writes is judged only when every node the history names
// answered its final read: F is then the whole final state. Otherwise its
// lost writes and sibling preservation cannot be decided (a write missing
// from the answers may survive on a node that did not answer), and the
// missing nodes make the verdict unknown; divergence between the nodes that
// did answer is still proven.
func (c *check) key(key string) *losses {
	k := c.preservation(key)
	if len(c.g.byKey[key]) > 0 {
		for _, n := range slices.Sorted(maps.Keys(c.nodes)) {
			if _, ok := c.final[key][n]; !ok {
				k.Missing = append(k.Missing, n)
			}
		}
	}
	k.Judged = len(c.final[key]) > 0 && len(k.Missing) == 0
	fset := c.finalSet(&k)
	if !k.Judged {
		c.res.Keys = append(c.res.Keys, k)
		return nil
	}
	k.Preserved = slices.Equal(k.Final, k.Maximal)
	c.res.Keys = append(c.res.Keys, k)
	return c.losses(key, fset)
}

// undecided says why the history cannot decide: no client operation at
// all, keys or nodes without a final read, replicas that did not converge.
func (c *check) undecided(ops []*Op) {
	r := c.res
	if !slices.ContainsFunc(ops, func(op *Op) bool { return op.Process != histories.Nemesis && op.Process != histories.Final }) {
		what := "the history is empty"
		if c.res.Summary.Events > 0 {
			what = "the history has no client operation"
		}
		r.Unknown = append(r.Unknown, what+": there is nothing to judge")
	}
	var none []string
	for _, k := range r.Keys {
		if len(k.Missing) > 0 && len(c.final[k.Key]) == 0 && len(c.tried[k.Key]) == 0 {
			none = append(none, k.Key)
		}
	}
	if len(none) > 0 && len(c.final) == 0 && len(c.tried) == 0 {
		// Nothing was even tried: the history ends before its final reads.
		r.Unknown = append(r.Unknown, fmt.Sprintf("no final reads at all (the history ends before them): the writes of %s cannot be judged on %s",
			strings.Join(none, ", "), cmp.Or(strings.Join(slices.Sorted(maps.Keys(c.nodes)), ", "), "any node")))
	} else {
		for _, k := range r.Keys {
			if len(k.Missing) == 0 {
				continue
			}
			var missing []string
			for _, n := range k.Missing {
				if why, ok := c.tried[k.Key][n]; ok {
					missing = append(missing, fmt.Sprintf("%s (%s)", n, why))
				} else {
					missing = append(missing, n)
				}
			}
			what := "its lost writes cannot be judged"
			if len(c.final[k.Key]) > 0 {
				what = "its lost writes, and whether " + plural(len(missing), "that node agrees", "those nodes agree") + " with the others, cannot be judged"
			}
			r.Unknown = append(r.Unknown, fmt.Sprintf("no final read of %s from %s: %s", k.Key, strings.Join(missing, ", "), what))
		}
	}
	for _, f := range r.Faults {
		if f.F != histories.Unconverged {
			continue
		}
		why := "the replicas did not converge after every fault healed"
		if d := f.Params["waited"]; d != "" {
			why = fmt.Sprintf("the replicas did not converge within %s after every fault healed", d)
		}
		r.Unknown = append(r.Unknown, why+": the final reads may not show the state they settle on")
		var open []string
		for _, op := range ops {
			if op.Type != histories.Info || !op.isWrite() {
				continue
			}
			how := "never completed"
			if op.Complete >= 0 {
				how = cmp.Or(op.Error, "outcome unknown")
			}
			open = append(open, fmt.Sprintf("%s %s of %s via %s (invoked at %s, event %d: %s)",
				op.F, op.Write, op.Key, op.Node, clock.Seconds(op.Start), op.Invoke, how))
		}
		if len(open) > 0 {
			r.Notes = append(r.Notes, fmt.Sprintf("the replicas did not converge; these writes had no known outcome when their clients gave up, "+
				"and a write still held by its coordinator (a commit wait that outlasts the run, as truetime's for a delete stamped far ahead) can keep the replicas apart: %s",
				strings.Join(open, "; ")))
		}
		break
	}
}

// plural picks one or many by n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// explainFindings writes the Why of the lost writes and external
// violations Options.Explain asks for.
func (c *check) explainFindings(n int) {
	lost := c.res.Lost
	chosen := make([]bool, len(lost))
	for _, i := range MostInteresting(lost, n) {
		chosen[i] = true
	}
	for i := range lost {
		if chosen[i] {
			lost[i].Why = explain.Lost(&lost[i], c.whyLost[i].older, c.ref(c.whyLost[i].del))
		}
	}
	for i := range c.res.External {
		if n > 0 && i >= n {
			break
		}
		c.res.External[i].Why = explain.External(&c.res.External[i])
	}
	c.whyLost = nil
}
