// Package checker judges a history: it proves from the history alone which
// acknowledged writes were lost and why, which stale versions failed to
// collapse, whether concurrent writes survived as siblings, and whether the
// replicas agree (Jepsen's "checker").
//
// Causality comes only from what clients saw (see Graph): write B follows
// write A when B's context named A or a write that follows A. The final set
// F of a key is the union of its final reads, taken after every fault healed
// and the replicas converged. Then:
//
//   - an acknowledged write W is lost when W is not in F and no member of F
//     follows W; the loss is overwritten-by-older when a member of F precedes
//     W (the clock-skew signature), suppressed-by-tombstone when the winner
//     is a tombstone, concurrent-dropped when the winner is concurrent with
//     W (a silent pick), and missing when F is empty. A tombstone is not
//     blamed for a write acknowledged before the delete began when what the
//     delete's client had read explains the loss better: a version that
//     precedes W, or is concurrent with it, and outranks it (a higher
//     timestamp) is then the winner, and the tombstone only deleted it later.
//     A loss to a tombstone carries, when the stamps are physical clock
//     readings, the moment until which the tombstone outranks writes stamped
//     by clocks on true time (Lost.Until): a delete stamped by a clock an hour
//     ahead keeps its key dead for an hour. A lost write stamped below a
//     write it follows names that write (Lost.Inverted): under timestamp
//     order it lost the moment it was stamped, whatever survived at the end;
//   - a stale sibling is a version returned next to one that follows it;
//   - sibling preservation holds for a key when F is exactly the maximal
//     writes among the acknowledged and the visible indeterminate ones;
//   - a phantom is a read of a write that failed or was never written;
//   - a key is divergent when its final reads differ between nodes;
//   - external consistency, for writes that carry a timestamp (meta.ts, the
//     register strategies): an acknowledged write that began after another
//     write of its key was acknowledged, in true time, must carry a strictly
//     higher timestamp (External);
//   - linearizability: porcupine checks each key's history against a
//     single-value register within a time limit; a key it cannot decide in
//     time is unknown, never a pass (Linear, Visualize).
//
// The summary also gives the commit wait the coordinators reported
// (meta.wait), the write latency in true time, the causal metadata size per
// key (meta.bytes) and how many reads returned siblings.
//
// The nemesis's own reads and deletes (a tombstone fault's) are operations
// like any client's; its other events are faults.
//
// Writes whose outcome is unknown (info) are never counted lost. Lost writes,
// phantoms and divergence make a history invalid; other findings gate only
// when Options.Gate names them. The checker imports nothing of the store: it
// judges any history in the format of package histories.
package checker

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/histories"
)

// LostKind says what replaced a lost write.
type LostKind string

// Kinds of lost writes.
const (
	OverwrittenByOlder    LostKind = "overwritten-by-older"
	ConcurrentDropped     LostKind = "concurrent-dropped"
	SuppressedByTombstone LostKind = "suppressed-by-tombstone"
	Missing               LostKind = "missing"
)

// LostKinds lists the kinds of lost writes in report order.
var LostKinds = []LostKind{OverwrittenByOlder, ConcurrentDropped, SuppressedByTombstone, Missing}

// Gates that Options.Gate may add to the default ones (lost, phantom,
// divergent).
const (
	GateStale        = "stale"        // stale siblings
	GatePreservation = "preservation" // sibling preservation
	GateLinearizable = "linearizable" // a key not linearizable, or undecided
	GateExternal     = "external"     // external-consistency violations
)

// Gates lists every gate name Options.Gate accepts.
var Gates = []string{GateStale, GatePreservation, GateLinearizable, GateExternal}

// Options tune a check.
type Options struct {
	// Gate names findings that make the history invalid on top of lost
	// writes, phantoms and divergence.
	Gate []string
	// LinearTimeout limits each key's linearizability check; 0 is
	// DefaultLinearTimeout. A key undecided in time is reported unknown.
	LinearTimeout time.Duration
}

// Ref describes a write for a report: who wrote it where and when, what the
// store stamped on it and how far the serving node's clock was off.
type Ref struct {
	Write   string            `json:"write"`
	Value   string            `json:"value,omitempty"`
	Deleted bool              `json:"deleted,omitempty"`
	Process string            `json:"process"`
	Node    string            `json:"node"`
	Type    histories.Type    `json:"type"`             // ok, fail, info
	Invoke  int               `json:"invoke"`           // event index
	Ack     int               `json:"ack"`              // completion event index, -1 if none
	Start   int64             `json:"start"`            // ns
	End     int64             `json:"end"`              // ns, -1 if it never completed
	Context []string          `json:"context"`          // what its client had read
	TS      int64             `json:"ts,omitempty"`     // the strategy's timestamp
	VV      map[string]uint64 `json:"vv,omitempty"`     // the strategy's version vector
	Offset  *int64            `json:"offset,omitempty"` // the node's clock offset, ns
}

func ref(w *Write) *Ref {
	if w == nil {
		return nil
	}
	r := &Ref{
		Write: w.Write, Value: w.Value, Deleted: w.Deleted, Process: w.Process, Node: w.Node, Type: w.Type,
		Invoke: w.Invoke, Ack: w.Complete, Start: w.Start, End: w.End, Context: w.Context, Offset: w.Offset,
	}
	if r.Context == nil {
		r.Context = []string{}
	}
	if w.Meta != nil {
		r.TS, r.VV = w.Meta.TS, w.Meta.VV
	}
	return r
}

// Lost is an acknowledged write missing from the final state.
type Lost struct {
	Key    string   `json:"key"`
	Kind   LostKind `json:"kind"`
	Write  *Ref     `json:"write"`
	Winner *Ref     `json:"winner,omitempty"` // the surviving version that replaced it
	// Inverted is the write with the highest timestamp among those the lost
	// write follows, when that timestamp is above the lost write's own: under
	// timestamp order the write lost the moment it was stamped (clock skew),
	// whichever version finally survived.
	Inverted *Ref `json:"inverted,omitempty"`
	// Until is, for a loss to a tombstone stamped by a physical clock, the
	// true time (ns since the run began) until which the tombstone outranks
	// every write stamped by a clock on true time: the key stays dead until
	// then. It is the earliest moment the history allows; 0 when unknown.
	Until int64  `json:"until,omitempty"`
	Why   string `json:"why"`
}

// Stale is a version returned next to a version that follows it.
type Stale struct {
	Key   string `json:"key"`
	Write *Ref   `json:"write"` // the stale version
	Newer *Ref   `json:"newer"` // the version that follows it
	Read  int    `json:"read"`  // the first read event that returned both
	Reads int    `json:"reads"` // how many reads returned both
	Final bool   `json:"final"` // a final read returned both
}

// Phantom is a read of a version that should not exist.
type Phantom struct {
	Key   string `json:"key"`
	Write string `json:"write"`
	Read  int    `json:"read"`           // the read event
	Why   string `json:"why"`            // failed, or never written
	Fail  *Ref   `json:"fail,omitempty"` // the failed write, if any
}

// Divergence is a key whose final reads disagree between nodes.
type Divergence struct {
	Key   string              `json:"key"`
	Nodes map[string][]string `json:"nodes"` // node → version ids it returned
}

// Key is the verdict for one key.
type Key struct {
	Key       string   `json:"key"`
	Final     []string `json:"final"`     // F: the union of the final reads
	Maximal   []string `json:"maximal"`   // the maximal acknowledged or visible writes
	Preserved bool     `json:"preserved"` // F equals Maximal
	Judged    bool     `json:"judged"`    // the key had final reads
}

// Summary counts what a check found.
type Summary struct {
	Events        int              `json:"events"`
	Ops           int              `json:"ops"` // client and nemesis operations, final reads excluded
	Reads         int              `json:"reads"`
	Writes        int              `json:"writes"` // writes and deletes invoked
	Acknowledged  int              `json:"acknowledged"`
	Failed        int              `json:"failed"`
	Indeterminate int              `json:"indeterminate"`
	Lost          int              `json:"lost"`
	LostByKind    map[LostKind]int `json:"lost_by_kind"`
	Inverted      int              `json:"inverted"` // lost writes stamped below a write they follow
	Stale         int              `json:"stale"`
	Phantoms      int              `json:"phantoms"`
	Divergent     int              `json:"divergent"`
	Unpreserved   int              `json:"unpreserved"` // keys whose siblings were not preserved
	Faults        int              `json:"faults"`
	// Stamped counts the acknowledged writes that carry a timestamp
	// (meta.ts): the ones checked for external consistency.
	Stamped  int `json:"stamped"`
	External int `json:"external"` // external-consistency violations
	// Linearizable is yes when every key's register history is
	// linearizable, no when some key is not, unknown otherwise.
	Linearizable    Answer  `json:"linearizable"`
	LinearKeys      int     `json:"linear_keys"`      // keys checked for linearizability
	NonLinearizable int     `json:"non_linearizable"` // keys not linearizable
	LinearUnknown   int     `json:"linear_unknown"`   // keys undecided within the time limit
	CommitWait      Latency `json:"commit_wait"`      // of acknowledged writes, local-clock ns
	WriteLatency    Latency `json:"write_latency"`    // of acknowledged writes, invoke to ack, true-time ns
	MetaBytes       Bytes   `json:"meta_bytes"`       // causal metadata per key after each write
	SiblingReads    int     `json:"sibling_reads"`    // client reads that returned more than one version
}

// Result is a check's verdict with every finding.
type Result struct {
	Valid     bool         `json:"valid"`
	Failures  []string     `json:"failures"` // why it is invalid, one line per gate that failed
	Summary   Summary      `json:"summary"`
	Lost      []Lost       `json:"lost"`
	Stale     []Stale      `json:"stale"`
	Phantoms  []Phantom    `json:"phantoms"`
	Divergent []Divergence `json:"divergent"`
	Keys      []Key        `json:"keys"`
	Faults    []Fault      `json:"faults"`
	Notes     []string     `json:"notes,omitempty"`
	External  []External   `json:"external"`
	Linear    []Linear     `json:"linear"`
	// Visualization names the file holding porcupine's visualization of
	// the keys that are not linearizable, when the caller saved one
	// (Visualize).
	Visualization string `json:"visualization,omitempty"`
}

// Check judges a history. It returns an error only when the history is not
// a well-formed sequence of operations (a completion without an invoke, a
// reused write id).
func Check(h []histories.Event, opts Options) (*Result, error) {
	for _, g := range opts.Gate {
		if !slices.Contains(Gates, g) {
			return nil, fmt.Errorf("unknown gate %q (known: %s)", g, strings.Join(Gates, ", "))
		}
	}
	ops, faults, err := pair(h)
	if err != nil {
		return nil, err
	}
	g, err := newGraph(ops)
	if err != nil {
		return nil, err
	}
	c := &check{g: g, res: &Result{
		Lost: []Lost{}, Stale: []Stale{}, Phantoms: []Phantom{}, Divergent: []Divergence{}, Keys: []Key{},
		Faults: faults, Failures: []string{}, External: []External{}, Linear: []Linear{},
	}}
	if c.res.Faults == nil {
		c.res.Faults = []Fault{}
	}
	c.res.Summary = Summary{Events: len(h), LostByKind: map[LostKind]int{}, Faults: len(faults)}
	c.epoch, c.physical = epoch(ops)
	c.scan(ops)
	for _, key := range slices.Sorted(maps.Keys(c.keys)) {
		c.judge(key)
		c.res.Summary.Stamped += c.external(key)
	}
	c.stats(ops)
	c.linear(ops, opts.LinearTimeout)
	c.verdict(opts)
	return c.res, nil
}

type check struct {
	g        *Graph
	epoch    [2]int64 // bounds of the clocks' reading at true time 0 (see epoch)
	physical bool     // the stamps are physical clock readings
	res      *Result
	keys     map[string]bool
	final    map[string]map[string][]histories.Version // key → node → versions
	stale    map[[2]*Write]int                         // index into res.Stale
}

// scan walks the operations: counts, phantoms, stale siblings, final reads.
func (c *check) scan(ops []*Op) {
	s := &c.res.Summary
	c.keys = map[string]bool{}
	c.final = map[string]map[string][]histories.Version{}
	c.stale = map[[2]*Write]int{}
	for _, op := range ops {
		c.keys[op.Key] = true
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
}

// read records what one read saw: visibility, phantoms, stale siblings.
func (c *check) read(op *Op, final bool) {
	var seen []*Write
	for _, v := range op.Versions {
		w := c.g.writes[v.Write]
		switch {
		case w == nil || w.Key != op.Key:
			c.phantom(Phantom{Key: op.Key, Write: v.Write, Read: op.Invoke,
				Why: fmt.Sprintf("no operation in the history wrote %s to %s", v.Write, op.Key)})
			continue
		case w.Type == histories.Fail:
			c.phantom(Phantom{Key: op.Key, Write: v.Write, Read: op.Invoke, Fail: ref(w),
				Why: fmt.Sprintf("%s's write failed (event %d: %s), so it must never be read", w.Write, w.Complete, w.Error)})
		}
		w.Seen = true
		seen = append(seen, w)
	}
	for _, a := range seen {
		for _, b := range seen {
			if a == b || !c.g.Precedes(a, b) {
				continue
			}
			k := [2]*Write{a, b}
			if i, ok := c.stale[k]; ok {
				c.res.Stale[i].Reads++
				c.res.Stale[i].Final = c.res.Stale[i].Final || final
				continue
			}
			c.stale[k] = len(c.res.Stale)
			c.res.Stale = append(c.res.Stale, Stale{Key: op.Key, Write: ref(a), Newer: ref(b), Read: op.Invoke, Reads: 1, Final: final})
		}
	}
}

func (c *check) phantom(p Phantom) {
	for _, q := range c.res.Phantoms {
		if q.Key == p.Key && q.Write == p.Write {
			return // report each phantom version once, at its first read
		}
	}
	c.res.Phantoms = append(c.res.Phantoms, p)
}

// judge decides lost writes, divergence and sibling preservation for a key.
func (c *check) judge(key string) {
	writes := c.g.byKey[key]
	nodes := c.final[key]
	k := Key{Key: key, Final: []string{}, Maximal: []string{}, Judged: len(nodes) > 0}

	// The maximal writes among the acknowledged and the visible
	// indeterminate ones.
	var counted []*Write
	for _, w := range writes {
		if w.Type == histories.OK || (w.Type == histories.Info && w.Seen) {
			counted = append(counted, w)
		}
	}
	dominated := reach(len(writes), counted, parentsOf)
	for _, w := range counted {
		if !dominated[w.n] {
			k.Maximal = append(k.Maximal, w.Write)
		}
	}
	slices.Sort(k.Maximal)

	if !k.Judged {
		if len(writes) > 0 {
			c.res.Notes = append(c.res.Notes, fmt.Sprintf("key %s has no final reads: its writes were not judged", key))
		}
		c.res.Keys = append(c.res.Keys, k)
		return
	}

	// F and divergence.
	var fset []*Write
	inF := map[string]bool{}
	var first []string
	diverged := false
	div := Divergence{Key: key, Nodes: map[string][]string{}}
	for _, node := range slices.Sorted(maps.Keys(nodes)) {
		ids := make([]string, 0, len(nodes[node]))
		for _, v := range nodes[node] {
			ids = append(ids, versionID(v))
			if !inF[v.Write] {
				inF[v.Write] = true
				k.Final = append(k.Final, v.Write)
				if w := c.g.writes[v.Write]; w != nil && w.Key == key {
					fset = append(fset, w)
				}
			}
		}
		slices.Sort(ids)
		div.Nodes[node] = ids
		if first == nil {
			first = ids
		} else if !slices.Equal(first, ids) {
			diverged = true
		}
	}
	slices.Sort(k.Final)
	if diverged {
		c.res.Divergent = append(c.res.Divergent, div)
	}
	k.Preserved = slices.Equal(k.Final, k.Maximal)
	c.res.Keys = append(c.res.Keys, k)

	// Lost writes: acknowledged, not in F, and followed by no member of F.
	covered := reach(len(writes), fset, parentsOf)
	var after [][]bool // after[i][n]: writes that follow fset[i]
	for _, f := range fset {
		after = append(after, reach(len(writes), []*Write{f}, kidsOf))
	}
	var top []*Write // top[n]: the ancestor of writes[n] with the highest timestamp
	for _, w := range writes {
		if w.Type != histories.OK || inF[w.Write] || covered[w.n] {
			continue
		}
		if top == nil {
			top = highestAncestors(writes)
		}
		l := c.lost(w, fset, after)
		if a := top[w.n]; a != nil && ts(a) > ts(w) && ts(w) != 0 {
			l.Inverted = ref(a)
			l.Why += " " + inverted(w, a)
		}
		c.res.Lost = append(c.res.Lost, l)
	}
}

// highestAncestors finds, for each of a key's writes (in invoke order), the
// ancestor with the highest timestamp, in one pass: a write's ancestors were
// invoked before it.
func highestAncestors(writes []*Write) []*Write {
	top := make([]*Write, len(writes))
	for _, w := range writes {
		var best *Write
		for _, p := range w.parents {
			if p.n >= w.n {
				continue // not a possible ancestor in a well-formed history
			}
			for _, cand := range []*Write{p, top[p.n]} {
				if cand != nil && (best == nil || ts(cand) > ts(best)) {
					best = cand
				}
			}
		}
		top[w.n] = best
	}
	return top
}

// lost explains why w is gone: it picks the winner among the final versions
// (one that precedes w if any, else the highest timestamp) and classifies.
func (c *check) lost(w *Write, fset []*Write, after [][]bool) Lost {
	l := Lost{Key: w.Key, Write: ref(w)}
	if len(fset) == 0 {
		l.Kind = Missing
		l.Why = fmt.Sprintf("%s was acknowledged, but no version of %s survives on any node", w.Write, w.Key)
		return l
	}
	var win *Write
	older := false
	for i, f := range fset {
		if after[i][w.n] {
			win, older = f, true
			break
		}
	}
	if win == nil {
		win = fset[0]
		for _, f := range fset[1:] {
			if ts(f) > ts(win) {
				win = f
			}
		}
	}
	// A tombstone that began after w was acknowledged is blamed only when
	// its client saw nothing that explains the loss better; a tombstone it
	// saw may in turn be no better, so look further back.
	var del *Write // the tombstone that deleted the winner after it won
	for win.Deleted && !older && w.Complete >= 0 && w.End < win.Start {
		a, o := c.beforeDelete(w, win)
		if a == nil {
			break
		}
		if del == nil {
			del = win
		}
		win, older = a, o
	}
	l.Winner = ref(win)
	switch {
	case win.Deleted:
		l.Kind = SuppressedByTombstone
		l.Until = c.until(w, win)
	case older:
		l.Kind = OverwrittenByOlder
	default:
		l.Kind = ConcurrentDropped
	}
	l.Why = explain(l.Kind, w, win, older, del, l.Until)
	return l
}

// beforeDelete looks for what w, acknowledged before the delete d began,
// really lost to: a write d's client had read (or one it follows) that
// outranks w and precedes it (older reports true) or, failing that, is
// concurrent with it. It returns nil when d's client saw nothing that
// explains the loss: then d itself suppressed w.
func (c *check) beforeDelete(w, d *Write) (*Write, bool) {
	writes := c.g.byKey[w.Key]
	past := reach(len(writes), []*Write{d}, parentsOf)
	var prec, conc *Write
	for _, a := range writes {
		if !past[a.n] || a == w || !outranks(a, w) {
			continue
		}
		switch {
		case c.g.Precedes(a, w):
			prec = a // writes come in invoke order: the last is the latest
		case !c.g.Precedes(w, a) && (conc == nil || ts(a) > ts(conc)):
			conc = a
		}
	}
	if prec != nil {
		return prec, true
	}
	return conc, false
}

// outranks reports whether a's timestamp is above w's, or either is unknown.
func outranks(a, w *Write) bool { return ts(a) == 0 || ts(w) == 0 || ts(a) > ts(w) }

// until is the earliest true time at which a clock on true time reaches
// tombstone d's stamp: until then d outranks every write such a clock
// stamps, and the key stays dead. It is 0 when the history's stamps are not
// physical clock readings, or when that moment is not after w's ack (d is no
// far-future tombstone for w: w lost to it because its own clock was behind).
func (c *check) until(w, d *Write) int64 {
	if !c.physical || ts(d) == 0 {
		return 0
	}
	if u := ts(d) - c.epoch[1]; u > w.End {
		return u
	}
	return 0
}

// epoch bounds the clock reading at true time 0 that the history's stamps
// imply. A physical stamp is that reading + t + offset, for the true time t
// at which the write was stamped, between its invoke and its ack; so each
// acknowledged write with a stamp and an offset bounds the reading, and the
// bounds of every write must overlap. When they do not (logical clocks, or
// no stamps at all), ok is false.
func epoch(ops []*Op) (bounds [2]int64, ok bool) {
	for _, op := range ops {
		if (op.F != histories.Write && op.F != histories.Delete) || op.Type != histories.OK ||
			op.Meta == nil || op.Meta.TS == 0 || op.Offset == nil {
			continue
		}
		base := op.Meta.TS - *op.Offset
		lo, hi := base-op.End, base-op.Start
		if ok {
			lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
		}
		bounds, ok = [2]int64{lo, hi}, true
	}
	return bounds, ok && bounds[0] <= bounds[1]
}

func ts(w *Write) int64 {
	if w.Meta == nil {
		return 0
	}
	return w.Meta.TS
}

// verdict applies the gates.
func (c *check) verdict(opts Options) {
	r := c.res
	s := &r.Summary
	s.Lost, s.Stale, s.Phantoms, s.Divergent = len(r.Lost), len(r.Stale), len(r.Phantoms), len(r.Divergent)
	for _, l := range r.Lost {
		s.LostByKind[l.Kind]++
		if l.Inverted != nil {
			s.Inverted++
		}
	}
	for _, k := range r.Keys {
		if k.Judged && !k.Preserved {
			s.Unpreserved++
		}
	}
	s.External, s.LinearKeys = len(r.External), len(r.Linear)
	for _, l := range r.Linear {
		switch Verdict(l.Result) {
		case Invalid:
			s.NonLinearizable++
		case Unknown:
			s.LinearUnknown++
		}
	}
	s.Linearizable = Answer(LinearVerdict(s.NonLinearizable, s.LinearUnknown))
	fail := func(format string, args ...any) { r.Failures = append(r.Failures, fmt.Sprintf(format, args...)) }
	if s.Lost > 0 {
		fail("%d of %d acknowledged writes lost", s.Lost, s.Acknowledged)
	}
	if s.Phantoms > 0 {
		fail("%d phantom versions read", s.Phantoms)
	}
	if s.Divergent > 0 {
		fail("%d keys divergent after convergence", s.Divergent)
	}
	if slices.Contains(opts.Gate, GateStale) && s.Stale > 0 {
		fail("%d stale siblings (gated by --gate %s)", s.Stale, GateStale)
	}
	if slices.Contains(opts.Gate, GatePreservation) && s.Unpreserved > 0 {
		fail("%d keys did not preserve their siblings (gated by --gate %s)", s.Unpreserved, GatePreservation)
	}
	if slices.Contains(opts.Gate, GateLinearizable) {
		if s.NonLinearizable > 0 {
			fail("%d keys not linearizable (gated by --gate %s)", s.NonLinearizable, GateLinearizable)
		}
		if s.LinearUnknown > 0 {
			fail("linearizability of %d keys unknown within the time limit (gated by --gate %s)", s.LinearUnknown, GateLinearizable)
		}
	}
	if slices.Contains(opts.Gate, GateExternal) && s.External > 0 {
		fail("%d external-consistency violations (gated by --gate %s)", s.External, GateExternal)
	}
	r.Valid = len(r.Failures) == 0
}

func versionID(v histories.Version) string {
	if v.Deleted {
		return v.Write + "(deleted)"
	}
	return v.Write
}
